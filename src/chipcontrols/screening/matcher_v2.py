"""Matcher `name-v2`: name-v1's scoring with recall fixes.

Changes from `name-v1` (which stays available, unchanged):

1. Forms: every listed name and query is reduced to one or more forms
   (`names/normalise_v2.forms`: ICU BGN/PCGN for Cyrillic, Greek, Arabic, Persian, Hebrew;
   Revised Romanization for Korean; pykakasi for Japanese; pinyin for Chinese; joined words
   split; legal forms in many languages set aside). The best pair of forms counts.
2. Candidates: a name made only of common words ("China Electronics Technology Group
   Corporation 16th Research Institute") is still found: common words count towards the
   blocking bound of names that a rarer word (or, failing one, any word) selected.
3. Generic words: words that do not identify a party (generic organisation words such as
   "technology", "group", "information", and place names) weigh a quarter when they are on
   one side only, once the two names share a distinctive word; so a brand or short name
   ("Huawei", "YMTC", "中芯国际") is a strong hit for its entry, while a distinctive word on
   one side only ("Huawei Marine" against "Huawei Technologies") still counts in full.
4. Known names: `data/lists/known_names.yaml` adds names of listed parties that the list
   does not print (their registered Chinese names), each with its source; a hit through one
   says so.

Scores, threshold (0.80), cutoff and explanations are otherwise as in name-v1.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz.distance import OSA, Indel
from rigour.text import metaphone as _metaphone

from chipcontrols.screening import matcher as v1
from chipcontrols.screening.matcher import (
    _MIN_BOUND,
    CUTOFF,
    MAX_CANDIDATES,
    THRESHOLD,
    Hit,
    IndexedName,
    Matcher,
    Query,
    _deletions,
    _QueryForm,
    entry_names,
)
from chipcontrols.screening.model import ListEntry
from chipcontrols.screening.names.normalise_v2 import forms, is_patronymic

VERSION = "name-v2"
GENERIC_SHARE = 0.25  # weight of a generic word present on one side only

GENERIC_WORDS = frozenset(
    [
        "technology",
        "information",
        "electronic",
        "electronics",
        "industry",
        "industrial",
        "group",
        "holding",
        "international",
        "science",
        "scientific",
        "development",
        "trading",
        "trade",
        "import",
        "export",
        "equipment",
        "system",
        "service",
        "enterprise",
        "investment",
        "management",
        "network",
        "engineering",
        "research",
        "institute",
        "academy",
        "center",
        "centre",
        "laboratory",
        "lab",
        "branch",
        "office",
        "company",
        "factory",
        "manufacturing",
        "product",
        "material",
        "co",
        "corporation",
        "province",
        "city",
        "autonomous",
        "region",
        "district",
        "county",
        "new",
        "high",
        "tech",
        "hitech",
        "zone",
        "park",
        "digital",
        "intelligent",
        "intelligence",
        "smart",
        "communication",
        "telecom",
        "software",
        "computer",
        "machinery",
        "precision",
        "instrument",
        "semiconductor",
        "microelectronic",
        "integrated",
        "circuit",
        "and",
        "of",
        "the",
        "de",
        "la",
    ]
)
PLACE_WORDS = frozenset(
    [
        "beijing",
        "shanghai",
        "tianjin",
        "chongqing",
        "shenzhen",
        "guangzhou",
        "wuhan",
        "hefei",
        "nanjing",
        "hangzhou",
        "suzhou",
        "wuxi",
        "chengdu",
        "xian",
        "xi",
        "an",
        "changsha",
        "zhengzhou",
        "jinan",
        "qingdao",
        "dalian",
        "shenyang",
        "harbin",
        "changchun",
        "xiamen",
        "fuzhou",
        "ningbo",
        "dongguan",
        "foshan",
        "zhuhai",
        "kunming",
        "nanning",
        "guiyang",
        "lanzhou",
        "taiyuan",
        "shijiazhuang",
        "hohhot",
        "urumqi",
        "hunan",
        "hubei",
        "henan",
        "hebei",
        "shandong",
        "shanxi",
        "shaanxi",
        "jiangsu",
        "zhejiang",
        "anhui",
        "fujian",
        "jiangxi",
        "guangdong",
        "guangxi",
        "hainan",
        "sichuan",
        "yunnan",
        "guizhou",
        "gansu",
        "qinghai",
        "ningxia",
        "xinjiang",
        "tibet",
        "liaoning",
        "jilin",
        "heilongjiang",
        "inner",
        "mongolia",
        "hong",
        "kong",
        "hongkong",
        "macau",
        "macao",
        "taiwan",
        "china",
        "chinese",
        "russia",
        "russian",
        "korea",
        "japan",
    ]
)


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    """One-word country names ('germany', 'iran'), from pycountry's ISO 3166 table."""
    import pycountry

    out: set[str] = set()
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", None)):
            if name and " " not in name.strip():
                out.add(name.strip().lower())
    return frozenset(out)


