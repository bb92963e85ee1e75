"""Matcher `name-v3` (the default): name-v2 with sound keys for names written in another script.

name-v2 transliterates a query into Latin letters and compares spellings. That finds a
Russian name (Cyrillic spells vowels), but rarely an Arabic, Persian or Hebrew one (their
romanisation has no vowels: 'سندلر' gives 'sndlr' against 'Sandler') or a foreign name
written in kana, hangul or Chinese characters ('ピノック' gives 'pinokku' against 'Pinnock').
name-v3 adds, for a query holding letters of a script other than Latin (and no Chinese
characters: see `_sound_script`), a comparison by consonant skeleton (`names/sound_keys.py`):

- every word of a listed name is indexed by its skeleton; a listed name is a candidate when
  each of its words pairs with a word of the query, either the same word or the same skeleton
  of at least two sounds, and no word of the query is left over (so 'Ali' alone never brings
  every 'Ali ...' of a list);
- among the candidates, the one whose spelling is closest (Levenshtein similarity of the
  romanised words) is a match when it is close enough (`SPELLING_FLOOR`) and clearly
  closer than the next (`SPELLING_GAP`); otherwise the close candidates are possible hits,
  for review (a name that sounds like several listed names is never decided by guessing).

Such a query is also screened as its other forms (`_variants`): a name written "FULL NAME
(SHORT NAME)" as each of the two, and a Cyrillic name with its organisation words in English
(`names/cyrillic_words.py`), as lists print Russian names.

A query holding Chinese characters gets no sound keys (see `_sound_script`); its ordinals
are also read as digits (第十三 as 13th, `_han_variants`), as lists print them.

Everything name-v2 finds is kept with its score; a query in Latin letters is screened
exactly as by name-v2. name-v1 and name-v2 stay available, unchanged, for replays.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rapidfuzz.distance import Levenshtein

from chipcontrols.screening.matcher import POSSIBLE, Hit, Query
from chipcontrols.screening.matcher_v2 import MatcherV2, _HitV2
from chipcontrols.screening.names.arabic_words import arabic_in_english
from chipcontrols.screening.names.cyrillic_words import in_english
from chipcontrols.screening.names.korean_words import korean_as_listed
from chipcontrols.screening.names.normalise import scripts_of
from chipcontrols.screening.names.normalise_v2 import forms
from chipcontrols.screening.names.sound_keys import sound_key

VERSION = "name-v3"
MIN_KEY = 2  # a skeleton of one sound pairs nothing by itself
STRONG_KEY = 3  # a decided match needs a word of at least three sounds
SPELLING_FLOOR = 0.5  # mean spelling similarity of the paired words for a match
SPELLING_GAP = 0.1  # ... and by how much the best candidate must lead the next one
SOUND_MATCH = 0.82  # score of a decided sound-key match (threshold 0.80)
SOUND_POSSIBLE = 0.72  # score of a sound-key candidate left for review (possible: 0.70)
_MAX_SOUND_CANDIDATES = 50


class _HitV3(_HitV2):
    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["algorithm"] = VERSION
        return d


_PARENTHESES = re.compile(r"\(([^()]*)\)")


def _name_parts(name: str) -> list[tuple[str, str]]:
    """A name written as 'FULL NAME (SHORT NAME)', as registers write Russian, Ukrainian and
    other official names ('Акционерное общество «Алмаз» (АО «Алмаз»)'): the full name
    without the parentheses, and each short name of at least four letters, each screened as
    a name of its own (the two together repeat the same words, which no listed spelling
    does). A parenthesis without letters of its own ('(1)') is left alone."""
    out: list[tuple[str, str]] = []
    for sep in (" · ", " / "):  # names given one after the other
        if sep in name:
            for alt in name.split(sep):
                alt = " ".join(alt.split())
                if sum(c.isalpha() for c in alt) >= 4:
                    out.append(
                        (alt, f"one of the names written {sep.strip()!r}-separated: {alt!r}")
                    )
    if "(" not in name:
        return out
    main = " ".join(_PARENTHESES.sub(" ", name).split())
    if main and main != name and sum(c.isalpha() for c in main) >= 4:
        out.append((main, f"the name without its parenthesis: {main!r}"))
    for inner in _PARENTHESES.findall(name):
        inner = " ".join(inner.split())
        if sum(c.isalpha() for c in inner) >= 4:
            out.append((inner, f"the short name in parentheses: {inner!r}"))
    return out


def _variants(name: str) -> list[tuple[str, str]]:
    """The other forms a name in another script is also screened as: its full and short
    names, and each of those (and the name itself) with Russian organisation words in
    English (`names/cyrillic_words.py`) and with Korean in the spelling lists use
    (`names/korean_words.py`)."""
    out = _name_parts(name)
    for text, what in [(name, "the name"), *out]:
        english = in_english(text)
        if english is not None:
            out.append((english, f"{what} with its organisation words in English: {english!r}"))
        arabic = arabic_in_english(text)
        if arabic is not None:
            out.append((arabic, f"{what} with its organisation words in English: {arabic!r}"))
        korean = korean_as_listed(text)
        if korean is not None:
            out.append(
                (korean, f"{what} as lists print Korean names (McCune-Reischauer): {korean!r}")
            )
    return out


_HAN_ORDINAL = re.compile("第([零〇一二两三四五六七八九十百千0-9０-９]+)")
_HAN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_HAN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_HAN_UNITS = {"十": 10, "百": 100, "千": 1000}


def han_number(text: str) -> int | None:
    """A number written in Chinese numerals ('十三' 13, '二十八' 28, '七七一' 771) or in
    digits; None when it is neither."""
    text = unicodedata.normalize("NFKC", text)
    if text.isdigit():
        return int(text)
    if any(c not in _HAN_DIGITS and c not in _HAN_UNITS for c in text):
        return None
    if not any(c in _HAN_UNITS for c in text):  # digit by digit: 七七一
        return int("".join(str(_HAN_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _HAN_DIGITS:
            digit = _HAN_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * _HAN_UNITS[c]
            digit = None
    return total + (digit or 0)


def _han_variants(name: str) -> list[tuple[str, str]]:
    """A Chinese name with its ordinals in digits: lists print 中国电子科技集团公司第十三研究所
    as 'China Electronics Technology Group Corporation 13th Research Institute', and pinyin
    spells 第十三 'dishisan', which no listed name does (so the number never counted)."""
    if "第" not in name:
        return []

    def digits(m: re.Match[str]) -> str:
        n = han_number(m.group(1))
        return m.group(0) if n is None else f" {n}th "

    text = _HAN_ORDINAL.sub(digits, name)
    if text == name:
        return []
    return [(text, f"the name with its ordinals in digits: {' '.join(text.split())!r}")]


def _sound_script(text: str) -> bool:
    """Letters of a script other than Latin, and no Chinese characters: those also write
    Chinese names, which pinyin spells in full, so that a Chinese name that merely sounds
    like a listed one ('华信' huaxin, 'Kexin') is another party, not a spelling of it."""
    scripts = scripts_of(text)
    return "han" not in scripts and any(s != "latin" for s in scripts)


class MatcherV3(MatcherV2):
    """The `name-v3` index and scoring."""

    version = VERSION

    def _build(self) -> None:
        super()._build()
        postings: dict[str, list[int]] = defaultdict(list)
        self.n_sound = [tuple(sound_key(t) for t in toks) for toks in self.n_tokens]
        for i, keys in enumerate(self.n_sound):
            for k in set(keys):
                if len(k) >= MIN_KEY:
                    postings[k].append(i)
        self.sound_postings = dict(postings)

    def _screen(
        self,
        query: Query,
        allowed: Sequence[bool] | None,
        cutoff: float,
        limit: int,
        explain: bool,
    ) -> list[Hit]:
        hits: list[Hit] = [
            _HitV3(h.entry, h.score, h.match, h.explanations)
            for h in super()._screen(query, allowed, cutoff, limit, explain)
        ]
        sounds = _sound_script(query.name)
        variants = _variants(query.name) if sounds else _han_variants(query.name)
        if not sounds and not variants:
            return hits  # Latin letters, or Chinese characters with no ordinal: name-v2's
        found = {h.entry.id: h for h in hits}

        def keep(hit: Hit) -> None:
            prev = found.get(hit.entry.id)
            if prev is None or hit.score > prev.score:
                found[hit.entry.id] = hit

        if sounds:
            for hit in self._sound_hits(query, allowed, cutoff, explain):
                keep(hit)
        for part, what in variants:
            sub = replace(query, name=part)
            for hit in super()._screen(sub, allowed, cutoff, limit, explain):
                if explain:
                    hit.explanations["name_part"] = {"score": 0.0, "detail": what}
                keep(_HitV3(hit.entry, hit.score, hit.match, hit.explanations))
            if not sounds:
                continue
            for hit in self._sound_hits(sub, allowed, cutoff, explain):
                if explain:
                    hit.explanations["name_part"] = {"score": 0.0, "detail": what}
                keep(hit)
        out = sorted(found.values(), key=lambda h: (-h.score, h.entry.id))
        return out[:limit]

    # ------------------------------------------------------------------ sound keys

    def _pair(
        self, qtokens: tuple[str, ...], qkeys: tuple[str, ...], ni: int
    ) -> tuple[float, list[tuple[str, str, float]]] | None:
        """Each listed word paired with a query word (same word, or same skeleton of at least
        MIN_KEY sounds), no query word left over: (mean spelling similarity of the words
        paired by sound, or 1.0 when every word is the same; pairs)."""
        etoks = self.n_tokens[ni]
        ekeys = self.n_sound[ni]
        if len(etoks) != len(qtokens):
            return None
        used: set[int] = set()
        pairs: list[tuple[str, str, float]] = []
        strong = False
        for e, ek in zip(etoks, ekeys, strict=True):
            best: tuple[float, int] | None = None
            for i, (q, qk) in enumerate(zip(qtokens, qkeys, strict=True)):
                if i in used:
                    continue
                if q == e:
                    sim = 1.0
                elif len(ek) >= MIN_KEY and qk == ek:
                    sim = Levenshtein.normalized_similarity(q, e)
                else:
                    continue
                if best is None or sim > best[0]:
                    best = (sim, i)
            if best is None:
                return None
            used.add(best[1])
            pairs.append((qtokens[best[1]], e, best[0]))
            strong = strong or len(ek) >= STRONG_KEY
        if not strong:
            return None
        by_sound = [p[2] for p in pairs if p[0] != p[1]]
        # The same words throughout: name-v2's comparison scores that name; it still ranks
        # here (spelling 1.0), so that no name that merely sounds alike is decided over it.
        return (sum(by_sound) / len(by_sound) if by_sound else 1.0), pairs

    def _sound_hits(
        self, query: Query, allowed: Sequence[bool] | None, cutoff: float, explain: bool
    ) -> list[Hit]:
        best: dict[int, tuple[float, int, list[tuple[str, str, float]], tuple[str, ...]]] = {}
        for qnorm in forms(query.name):
            qtokens = qnorm.tokens
            if not qtokens:
                continue
            qkeys = tuple(sound_key(t) for t in qtokens)
            candidates: set[int] = set()
            for k in set(qkeys):
                if len(k) >= MIN_KEY:
                    candidates.update(self.sound_postings.get(k, ()))
            if len(candidates) > _MAX_SOUND_CANDIDATES * 20:
                continue  # only common sounds: nothing a review could use
            for ni in candidates:
                idx = self.n_entry[ni]
                if allowed is not None and not allowed[idx]:
                    continue
                paired = self._pair(qtokens, qkeys, ni)
                if paired is None:
                    continue
                prev = best.get(idx)
                if prev is None or paired[0] > prev[0]:
                    best[idx] = (paired[0], ni, paired[1], qtokens)
        if not best:
            return []
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:_MAX_SOUND_CANDIDATES]
        top = ranked[0][1][0]
        second = ranked[1][1][0] if len(ranked) > 1 else 0.0
        decided = top >= SPELLING_FLOOR and top - second >= SPELLING_GAP
        place = self._place(query)
        out: list[Hit] = []
        for rank, (idx, (sim, ni, pairs, qtokens)) in enumerate(ranked):
            if all(q == e for q, e, _ in pairs):
                continue  # the same words: name-v2's hit
            if rank == 0 and decided:
                score = SOUND_MATCH
            elif top - sim < SPELLING_GAP:
                score = SOUND_POSSIBLE  # as close as the best: the review decides
            else:
                continue
            placed = self._placed(score, idx, place, cutoff)
            if placed is None:
                continue
            total, country, address = placed
            expl: dict[str, dict[str, Any]] = {}
            if explain:
                expl = self._sound_explain(
                    query,
                    ni,
                    pairs,
                    qtokens,
                    sim,
                    score,
                    country,
                    address,
                    decided and rank == 0,
                    len(ranked),
                )
            out.append(_HitV3(self.entries[idx], total, total >= self.threshold, expl))
        return out

    def _sound_explain(
        self,
        query: Query,
        ni: int,
        pairs: list[tuple[str, str, float]],
        qtokens: tuple[str, ...],
        sim: float,
        score: float,
        country: tuple[float, str],
        address: tuple[float, str],
        decided: bool,
        candidates: int,
    ) -> dict[str, dict[str, Any]]:
        words = ", ".join(
            f"{q}={e}" if q == e else f"{q}~{e} (sound {sound_key(e)}, spelling {s:.2f})"
            for q, e, s in pairs
        )
        if decided:
            verdict = "the closest spelling of the names that sound alike"
        elif candidates > 1:
            verdict = (
                f"{candidates} listed names sound alike and none is clearly closer: "
                "review which, if any, is the party"
            )
        else:
            verdict = "the spelling is too far apart to decide: review"
        name = self.names[ni]
        out: dict[str, dict[str, Any]] = {
            "name": {
                "score": round(score, 4),
                "query": query.name,
                "candidate": name.text,
                "candidate_kind": name.kind,
                "detail": f"words compared by sound across scripts: {words}; mean spelling "
                f"{sim:.2f}; {verdict}",
            },
            "normalisation": {
                "score": 0.0,
                "query": " ".join(qtokens),
                "candidate": name.norm.key,
                "detail": "written in another script: romanised, then compared by consonant "
                "skeleton (vowels, w, y, h left out; b/p/f/v, k/c/q/g, t/d, s/z, l/r alike)",
            },
            "country": {"score": country[0], "detail": country[1]},
            "address": {"score": address[0], "detail": address[1]},
        }
        if not decided and score >= POSSIBLE:
            out["review"] = {"score": 0.0, "detail": verdict}
        return out
