"""Name normalisation for matching: one canonical token sequence per name, with its steps.

The same function runs on listed names and on queries, so both sides meet in one form:
Unicode compatibility forms and control characters folded, case and diacritics removed,
Chinese script converted traditional -> simplified -> Hanyu Pinyin (generic words such as
科技 "technology" translated), other scripts transliterated, punctuation dropped,
abbreviations expanded, legal forms set aside.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC
from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA
from unidecode import unidecode

from chipcontrols.screening.names.glossary import (
    ABBREVIATIONS,
    HAN_LEGAL_FORMS,
    HAN_WORDS,
    LEGAL_FORMS,
    LEGAL_FORMS_AT_END,
    LEGAL_FORMS_AT_START,
    PHRASES,
    PINYIN_WORDS,
)

MAX_NAME_CHARS = 1000

_T2S = OpenCC("t2s")
_HAN_RE = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f]"
)
_HAN_RUN_RE = re.compile(f"({_HAN_RE.pattern}+)")
_DOTTED_RE = re.compile(r"\b[a-z](?:\.[a-z])+\.?(?![a-z])")
_APOSTROPHE_RE = re.compile(r"['’‘`´]")
_NON_WORD_RE = re.compile(r"[^a-z0-9&]+")
_HAN_VOCAB = sorted({**HAN_WORDS, **{k: "" for k in HAN_LEGAL_FORMS}}, key=len, reverse=True)
_MAX_PHRASE = max(len(k.split()) for k in (*LEGAL_FORMS, *LEGAL_FORMS_AT_END))
# long legal-form words recognised through a typo ('COMAPNY', 'LIMITTED')
_LEGAL_WORDS = {k: v for k, v in LEGAL_FORMS.items() if " " not in k and len(k) >= 7}


@dataclass(frozen=True, slots=True)
class NormName:
    """A name reduced for matching.

    `tokens` are the identifying words (legal forms removed), `legal_forms` the legal-form
    classes found, `steps` what was done (for explanations), `scripts` the scripts seen.
    """

    original: str
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...]
    scripts: tuple[str, ...]
    steps: tuple[str, ...]

    @property
    def key(self) -> str:
        return " ".join(self.tokens)

    @property
    def compact(self) -> str:
        return "".join(self.tokens)


_ASCII_CONTROLS = {i: " " for i in (*range(32), 127)}


def clean_text(raw: str) -> str:
    """NFKC, control and format characters to spaces, whitespace collapsed."""
    if raw.isascii():  # NFKC leaves ASCII alone; only controls need replacing
        return " ".join(raw.translate(_ASCII_CONTROLS).split())
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Zs", "Co", "Cs") else ch
        for ch in text
    )
    return " ".join(text.split())


def scripts_of(text: str) -> tuple[str, ...]:
    if text.isascii():  # the common case: Latin letters or nothing
        return ("latin",) if any(ch.isalpha() for ch in text) else ()
    found: set[str] = set()
    for ch in text:
        if not ch.isalpha():
            continue
        if _HAN_RE.match(ch):
            found.add("han")
        elif ord(ch) < 0x250:
            found.add("latin")
        else:
            found.add(unicodedata.name(ch, "OTHER ?").split(" ")[0].lower())
    return tuple(sorted(found))


@lru_cache(maxsize=200_000)
def normalise(raw: str) -> NormName:
    """Normalise one name. Never raises on any string; an empty result has no tokens."""
    text = clean_text(raw)[: MAX_NAME_CHARS * 2]
    steps: list[str] = []
    scripts = scripts_of(text)
    words: list[str] = []
    forms: list[str] = []
    if "han" in scripts:
        simplified = _T2S.convert(text)
        if simplified != text:
            steps.append("traditional->simplified Chinese")
        text = simplified
        steps.append("Chinese->pinyin")
        for i, part in enumerate(_HAN_RUN_RE.split(text)):
            if i % 2:
                _han_words(part, words, forms)
            else:
                words.extend(_latin_words(part, steps))
    else:
        words = _latin_words(text, steps)
    tokens = _fold(words, forms, steps)
    return NormName(raw, tuple(tokens), tuple(sorted(set(forms))), scripts, tuple(steps))


def _latin_words(text: str, steps: list[str]) -> list[str]:
    if not text.strip():
        return []
    ascii_text = unidecode(text)
    if ascii_text != text and any(ord(c) > 127 for c in text):
        steps.append("transliterated to Latin")
    low = ascii_text.lower()
    low = _DOTTED_RE.sub(lambda m: m.group(0).replace(".", "") + " ", low)
    low = _APOSTROPHE_RE.sub("", low).replace("&", " & ")
    return [w for w in _NON_WORD_RE.split(low) if w]


def split_at_words(run: str, vocabulary: Sequence[str]) -> list[tuple[str, bool]]:
    """A run of unspaced script (Han, Hangul) split at the words of `vocabulary` (longest
    first: the caller orders it), as (piece, is a vocabulary word); what lies between two
    known words is one piece."""
    out: list[tuple[str, bool]] = []
    pending = ""
    i = 0
    while i < len(run):
        for word in vocabulary:
            if run.startswith(word, i):
                if pending:
                    out.append((pending, False))
                    pending = ""
                out.append((word, True))
                i += len(word)
                break
        else:
            pending += run[i]
            i += 1
    if pending:
        out.append((pending, False))
    return out


def _han_words(run: str, words: list[str], forms: list[str]) -> None:
    """Split a run of Han characters at glossary words; romanise the rest as one word each."""
    for piece, known in split_at_words(run, _HAN_VOCAB):
        if not known:
            _romanise(piece, words)
        elif piece in HAN_LEGAL_FORMS:
            forms.extend(HAN_LEGAL_FORMS[piece])
        else:
            words.extend(HAN_WORDS[piece].split())


def _romanise(han: str, words: list[str]) -> None:
    """Hanyu Pinyin without tones, as one word; characters without a reading transliterated."""
    text = "".join(lazy_pinyin(han, errors=lambda chars: unidecode(chars))).lower()
    word = _NON_WORD_RE.sub("", text).replace("&", "")
    if word:
        words.append(word)


def _fold(words: list[str], forms: list[str], steps: list[str]) -> list[str]:
    """Abbreviations, pinyin generic words, phrases, then legal forms (longest phrase first)."""
    expanded: list[str] = []
    i = 0
    while i < len(words):
        joined = None
        for n in (3, 2):  # "ke ji", "you xian gong si" written syllable by syllable
            if i + n <= len(words):
                cand = "".join(words[i : i + n])
                if cand in PINYIN_WORDS or cand in LEGAL_FORMS:
                    joined = cand
                    i += n
                    break
        word = joined if joined is not None else words[i]
        if joined is None:
            i += 1
        if word in ABBREVIATIONS:
            new = ABBREVIATIONS[word]
            if word != "&":
                steps.append(f"abbreviation {word}->{new}")
            expanded.append(new)
        elif word in PINYIN_WORDS:
            expanded.extend(PINYIN_WORDS[word].split())
        else:
            expanded.append(word)
    expanded = _phrases(expanded)
    out: list[str] = []
    i = 0
    n = len(expanded)
    while i < n:
        hit = None
        if expanded[i] not in _FORM_FIRST_WORDS:  # no legal form starts with this word
            sizes: range = range(0)
        else:
            sizes = range(min(_MAX_PHRASE, n - i), 0, -1)
        for size in sizes:
            phrase = " ".join(expanded[i : i + size])
            if phrase in LEGAL_FORMS:
                hit = (size, LEGAL_FORMS[phrase])
            elif i + size == n and phrase in LEGAL_FORMS_AT_END and i > 0:
                hit = (size, LEGAL_FORMS_AT_END[phrase])
            elif i == 0 and size < n and phrase in LEGAL_FORMS_AT_START:
                hit = (size, LEGAL_FORMS_AT_START[phrase])
            if hit:
                break
        if not hit and len(expanded[i]) >= 7 and (i > 0 or n == 1):
            hit = _misspelt_form(expanded[i])
        if hit:
            forms.extend(hit[1])
            i += hit[0]
        else:
            out.append(_stem(expanded[i]))
            i += 1
    if forms:
        steps.append("legal form set aside: " + ", ".join(sorted(set(forms))))
        while out and out[-1] == "and":  # "GmbH & Co. KG"
            out.pop()
    return out


@lru_cache(maxsize=50_000)
def _misspelt_form(word: str) -> tuple[int, tuple[str, ...]] | None:
    if not word.isalpha() or word in _NOT_FORMS:
        return None
    for form, classes in _LEGAL_WORDS.items():
        if OSA.normalized_similarity(word, form, score_cutoff=0.8):
            return 1, classes
    return None


_NOT_FORMS = frozenset({"limiter", "compact", "compare", "compass", "compaq", "accompany"})
# First words of every legal-form phrase, so most words skip the phrase look-ups.
_FORM_FIRST_WORDS = frozenset(
    phrase.split()[0]
    for table in (LEGAL_FORMS, LEGAL_FORMS_AT_END, LEGAL_FORMS_AT_START)
    for phrase in table
    if phrase.split()
)


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """Fold plurals ('technolgies' -> 'technolgy') so that a misspelt plural still aligns."""
    if len(word) < 5 or not word.isalpha():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _phrases(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (2, 1):
            key = tuple(words[i : i + size])
            if len(key) == size and key in PHRASES:
                out.append(PHRASES[key])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out