@lru_cache(maxsize=200_000)
@lru_cache(maxsize=100_000)
def is_generic(token: str) -> bool:
    if token in GENERIC_WORDS or token in PLACE_WORDS or is_patronymic(token):
        return True
    return token in _country_words()


@lru_cache(maxsize=100_000)
def _core_text(tokens: tuple[str, ...]) -> str:
    """The query's words that identify a party, joined (for the core string similarity)."""
    return "".join(t for t in tokens if not is_generic(t))


@lru_cache(maxsize=100_000)
def metaphone(token: str) -> str:
    return _metaphone(token)


@lru_cache(maxsize=100_000)
def name_symbols(token: str) -> frozenset[str]:
    """Given-name symbols of one word (rigour's name and nickname tables): words that share
    one are variants of one name ('ted', 'theodore')."""
    try:
        from rigour.names import NameTypeTag, analyze_names
    except ImportError:  # pragma: no cover
        return frozenset()
    out: set[str] = set()
    for name in analyze_names(NameTypeTag.PER, [token], phonetics=False, numerics=False):
        for span in name.spans:
            cat = str(span.symbol.category)
            if "NICK" in cat or cat.endswith("NAME"):
                out.add(f"{cat}:{span.symbol.id}")
    return frozenset(out)


@lru_cache(maxsize=1)
def known_names() -> dict[str, list[dict[str, str]]]:
    """entry id -> [{name, source}] from data/lists/known_names.yaml."""
    ref = resources.files("chipcontrols").joinpath("data", "lists", "known_names.yaml")
    try:
        doc = yaml.safe_load(ref.read_text("utf-8")) or {}
    except FileNotFoundError:
        return {}
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for item in doc.get("names", []):
        for name in item["names"]:
            out[str(item["entry_id"])].append({"name": str(name), "source": str(item["source"])})
    return dict(out)


# Answers a matcher keeps (queries), and hits kept per answer.
_RECENT_QUERIES = 4096
_KEPT = 25


