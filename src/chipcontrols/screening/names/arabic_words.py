"""Organisation words of Persian and Arabic names in English, for matcher name-v3.

Lists print an Iranian or Arab organisation's name with its organisation words translated
and its own name transliterated: 'شرکت صنایع آذرآب' is listed as 'Azarab Industries Co.',
'مصنع صقر للصناعات المتطورة' as 'Sakr Factory for Developed Industries'. Romanised without
vowels, 'صنایع' is 'sny', which spells no listed word. The words below (a few phrases first,
then single words, also behind the Arabic article and prepositions: ال، لل، وال، بال، و، ل)
are put into English before the name is compared; a registers' standard vocabulary, not
taken from any one list.
"""

from __future__ import annotations

import re
from functools import lru_cache

PHRASES: dict[str, str] = {
    "سپاه پاسداران انقلاب اسلامی": "islamic revolutionary guard corps",
    "بین المللی": "international",
    "فن آوری": "technology",
    "سرمایه گذاری": "investment",
    "محدود لیبیلیتی": "limited liability",
}
WORDS: dict[str, str] = {
    "شرکت": "company",
    "شركة": "company",
    "صنایع": "industries",
    "صنايع": "industries",
    "صناعات": "industries",
    "صنعتی": "industrial",
    "صناعية": "industrial",
    "صنعت": "industry",
    "بازرگانی": "trading",
    "تجارت": "trading",
    "تجارة": "trading",
    "تجارية": "trading",
    "مهندسی": "engineering",
    "هندسة": "engineering",
    "هندسية": "engineering",
    "دانشگاه": "university",
    "جامعة": "university",
    "گروه": "group",
    "مجموعة": "group",
    "مرکز": "center",
    "مركز": "center",
    "فناوری": "technology",
    "تكنولوجيا": "technology",
    "تقنية": "technology",
    "الکترونیک": "electronics",
    "الكترونيات": "electronics",
    "إلكترونيات": "electronics",
    "هوایی": "aviation",
    "طيران": "aviation",
    "هواپیما": "aircraft",
    "هواپیماسازی": "aircraft manufacturing",
    "موتور": "engine",
    "سازمان": "organization",
    "منظمة": "organization",
    "هيئة": "organization",
    "تحقیقات": "research",
    "بحوث": "research",
    "أبحاث": "research",
    "پژوهشگاه": "research institute",
    "پژوهشکده": "research institute",
    "خدمات": "services",
    "دریایی": "marine",
    "بحرية": "marine",
    "کشتیرانی": "shipping",
    "بانک": "bank",
    "بنك": "bank",
    "مصرف": "bank",
    "دولية": "international",
    "مصنع": "factory",
    "کارخانه": "factory",
    "تنمية": "development",
    "توسعه": "development",
    "استثمار": "investment",
    "كيماويات": "chemicals",
    "شیمیایی": "chemical",
    "متطورة": "developed",
    "پیشرفته": "advanced",
    "نفت": "oil",
    "نفط": "oil",
    "انرژی": "energy",
    "طاقة": "energy",
    "تسلیحاتی": "armament",
    "دفاع": "defense",
    "دفاعی": "defense",
    "موشکی": "missile",
    "صواريخ": "missiles",
    "سیستم": "system",
    "أنظمة": "systems",
    "طراحی": "design",
    "ساخت": "manufacturing",
    "پزشکی": "medical",
    "طبية": "medical",
    "علوم": "sciences",
    "محدود": "limited",
}
_PREFIXES = ("وال", "بال", "لل", "ال", "و", "ل")
_WORD = re.compile(r"[\u0600-\u06ff\u200c]+")


def _english(word: str) -> str:
    bare = word.replace("\u200c", "")  # zero-width non-joiner inside Persian words
    if bare in WORDS:
        return WORDS[bare]
    for prefix in _PREFIXES:
        if bare.startswith(prefix) and bare[len(prefix) :] in WORDS:
            return WORDS[bare[len(prefix) :]]
    return word


@lru_cache(maxsize=20_000)
def arabic_in_english(name: str) -> str | None:
    """The name with its Persian and Arabic organisation words in English; None when none
    is known."""
    text = name
    for phrase, english in PHRASES.items():
        text = text.replace(phrase, f" {english} ")
    text = _WORD.sub(lambda m: _english(m.group(0)), text)
    return text if text != name else None
