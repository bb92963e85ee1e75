"""Matcher name-v3: sound keys for names written in another script.

Sources of the expected pairs: Merhav & Ash's Wikidata person-name dictionaries (COLING 2018,
CC0; the training slice `wd_<script>_80`, not the slice the benchmark reports), and Japan's
METI End User List, which prints each Iranian entity's English name beside its Persian name.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from chipcontrols.screening.lists.snapshots import bundled_snapshots
from chipcontrols.screening.matcher import Query
from chipcontrols.screening.matcher_v2 import MatcherV2
from chipcontrols.screening.matcher_v3 import MatcherV3
from chipcontrols.screening.matchers import DEFAULT, MATCHERS, recorded_matcher
from chipcontrols.screening.model import ListEntry
from chipcontrols.screening.names.normalise import scripts_of
from chipcontrols.screening.names.sound_keys import sound_key

# (English spelling, native writing) from wd_<script>_80: spellings close enough to decide ...
DECIDED = [
    ("ashkenazi", "اشكنازي"),
    ("shiratori", "شيراتوري"),
    ("fresnadillo", "פרסנדילו"),
    ("nockemann", "ノッケマン"),
    ("tambling", "タンブリング"),
    ("forest", "포레스트"),
]
# ... and ones whose romanised spelling is too far from the English one to decide alone.
FOR_REVIEW = [
    ("zlateva", "زلاتيفا"),
    ("kravitz", "קרביץ"),
]
OTHERS = ["Sandler", "Kurzweil", "Tomita", "Logan", "Balabanov", "Pinnock", "Olphen"]


def _person(eid: str, name: str) -> ListEntry:
    return ListEntry(id=eid, list="T", list_name="test", schema="Person", name=name)


@pytest.mark.parametrize(("english", "native"), DECIDED + FOR_REVIEW)
def test_a_name_written_in_another_script_keeps_its_sound_key(english: str, native: str) -> None:
    from chipcontrols.screening.names.normalise_v2 import forms

    keys = {sound_key(t) for f in forms(native) for t in f.tokens}
    assert sound_key(english) in keys


@pytest.mark.parametrize(("english", "native"), DECIDED)
def test_name_v3_finds_the_listed_spelling_that_name_v2_misses(english: str, native: str) -> None:
    entries = [_person(f"p{i}", n) for i, n in enumerate([english.title(), *OTHERS])]
    assert not [h for h in MatcherV2(entries).screen(Query(native)) if h.match]
    hits = MatcherV3(entries).screen(Query(native))
    assert hits and hits[0].entry.id == "p0" and hits[0].match, hits
    assert "sound" in hits[0].explanations["name"]["detail"]


@pytest.mark.parametrize(("english", "native"), FOR_REVIEW)
def test_a_distant_spelling_is_a_possible_hit_for_review(english: str, native: str) -> None:
    entries = [_person(f"p{i}", n) for i, n in enumerate([english.title(), *OTHERS])]
    hits = MatcherV3(entries).screen(Query(native))
    assert [h.entry.id for h in hits] == ["p0"]
    assert not hits[0].match and hits[0].score >= 0.70
    assert "review" in hits[0].explanations


def test_names_that_sound_alike_are_left_for_review() -> None:
    # Two listed spellings with one skeleton and the same distance from the romanised query:
    # neither is decided; both are possible hits, and the explanation says why.
    entries = [_person("a", "Sandler"), _person("b", "Sundlar")]
    hits = MatcherV3(entries).screen(Query("סנדלר"))  # 'sndlr'
    assert {h.entry.id for h in hits} == {"a", "b"}
    assert not any(h.match for h in hits)
    assert all(h.score >= 0.70 for h in hits)
    assert "review" in hits[0].explanations


def test_a_chinese_name_that_only_sounds_like_a_listed_one_is_not_a_hit() -> None:
    # 华信 is 'huaxin' in pinyin: another party than 'Kexin', whose key (KSN) it shares.
    entries = [
        ListEntry(id="a", list="T", list_name="t", schema="Organization", name="Kexin Technology"),
        ListEntry(id="b", list="T", list_name="t", schema="Organization", name="Huawei"),
    ]
    matcher = MatcherV3(entries)
    assert sound_key("huaxin") == sound_key("kexin")
    v2 = [(h.entry.id, h.score, h.match) for h in MatcherV2(entries).screen(Query("华信科技"))]
    v3 = [(h.entry.id, h.score, h.match) for h in matcher.screen(Query("华信科技"))]
    assert v3 == v2 and not any(match for _, _, match in v3)
    assert [h.entry.id for h in matcher.screen(Query("华为")) if h.match] == ["b"]


def test_a_one_word_query_does_not_bring_every_longer_name() -> None:
    entries = [_person("a", "Sandler Ali Reza"), _person("b", "Sandler Kurzweil")]
    assert not [h for h in MatcherV3(entries).screen(Query("סנדלר")) if h.match]


def test_latin_queries_are_screened_exactly_as_by_name_v2() -> None:
    snap = next(s for s in bundled_snapshots(active_only=True) if s.dataset == "bis_entity_list")
    entries = snap.entries[:800]
    v2, v3 = MatcherV2(entries), MatcherV3(entries)
    rng = random.Random(7)
    names = [e.name for e in rng.sample(entries, 60)]
    names += [n.upper() for n in names[:20]] + [n.split()[0] for n in names[:20]]
    for name in names:
        a = [(h.entry.id, h.score, h.match) for h in v2.screen(Query(name), explain=False)]
        b = [(h.entry.id, h.score, h.match) for h in v3.screen(Query(name), explain=False)]
        assert a == b, name


def test_persian_names_of_the_meti_end_user_list_match_their_english_entries() -> None:
    """METI's End User List prints both names; the list here keeps the English ones only."""
    snap = next(s for s in bundled_snapshots(active_only=True) if s.dataset == "jp_meti_eul")
    latin = [
        replace(e, aliases=tuple(a for a in e.aliases if "latin" in scripts_of(a)))
        for e in snap.entries
    ]
    matcher = MatcherV3(latin)
    cases = {
        "jp-meti-eul:IR:abzar-boresh-kaveh-co": "شرکت ابزار برش کاوه",
        "jp-meti-eul:IR:aras-farayande": "ارس فریند",
        "jp-meti-eul:IR:ashtian-tablo": "اشتین تبلو",
    }
    for entry_id, persian in cases.items():
        assert entry_id in {e.id for e in snap.entries}
        hits = [h for h in matcher.screen(Query(persian)) if h.match]
        assert [h.entry.id for h in hits][:1] == [entry_id], persian
        assert hits[0].to_dict()["algorithm"] == "name-v3"