class MatcherV2(Matcher):
    """The `name-v2` index and scoring."""

    version = VERSION

    def __init__(self, entries: Sequence[ListEntry], *, threshold: float = THRESHOLD) -> None:
        self.entries = list(entries)
        self.threshold = threshold
        # Recent answers by query: a matcher's list never changes, and one answer screens a
        # party more than once (the determination's Entity List step, then the record's
        # screening of every list), as a batch screens the same customers on many lines.
        self._recent: dict[tuple[Query, float, float], tuple[bool, int, list[Hit]]] = {}
        self.names: list[IndexedName] = []
        extra = known_names()
        self.known_sources: dict[int, str] = {}
        for idx, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            pairs = entry_names(entry)
            pairs += [(k["name"], "known_name") for k in extra.get(entry.id, [])]
            for text, kind in pairs:
                for norm in forms(text):
                    if not norm.tokens or norm.tokens in seen:
                        continue
                    seen.add(norm.tokens)
                    if kind == "known_name":
                        self.known_sources[len(self.names)] = next(
                            k["source"] for k in extra[entry.id] if k["name"] == text
                        )
                    self.names.append(IndexedName(idx, text, kind, norm))
        self._build()

    def _build(self) -> None:
        df: Counter[str] = Counter()
        for n in self.names:
            df.update(set(n.norm.tokens))
        total = max(len(self.names), 1)
        self.vocab = frozenset(df)
        self._max_weight = math.log(1 + total)
        self.weights = {t: self._weight(t, c, total) for t, c in df.items()}
        self._common = {t for t, c in df.items() if c > v1._COMMON_SHARE * total and c > 50}
        postings: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(self.names):
            keys: set[str] = set()
            for t in set(n.norm.tokens):
                keys.add("w:" + t)
                if len(t) >= 5:
                    keys.update("d:" + d for d in _deletions(t))
            for k in keys:
                postings[k].append(i)
        self.postings = dict(postings)
        self.n_entry = [n.entry for n in self.names]
        self.n_tokens = [n.norm.tokens for n in self.names]
        self.n_weights = [tuple(self.weight(t) for t in n.norm.tokens) for n in self.names]
        self.n_generic = [tuple(is_generic(t) for t in n.norm.tokens) for n in self.names]
        self.n_total = [sum(w) for w in self.n_weights]
        self._min_total = min(self.n_total, default=0.0)
        self.n_key = [n.norm.key for n in self.names]
        self.n_compact = [n.norm.compact for n in self.names]
        self.n_core = [
            "".join(t for t, g in zip(toks, gen, strict=True) if not g)
            for toks, gen in zip(self.n_tokens, self.n_generic, strict=True)
        ]
        self.n_numbers = [
            frozenset(t for t in n.norm.tokens if any(c.isdigit() for c in t)) for n in self.names
        ]
        self.n_fuzzy = [
            tuple((j, len(t)) for j, t in enumerate(toks) if len(t) >= 4 and t.isalpha())
            for toks in self.n_tokens
        ]
        self.n_positions = []
        for toks in self.n_tokens:
            pos: dict[str, list[int]] = defaultdict(list)
            for j, t in enumerate(toks):
                pos[t].append(j)
            self.n_positions.append({t: tuple(v) for t, v in pos.items()})
        self.entry_countries = [frozenset(e.countries) for e in self.entries]
        self.entry_address_words = [self._address_words(e) for e in self.entries]

    # ------------------------------------------------------------------ candidates

    def candidates(self, q: _QueryForm, limit: int = MAX_CANDIDATES) -> list[int]:
        scores: dict[int, float] = defaultdict(float)
        tokens = q.tokens
        weights = q.weights
        informative = [i for i, t in enumerate(tokens) if t not in self._common]
        use = informative or list(range(len(tokens)))
        # Heaviest words first. A name that none of the heavier words selected can reach the
        # blocking bound only if the words left weigh enough; once they cannot, the lighter
        # words only add to names already selected (the result is the same, with fewer look-ups).
        first: dict[str, int] = {}
        for i in use:
            first.setdefault(tokens[i], i)
        order = sorted(first.values(), key=lambda i: -weights[i])
        wq = sum(weights)
        need = 0.5 * _MIN_BOUND * 0.7 * (wq + self._min_total)
        left = sum(weights[i] for i in order)
        selected: set[int] = set()
        for i in order:
            w = weights[i]
            if left >= need:
                for ni in self._token_hits(tokens[i]):
                    scores[ni] += w
                    selected.add(ni)
            else:
                for ni in self._token_hits(tokens[i]):
                    if ni in selected:
                        scores[ni] += w
            left -= w
        seen_tokens = set(first)
        if not scores:
            return []
        for i, t in enumerate(tokens):  # common words add to names already selected
            if i in use or t in seen_tokens:
                continue
            seen_tokens.add(t)
            for ni in self.postings.get("w:" + t, ()):
                if ni in selected:
                    scores[ni] += q.weights[i]
        totals = self.n_total
        bound = [(2 * s / (wq + totals[ni]), ni) for ni, s in scores.items()]
        bound = [b for b in bound if b[0] >= _MIN_BOUND * 0.7]
        bound.sort(reverse=True)
        return [ni for _, ni in bound[:limit]]

    # ------------------------------------------------------------------ scoring

    def _core(
        self, q: _QueryForm, ni: int
    ) -> tuple[float, dict[int, tuple[int, float]], float, float, list[str]]:
        score, paired, align0, string_sim, numbers = super()._core(q, ni)
        etoks = self.n_tokens[ni]
        ew = self.n_weights[ni]
        egen = self.n_generic[ni]
        used = {j for j, _ in paired.values()}
        distinctive = any(not egen[j] and sim == 1.0 for j, sim in paired.values())
        if not distinctive:
            return score, paired, align0, string_sim, numbers
        person = self.entries[self.n_entry[ni]].schema == "Person"
        if len(paired) < len(q.tokens) and len(used) < len(etoks):
            # words left unpaired beside an exact distinctive word: the same sound
            # (metaphone, 'serej' = 'sergei') or variants of one given name ('ted' = 'theodore')
            for i, t in enumerate(q.tokens):
                if i in paired or not t.isalpha() or len(t) < 3:
                    continue
                for j, e in enumerate(etoks):
                    if j in used or not e.isalpha() or len(e) < 3:
                        continue
                    sim = 0.0
                    if (
                        len(t) >= 5
                        and len(e) >= 5
                        and t[0] == e[0]
                        and metaphone(t) == metaphone(e)
                        and OSA.normalized_similarity(t, e) >= 0.6
                    ):
                        sim = 0.85
                    elif person and t[0] == e[0] and name_symbols(t) & name_symbols(e):
                        sim = 0.9
                    if sim:
                        paired = {**paired, i: (j, sim)}
                        used.add(j)
                        break
        share = GENERIC_SHARE
        matched = 0.0
        total = 0.0
        for j, w in enumerate(ew):
            if j not in used:
                total += w * (share if egen[j] else 1.0)
        for i, t in enumerate(q.tokens):
            pair = paired.get(i)
            if pair is None:
                total += q.weights[i] * (share if is_generic(t) else 1.0)
            else:
                w = ew[pair[0]]
                total += 2 * w
                matched += 2 * w * pair[1]
        align = matched / total if total else 0.0
        qcore = _core_text(q.tokens)
        core_sim = Indel.normalized_similarity(qcore, self.n_core[ni]) if qcore else 0.0
        string_sim = max(string_sim, core_sim)
        new = v1._W_ALIGN * align + (1 - v1._W_ALIGN) * string_sim
        if numbers:
            new -= min(v1._NUMBER_PENALTY * len(numbers), 2 * v1._NUMBER_PENALTY)
        new = round(max(0.0, min(1.0, new)), 6)
        if new > score:
            return new, paired, align, string_sim, numbers
        return score, paired, align0, string_sim, numbers

    def screen(
        self,
        query: Query,
        *,
        allowed: Sequence[bool] | None = None,
        cutoff: float = CUTOFF,
        limit: int = 10,
        explain: bool = True,
    ) -> list[Hit]:
        if allowed is not None:
            return self._screen(query, allowed, cutoff, limit, explain)
        key = (query, cutoff, self.threshold)
        recent = self._recent.get(key)
        # An earlier answer serves if it kept at least as many hits (the best ones first, in
        # a fixed order) and explained them if asked to.
        if recent is not None and recent[1] >= limit and (recent[0] or not explain):
            return recent[2][:limit]
        kept = max(limit, _KEPT)
        hits = self._screen(query, None, cutoff, kept, explain)
        if len(self._recent) >= _RECENT_QUERIES:
            self._recent.clear()
        self._recent[key] = (explain, kept, hits)
        return hits[:limit]

    def _screen(
        self,
        query: Query,
        allowed: Sequence[bool] | None,
        cutoff: float,
        limit: int,
        explain: bool,
    ) -> list[Hit]:
        qforms = forms(query.name)
        if not qforms or not qforms[0].tokens:
            return []
        best: dict[int, tuple[float, int, tuple[str, ...], int]] = {}
        tried: set[tuple[str, ...]] = set()
        for fi, qnorm in enumerate(qforms):
            variants = [qnorm.tokens]
            reseg = self.resegment(qnorm.tokens)
            if reseg != qnorm.tokens:
                variants.append(reseg)
            for qtokens in variants:
                if qtokens in tried:
                    continue
                tried.add(qtokens)
                form = self._query_form(qtokens)
                for ni in self.candidates(form):
                    entry = self.n_entry[ni]
                    if allowed is not None and not allowed[entry]:
                        continue
                    score = self._core(form, ni)[0]
                    prev = best.get(entry)
                    if prev is None or score > prev[0]:
                        best[entry] = (score, ni, qtokens, fi)
        place = self._place(query)
        hits: list[Hit] = []
        for idx, (score, ni, qtokens, fi) in best.items():
            placed = self._placed(score, idx, place, cutoff)
            if placed is None:
                continue
            total, (country_adj, country_detail), (address_adj, address_detail) = placed
            expl: dict[str, dict[str, Any]] = {}
            if explain:
                scored = self.score_name(qforms[fi], qtokens, ni)
                scored.score = score
                expl = self._explain(
                    scored, country_adj, country_detail, address_adj, address_detail
                )
                if ni in self.known_sources:
                    expl["known_name"] = {
                        "score": 0.0,
                        "detail": f"'{self.names[ni].text}' is not printed in the list; it is "
                        f"the party's name per {self.known_sources[ni]}",
                    }
            hits.append(_HitV2(self.entries[idx], total, total >= self.threshold, expl))
        hits.sort(key=lambda h: (-h.score, h.entry.id))
        return hits[:limit]


class _HitV2(Hit):
    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["algorithm"] = VERSION
        return d
