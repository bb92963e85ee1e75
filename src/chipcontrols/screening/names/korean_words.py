"""Korean names as lists print them, for matcher name-v3.

Lists print North Korean names in the McCune-Reischauer spelling that the DPRK and BGN/PCGN
use ('Kumsan', 'Kwangsong', 'Chosŏn'), where Revised Romanization (the spelling of name-v2)
writes 'Geumsan', 'Gwangseong', 'Joseon'; and they translate a name's organisation words
('조선금산무역회사' is 'Korea Kumsan Trading Corporation'). Registers write such a name as
one word. This module splits a run of Hangul at the organisation words below (longest
first, never a single syllable, which would cut names apart), puts those into English, and
spells the rest with ICU's BGN/PCGN Korean transliterator (McCune-Reischauer).

ICU's rules for that transliterator (as PyICU ships them) write a consonant between vowels
with a rule that also consumes the vowel before it ('[[\u1161-\u1175]]\u1109 > s'), so that
'조선' comes out 'chsŏn'. The rules are read from ICU and only that context is corrected (the
vowel, already in Latin letters when the consonant is read, is kept): '조선' is 'chosŏn',
'대동' 'taedong', '고려' 'koryŏ', as the BGN/PCGN system spells them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from chipcontrols.screening.names.normalise import split_at_words

WORDS: dict[str, str] = {
    "조선": "korea",
    "코리아": "korea",
    "한국": "korea",
    "무역": "trading",
    "회사": "company",
    "유한회사": "company limited",
    "주식회사": "company limited",
    "은행": "bank",
    "해운": "shipping",
    "센터": "center",
    "종합": "general",
    "대학": "university",
    "대학교": "university",
    "공업": "industrial",
    "국제": "international",
    "신용": "credit",
    "수출입": "import export",
    "수출": "export",
    "수입": "import",
    "중앙": "central",
    "과학원": "academy of sciences",
    "과학": "science",
    "국방": "national defense",
    "건설": "construction",
    "부서": "department",
    "기술": "technology",
    "개발": "development",
    "항공": "air",
    "위원회": "committee",
    "금융": "finance",
    "련합기업소": "complex",
    "연합기업소": "complex",
    "기업소": "enterprise",
    "제철": "iron",
    "동력": "power",
    "공장": "factory",
    "합영": "joint venture",
    "대외": "foreign",
    "경제": "economic",
    "협력": "cooperation",
    "총국": "general bureau",
    "설비": "equipment",
    "연구소": "research institute",
    "연구원": "research institute",
    "연구": "research",
    "광업": "mining",
    "전자": "electronics",
    "기계": "machinery",
    "상사": "trading company",
    "해외": "overseas",
    "철도": "railway",
    "선박": "ship",
    "조선소": "shipyard",
    "인민": "people's",
    "무력": "armed forces",
    "지사": "branch",
    "평양": "pyongyang",
}
_ORDERED = sorted((w for w in WORDS if len(w) > 1), key=len, reverse=True)
_HANGUL_RUN = re.compile("[\uac00-\ud7a3]+")


_VOWEL_THEN = re.compile(r"^\[\[\\u1161-\\u1175\]\](\\u[0-9A-Fa-f]{4}) > ")


@lru_cache(maxsize=1)
def _bgn() -> Any:
    import icu

    rules = icu.Transliterator.createInstance("Korean-Latin/BGN").toRules(True)
    fixed = "\n".join(
        _VOWEL_THEN.sub(lambda m: f"[aeiouwy\\u014F\\u016D]{{{m.group(1)}}} > ", line)
        for line in rules.split("\n")
    )
    return icu.Transliterator.createFromRules(
        "Korean-Latin/BGN-context", fixed, icu.UTransDirection.FORWARD
    )


@lru_cache(maxsize=20_000)
def mccune_reischauer(run: str) -> str:
    """A run of Hangul syllables in the BGN/PCGN (McCune-Reischauer) spelling, as one word."""
    latin: str = _bgn().transliterate(unicodedata.normalize("NFD", run))
    return latin.replace("\u2019", "").replace("'", "")


def _run_in_english(run: str) -> str:
    return " ".join(
        WORDS[piece] if known else mccune_reischauer(piece)
        for piece, known in split_at_words(run, _ORDERED)
    )


@lru_cache(maxsize=20_000)
def korean_as_listed(name: str) -> str | None:
    """The name with its Hangul in English organisation words and McCune-Reischauer spelling;
    None when it holds no Hangul."""
    if not _HANGUL_RUN.search(name):
        return None
    return _HANGUL_RUN.sub(lambda m: f" {_run_in_english(m.group(0))} ", name)