def test_the_default_matcher_and_the_version_a_record_names() -> None:
    assert DEFAULT == "name-v3" and set(MATCHERS) == {"name-v1", "name-v2", "name-v3"}
    assert recorded_matcher({"screening": {"matcher": {"algorithm": "name-v2"}}}) == "name-v2"
    assert recorded_matcher({"matcher": {"algorithm": "name-v1"}, "results": []}) == "name-v1"
    hit = {"entry_id": "x", "algorithm": "name-v2"}
    assert recorded_matcher({"parties": [{"hits": [hit]}]}) == "name-v2"
    assert recorded_matcher({"verdict": "no_licence_required"}) == DEFAULT
    assert recorded_matcher({"matcher": {"algorithm": "name-v9"}}) == DEFAULT


def _latin_only(dataset: str) -> tuple[list[ListEntry], set[str]]:
    snap = next(s for s in bundled_snapshots(active_only=True) if s.dataset == dataset)
    latin = [
        replace(e, aliases=tuple(a for a in e.aliases if "latin" in scripts_of(a)))
        for e in snap.entries
    ]
    return latin, {e.id for e in snap.entries}


@pytest.mark.parametrize(
    ("entry_id", "russian"),
    [
        # Council Regulation (EU) No 833/2014, Annex IV prints each Russian name beside its
        # English one; the list here keeps the English ones only.
        ("eu-833-iv:142:almaz-jsc", "Акционерное Общество «Алмаз» (АО «Алмаз»)"),
        ("eu-833-iv:136:zao-sparta", "Акционерное Общество «Спарта» (АО «Спарта»)"),
        (
            "eu-833-iv:147:electrosignal-jsc",
            "Акционерное Общество «Электросигнал» (АО «Электросигнал»)",
        ),
        (
            "eu-833-iv:12:argut-ooo",
            "Общество с Ограниченной Ответственностью «Аргут» (ООО «Аргут»)",
        ),
    ],
)
def test_a_full_name_with_its_short_name_in_parentheses(entry_id: str, russian: str) -> None:
    latin, ids = _latin_only("eu_833_annex_iv")
    assert entry_id in ids
    v2 = MatcherV2(latin).screen(Query(russian))
    assert not [h for h in v2 if h.entry.id == entry_id and h.match]
    hits = [h for h in MatcherV3(latin).screen(Query(russian)) if h.match]
    assert entry_id in [h.entry.id for h in hits]
    assert "name_part" in next(h for h in hits if h.entry.id == entry_id).explanations


def test_a_name_that_only_sounds_like_another_is_not_decided_over_the_same_name() -> None:
    # 'Аргут' is 'argut' (the listed Argut OOO), and sounds like Irkut (key LKT): only the
    # entry whose name it is matches.
    latin, _ = _latin_only("eu_833_annex_iv")
    hits = [h.entry.id for h in MatcherV3(latin).screen(Query("Аргут")) if h.match]
    assert hits == ["eu-833-iv:12:argut-ooo"]


