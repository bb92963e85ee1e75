from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipcontrols.screening.lists.snapshots import CHIP_FILE, _bundled_file, bundled_snapshot
from chipcontrols.screening.matcher import Matcher, Query
from chipcontrols.screening.matcher_v2 import MatcherV2
from chipcontrols.screening.names.normalise import normalise


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES COMPANY LIMITED"),
        ("Huawei Technologies Co., Ltd.", "華為技術有限公司"),
        ("Huawei Technologies Co., Ltd.", "华为技术有限公司"),
        ("Semiconductor Manufacturing International Corp.", "Semiconductor Mfg. Intl Corporation"),
        ("Müller GmbH & Co. KG", "MULLER"),
        ("Beijing Zhipu Huazhang Technology", "Beijing Zhipu Huazhang Keji Youxian Gongsi"),
        ("Hong Kong Trading Ltd", "Xianggang Maoyi Youxian Gongsi"),
        ("OOO Gazprom", "Gazprom LLC"),
        ("ACME S.A. de C.V.", "ACME"),
        ("Acme\u200b\u0000Corp", "ACME CORP"),
    ],
)
def test_same_name_normalises_the_same(a: str, b: str) -> None:
    assert normalise(a).tokens == normalise(b).tokens


def test_steps_are_recorded() -> None:
    n = normalise("華為技術有限公司")
    assert "traditional->simplified Chinese" in n.steps
    assert "Chinese->pinyin" in n.steps
    assert n.legal_forms == ("co", "ltd")
    assert "abbreviation intl->international" in normalise("Intl Trading").steps


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01\x02", "...", "\u200b\u200b"])
def test_nothing_to_match_gives_no_tokens(raw: str) -> None:
    assert normalise(raw).tokens == ()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_normalise_never_fails_and_is_ascii(text: str) -> None:
    n = normalise(text)
    assert all(t and t.isascii() and t == t.lower() for t in n.tokens)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80))
def test_case_does_not_matter(text: str) -> None:
    assert normalise(text.upper()).tokens == normalise(text.lower()).tokens


# name-v1 is released: it is tested on the set it was released with (the chip rows);
# name-v2 on the full Entity List.
_CHIP = _bundled_file(CHIP_FILE)
_MATCHER = Matcher(_CHIP.entries)
_MATCHER_V2 = MatcherV2(bundled_snapshot().entries)


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=120),
    st.sampled_from([None, "CN", "US", "HK"]),
    st.one_of(st.none(), st.text(max_size=60)),
)
def test_scores_are_bounded_and_flags_follow_the_threshold(
    name: str, country: str | None, address: str | None
) -> None:
    hits = _MATCHER.screen(Query(name, country, address))
    for h in hits:
        assert 0.0 <= h.score <= 1.0
        assert h.match == (h.score >= _MATCHER.threshold)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([e.name for e in bundled_snapshot().entries]))
def test_a_listed_name_finds_its_entry_v2(name: str) -> None:
    hits = _MATCHER_V2.screen(Query(name))
    assert hits and hits[0].score == 1.0 and hits[0].match
    assert name in {h.entry.name for h in hits if h.score == 1.0}


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([e.name for e in _CHIP.entries]))
def test_a_listed_name_finds_its_entry(name: str) -> None:
    hits = _MATCHER.screen(Query(name))
    assert hits and hits[0].score == 1.0 and hits[0].match
    assert name in {h.entry.name for h in hits if h.score == 1.0}
