"""Organisation words of Russian names in English, for matcher name-v3.

Lists print a Russian organisation's name in English by translating its organisation words
and transliterating its own name: 'Научно-исследовательский институт «Субмикрон»' is listed
as 'Scientific Research Institute Submikron'. Romanised, 'nauchno-issledovatelskiy institut'
spells none of those words. These stems (a word starting with one, whatever its ending:
Russian declines adjectives and nouns) are put into English before the name is compared;
the longest stem that fits is used. The words are the registers' standard vocabulary, not
taken from any one list.
"""

from __future__ import annotations

import re
from functools import lru_cache

STEMS: dict[str, str] = {
    "научно-исследовательск": "scientific research",
    "научно-производственн": "scientific production",
    "научно-техническ": "scientific technical",
    "научно-испытательн": "scientific testing",
    "научн": "scientific",
    "исследовательск": "research",
    "институт": "institute",
    "конструкторск": "design",
    "бюро": "bureau",
    "завод": "plant",
    "фабрик": "factory",
    "центральн": "central",
    "центр": "center",
    "государственн": "state",
    "федеральн": "federal",
    "всероссийск": "all russian",
    "российск": "russian",
    "объединени": "association",
    "предприяти": "enterprise",
    "корпораци": "corporation",
    "компани": "company",
    "концерн": "concern",
    "холдинг": "holding",
    "судостроительн": "shipbuilding",
    "судоремонтн": "ship repair",
    "судоремонт": "ship repair",
    "верф": "shipyard",
    "машиностроительн": "machine building",
    "машиностроени": "machine building",
    "приборостроительн": "instrument making",
    "приборостроени": "instrument making",
    "электронн": "electronic",
    "электроник": "electronics",
    "испытательн": "testing",
    "систем": "systems",
    "технологи": "technology",
    "материал": "materials",
    "автоматик": "automatics",
    "химическ": "chemical",
    "хими": "chemistry",
    "прикладн": "applied",
    "физическ": "physical",
    "космическ": "space",
    "ракетн": "rocket",
    "авиационн": "aviation",
    "оборонн": "defense",
    "промышленн": "industrial",
    "торгов": "trading",
    "лаборатори": "laboratory",
    "университет": "university",
    "академи": "academy",
    "внешнеэкономическ": "foreign trade",
    "филиал": "branch",
    "инжиниринг": "engineering",
    "оптическ": "optical",
    "точн": "precision",
    "измерени": "measurements",
    "связ": "communications",
}
_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*", re.IGNORECASE)
_ORDERED = sorted(STEMS, key=len, reverse=True)


def _english(word: str) -> str:
    low = word.lower()
    for stem in _ORDERED:
        if low.startswith(stem):
            rest = low[len(stem) :]
            if "-" in rest:  # 'ракетно-космической': each half on its own
                head, _, tail = low.partition("-")
                return f"{_english(head)} {_english(tail)}"
            return STEMS[stem]
    if "-" in low:
        head, _, tail = low.partition("-")
        return f"{_english(head)} {_english(tail)}"
    return word


@lru_cache(maxsize=20_000)
def in_english(name: str) -> str | None:
    """The name with its Russian organisation words in English; None when none is known."""
    out = _WORD.sub(lambda m: _english(m.group(0)), name)
    return out if out != name else None