@pytest.mark.parametrize(
    ("entry_id", "russian"),
    [
        (
            "eu-833-iv:115:ship-maintenance-center-zvezdochka",
            "Акционерное Общество «Центр Судоремонта «Звёздочка» (АО «ЦС «Звёздочка»)",
        ),
        (
            "eu-833-iv:150:etalon-scientific-and-production-associa",
            "Общество с Ограниченной Ответственностью «Научно-Производственное Объединение "
            "«Эталон» (ООО «НПО «Эталон»)",
        ),
    ],
)
def test_russian_organisation_words_are_compared_in_english(entry_id: str, russian: str) -> None:
    """EU 833/2014 Annex IV lists 'Центр Судоремонта «Звёздочка»' as 'Ship Maintenance Center
    Zvezdochka': the organisation words translated, the name transliterated."""
    from chipcontrols.screening.names.cyrillic_words import in_english

    assert in_english("Научно-Производственное Объединение") == "scientific production association"
    latin, ids = _latin_only("eu_833_annex_iv")
    assert entry_id in ids
    hits = [h for h in MatcherV3(latin).screen(Query(russian)) if h.match]
    assert entry_id in [h.entry.id for h in hits]


def test_korean_in_the_spelling_lists_use() -> None:
    """McCune-Reischauer (BGN/PCGN) spelling and organisation words in English: the UN and US
    lists print 조선금산무역회사 as 'Korea Kumsan Trading Corporation'."""
    from chipcontrols.screening.names.korean_words import korean_as_listed, mccune_reischauer

    assert mccune_reischauer("조선") == "chosŏn"  # ICU's rule that drops the vowel, corrected
    assert mccune_reischauer("대동") == "taedong" and mccune_reischauer("고려") == "koryŏ"
    assert korean_as_listed("조선금산무역회사").split() == ["korea", "kŭmsan", "trading", "company"]
    entries = [
        ListEntry(
            id="k",
            list="T",
            list_name="t",
            schema="Organization",
            name="Korea Kumsan Trading Corporation",
        ),
        ListEntry(
            id="b", list="T", list_name="t", schema="Organization", name="Korea Daesong Bank"
        ),
    ]
    assert not [h for h in MatcherV2(entries).screen(Query("조선금산무역회사")) if h.match]
    hits = [h for h in MatcherV3(entries).screen(Query("조선금산무역회사")) if h.match]
    assert [h.entry.id for h in hits] == ["k"]
    assert "McCune-Reischauer" in hits[0].explanations["name_part"]["detail"]


@pytest.mark.parametrize(
    ("dataset", "entry_id", "native"),
    [
        # METI's End User List: 'Behineh Trading Co.' beside its Persian name.
        ("jp_meti_eul", "jp-meti-eul:IR:behineh-trading-co", "بهینه بازرگانی شرکت"),
        # EU 833/2014 Annex IV: 'Qods Aviation Industries', two Persian names given with '·'.
        (
            "eu_833_annex_iv",
            "eu-833-iv:413:qods-aviation-industries",
            "شرکت صنایع هوایی قدس · صنایع هوایی قدس",
        ),
    ],
)
def test_persian_organisation_words_are_compared_in_english(
    dataset: str, entry_id: str, native: str
) -> None:
    from chipcontrols.screening.names.arabic_words import arabic_in_english

    assert arabic_in_english("مصنع صقر للصناعات المتطورة") == "factory صقر industries developed"
    latin, ids = _latin_only(dataset)
    assert entry_id in ids
    assert not [h for h in MatcherV2(latin).screen(Query(native)) if h.match]
    hits = [h for h in MatcherV3(latin).screen(Query(native)) if h.match]
    assert entry_id in [h.entry.id for h in hits]


def test_chinese_ordinals_are_compared_as_numbers() -> None:
    """The Entity List prints CETC's numbered institutes as 'China Electronics Technology
    Group Corporation 55th Research Institute'; in Chinese, 中国电子科技集团公司第五十五研究所,
    whose pinyin 'diwushiwu' spells no listed word: name-v2 finds nothing."""
    from chipcontrols.screening.matcher_v3 import han_number

    assert [han_number(t) for t in ("十", "十三", "二十八", "五十五", "一百零一", "七七一")] == [
        10,
        13,
        28,
        55,
        101,
        771,
    ]
    assert han_number("研究") is None
    snap = next(s for s in bundled_snapshots(active_only=True) if s.dataset == "bis_entity_list")
    query = Query("中国电子科技集团公司第五十五研究所")
    assert not MatcherV2(snap.entries).screen(query)
    hits = [h for h in MatcherV3(snap.entries).screen(query) if h.match]
    assert hits and "55th Research Institute" in hits[0].entry.name
    assert "ordinals in digits" in hits[0].explanations["name_part"]["detail"]
