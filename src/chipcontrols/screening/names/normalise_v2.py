"""Name forms for matcher `name-v2`: every script to Latin with maintained transliterators.

A name gives one or more forms (token sequences); the matcher compares every form of the
query with every form of a listed name and keeps the best. On top of `name-v1`'s
normalisation (kept as is: Chinese -> pinyin with generic words translated, legal forms
set aside, abbreviations expanded):

- Cyrillic, Greek, Arabic, Persian, Hebrew: ICU's BGN/PCGN transliterators (PyICU), and
  Unidecode as a second form (lists romanise in several systems);
- Korean: Revised Romanization (`korean-romanizer`), ICU Hangul-Latin as a second form;
- Japanese: kana and kanji read with `pykakasi` (Hepburn and passport spellings); a name in
  kanji only also gets its Chinese (pinyin) form;
- joined words split at case changes ("SiemensAG" -> "Siemens AG") as a second form;
- legal forms: name-v1's table, then `rigour`'s org-type table (many languages), and the
  native-script forms below, all set aside;
- Chinese administrative words (省 province, 市 city) separated from the names they follow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache

import icu
import pykakasi
from korean_romanizer.romanizer import Romanizer
from rigour.names import remove_org_types

from chipcontrols.screening.names.normalise import NormName, clean_text, normalise, scripts_of

# Transliterators (ICU's BGN/PCGN rules where they exist), built once.
_ICU = {
    name: icu.Transliterator.createInstance(tid)
    for name, tid in (
        ("cyrillic", "Russian-Latin/BGN"),
        ("greek", "Greek-Latin/BGN"),
        ("arabic", "Arabic-Latin/BGN"),
        ("persian", "Persian-Latin/BGN"),
        ("hebrew", "Hebrew-Latin/BGN"),
        ("hangul", "Hangul-Latin"),
        ("any", "Any-Latin; Latin-ASCII"),
    )
}
_KAKASI = pykakasi.kakasi()  # type: ignore[no-untyped-call]

# Legal forms written in their own script, set aside before transliteration.
NATIVE_LEGAL_FORMS = (
    "株式会社", "有限会社", "合同会社", "(株)", "（株）",
    "주식회사", "유한회사", "(주)", "（주）",
    "ООО", "ОАО", "ЗАО", "ПАО", "АО", "НАО", "ФГУП", "ГУП", "МУП",
    "Общество с ограниченной ответственностью", "Акционерное общество",
    "Публичное акционерное общество", "Открытое акционерное общество",
    "Закрытое акционерное общество", "ТОВ", "ТОО",
    "شركة", "شرکت", "سهامی خاص", "سهامی عام", "ذ.م.م", "ش.م.م", "ש.מ", 'בע"מ', "בע״מ",
    "Α.Ε.", "Ε.Π.Ε.", "Ι.Κ.Ε.",
)  # fmt: skip
_NATIVE_FORM_RE = re.compile(
    "|".join(re.escape(f) for f in sorted(NATIVE_LEGAL_FORMS, key=len, reverse=True))
)
# Latin-script legal forms name-v1 does not know (after transliteration), set aside.
EXTRA_LEGAL_TOKENS = frozenset(
    {
        "ao", "nao", "fgup", "gup", "aktsionernoye", "obshchestvo", "otvetstvennostyu",
        "ogranichennoy", "publichnoye", "zakrytoye", "otkrytoye", "kabushikigaisha",
        "kabushikikaisha", "jusikhoesa", "yuhanhoesa", "sharikat", "sherkat", "shirkat",
        "spa", "bv", "nv", "oy", "oyj", "kft", "zrt", "doo", "ooo", "tov", "too",
        "sirketi", "anonim", "limitet", "sti", "ae", "epe", "ike", "fze", "fzco", "fzc", "fzllc",
    }
)  # fmt: skip
_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(
        ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
    if w != "_"
}
_TENS["fourty"] = 40  # a frequent misspelling
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}  # fmt: skip
_NUMBER_RE = re.compile(
    r"\b(?:(?P<tens>"
    + "|".join(_TENS)
    + r")(?:[\s-]+(?P<unit>"
    + "|".join(list(_UNITS)[1:10])
    + r"))?|(?P<single>"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")|(?P<ord>"
    + "|".join(_ORDINALS)
    + r")|(?P<digits>\d+)(?:st|nd|rd|th))\b",
    re.I,
)


def numbers_to_digits(text: str) -> str:
    """'Brigade Forty-four' -> 'Brigade 44'; 'First' and '1st' -> '1'."""

    def sub(m: re.Match[str]) -> str:
        if m.group("tens"):
            return str(
                _TENS[m.group("tens").lower()] + _UNITS.get((m.group("unit") or "zero").lower(), 0)
            )
        if m.group("single"):
            return str(_UNITS[m.group("single").lower()])
        if m.group("ord"):
            return str(_ORDINALS[m.group("ord").lower()])
        return m.group("digits")

    return _NUMBER_RE.sub(sub, text)


_PATRONYMIC_RE = re.compile(r"^[a-z]{3,}(?:ovich|evich|ovna|evna|ich|ichna|ogly|kyzy)$")


def is_patronymic(token: str) -> bool:
    """Russian and Turkic patronymics ('viktorovich'): often left out of a name."""
    return bool(_PATRONYMIC_RE.match(token)) and len(token) > 6


_HAN_ADMIN = {"省": " province ", "市": " city ", "自治区": " autonomous region "}
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_KANA_RE = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


@lru_cache(maxsize=200_000)
def forms(raw: str) -> tuple[NormName, ...]:
    """The forms of one name, best first (never empty: the first is name-v1's form or its
    transliterated equivalent)."""
    text = clean_text(raw)
    out: list[NormName] = []
    steps: list[str] = []
    stripped = _NATIVE_FORM_RE.sub(" ", text)
    if stripped != text:
        steps.append("native-script legal form set aside")
    scripts = set(scripts_of(stripped))
    texts: list[tuple[str, str]] = []
    if "han" in scripts and not _KANA_RE.search(stripped):
        han = stripped
        for k, v in _HAN_ADMIN.items():
            han = han.replace(k, v)
        texts.append((han, ""))
        texts.append((_kakasi(stripped), "kanji read as Japanese (pykakasi)"))
    elif _KANA_RE.search(stripped):
        texts.append((_kakasi(stripped), "Japanese read with pykakasi (Hepburn)"))
        texts.append((_kakasi(stripped, "passport"), "Japanese read with pykakasi (passport)"))
    else:
        done = False
        for script in ("cyrillic", "greek", "arabic", "hebrew"):
            if script in scripts and script in _ICU:
                tr = _ICU[script]
                if script == "arabic" and re.search("[پچژگکی]", stripped):
                    tr = _ICU["persian"]
                texts.append((tr.transliterate(stripped), f"{script} -> Latin (ICU BGN/PCGN)"))
                done = True
        if "hangul" in scripts:
            rr = " ".join(Romanizer(w).romanize() for w in stripped.split())
            texts.append((rr, "Korean -> Revised Romanization"))
            texts.append((_ICU["hangul"].transliterate(stripped).replace("-", ""), "Korean (ICU)"))
            done = True
        if not done:
            texts.append((stripped, ""))
        elif stripped not in [t for t, _ in texts]:
            texts.append((stripped, "Unidecode"))
    numbered = numbers_to_digits(stripped) if stripped.isascii() else stripped
    if numbered != stripped:
        texts.insert(0, (numbered, "number words written as digits"))
    camel = _CAMEL_RE.sub(" ", stripped)
    if camel != stripped and stripped.isascii():
        texts.append((camel, "joined words split at case changes"))
    seen: set[tuple[str, ...]] = set()
    for t, step in texts:
        n = _finish(t, raw, tuple(steps) + ((step,) if step else ()))
        if n.tokens and n.tokens not in seen:
            seen.add(n.tokens)
            out.append(n)
    if not out:
        base = normalise(raw)
        out.append(base)
    return tuple(out)


def _kakasi(text: str, key: str = "hepburn") -> str:
    return " ".join(item[key] for item in _KAKASI.convert(text) if item[key].strip())


def _finish(text: str, raw: str, steps: tuple[str, ...]) -> NormName:
    if not text.isascii() and not re.search("[\u3400-\u9fff]", text):
        text = unicodedata.normalize("NFKC", text)
    base = normalise(text)
    tokens = list(base.tokens)
    forms_found = list(base.legal_forms)
    extra_steps = list(steps) + [s for s in base.steps if s not in steps]
    if text.isascii() and len(tokens) > 1:
        kept = remove_org_types(" ".join(tokens)).split()
        if kept and len(kept) < len(tokens):
            forms_found.append("org_type")
            extra_steps.append("legal form set aside (rigour)")
            tokens = kept
    trimmed = [t for t in tokens if t not in EXTRA_LEGAL_TOKENS]
    if trimmed and len(trimmed) < len(tokens):
        forms_found.append("other")
        tokens = trimmed
    return replace(
        base,
        original=raw,
        tokens=tuple(tokens),
        legal_forms=tuple(sorted(set(forms_found))),
        steps=tuple(extra_steps),
    )
