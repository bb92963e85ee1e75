"""Matcher `name-v1`: normalised names, a candidate index, explained scores.

A released matcher version is never edited: a change of scoring is a new version.

Score of a query against one listed name (0..1):

    name  = 0.75 * alignment + 0.25 * string similarity
            alignment: each word of the query paired with its closest listed word
            (optimal string alignment similarity >= 0.7; shorter words must be equal),
            weighted by rarity (inverse document frequency over the list's names), as a
            weighted Dice coefficient over both sides; word order does not matter.
            string similarity: Indel similarity of the two normalised names, with and
            without spaces.
    minus 0.15 per number present on one side only (at most 0.3)
    plus  0.02 when a country of the query is a country of the entry, minus 0.08 when
          both name countries and none is shared
    plus  up to 0.05 for shared address words

The entry's score is its best name (name or alias). `match` is score >= threshold.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA, Indel

from chipcontrols.screening.model import ListEntry
from chipcontrols.screening.names.glossary import STOPWORDS
from chipcontrols.screening.names.normalise import NormName, normalise

VERSION = "name-v1"
THRESHOLD = 0.80
CUTOFF = 0.60
# A hit at or above POSSIBLE (and below the match threshold) holds up a determination until an
# analyst confirms or clears it; hits between CUTOFF and POSSIBLE are shown in screening
# results and the review queue only.
POSSIBLE = 0.70
MAX_CANDIDATES = 20
_MIN_BOUND = 0.35  # blocking bound below which a name cannot reach the cutoff
TOKEN_MIN_SIM = 0.7
_SLACK = 1 - TOKEN_MIN_SIM
_W_ALIGN = 0.75
_NUMBER_PENALTY = 0.15
_COUNTRY_MATCH = 0.02
_COUNTRY_MISMATCH = -0.08
_ADDRESS_MAX = 0.05
_ACRONYM_RE = re.compile(r"\(([A-Z][A-Z0-9&-]{1,9})\)")
_COMMON_SHARE = 0.03  # words in more than 3% of names do not select candidates alone
_HAS_DIGIT = re.compile(r"\d").search


@dataclass(frozen=True, slots=True)
class IndexedName:
    entry: int
    text: str
    kind: str  # name | alias | acronym
    norm: NormName


@dataclass(frozen=True, slots=True)
class _QueryForm:
    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    key: str
    compact: str
    numbers: frozenset[str]


@dataclass(frozen=True)
class Query:
    name: str
    country: str | None = None
    address: str | None = None


@dataclass
class Hit:
    entry: ListEntry
    score: float
    match: bool
    explanations: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        return {
            "entry_id": e.id,
            "list": e.list,
            "name": e.name,
            "score": round(self.score, 4),
            "match": self.match,
            "algorithm": VERSION,
            "explanations": dict(self.explanations),  # the caller may add its own
            "entry": {
                "list_name": e.list_name,
                "schema": e.schema,
                "aliases": list(e.aliases),
                "countries": list(e.countries),
                "addresses": [a.full for a in e.addresses],
                "programs": list(e.programs),
                "licence_requirement": e.licence_requirement,
                "licence_review_policy": e.licence_review_policy,
                "footnotes": list(e.footnotes),
                "citations": [c.to_dict() for c in e.citations],
                "listed_on": e.listed_on.isoformat() if e.listed_on else None,
                "amended_on": [d.isoformat() for d in e.amended_on],
                "removed_on": e.removed_on.isoformat() if e.removed_on else None,
                "content_hash": e.content_hash(),
            },
        }


def entry_names(entry: ListEntry) -> list[tuple[str, str]]:
    """(text, kind) for each name of an entry; '(SMIC)' in a name is also an acronym alias."""
    out: list[tuple[str, str]] = []
    for i, text in enumerate(entry.all_names()):
        kind = "name" if i == 0 else "alias"
        out.append((text, kind))
        acronyms = [a for a in _ACRONYM_RE.findall(text) if len(a) >= 3]
        if acronyms:
            out.append((_ACRONYM_RE.sub(" ", text), kind))
            out.extend((a, "acronym") for a in acronyms)
    return out


def _deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


@dataclass
class _Scored:
    score: float
    name: IndexedName
    query: NormName
    pairs: list[tuple[str, str, float]]
    qtokens: tuple[str, ...]
    in_order: bool
    unmatched_query: list[str]
    unmatched_listed: list[str]
    align: float
    string_sim: float
    numbers: list[str] = field(default_factory=list)


class Matcher:
    """An index over a list's names and the `name-v1` scoring."""

    version = VERSION

    def __init__(self, entries: Sequence[ListEntry], *, threshold: float = THRESHOLD) -> None:
        self.entries = list(entries)
        self.threshold = threshold
        self.names: list[IndexedName] = []
        df: Counter[str] = Counter()
        for idx, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            for text, kind in entry_names(entry):
                norm = normalise(text)
                if not norm.tokens or norm.tokens in seen:
                    continue
                seen.add(norm.tokens)
                self.names.append(IndexedName(idx, text, kind, norm))
        for n in self.names:
            df.update(set(n.norm.tokens))
        total = max(len(self.names), 1)
        self.vocab = frozenset(df)
        self._max_weight = math.log(1 + total)
        self.weights = {t: self._weight(t, c, total) for t, c in df.items()}
        self._common = {t for t, c in df.items() if c > _COMMON_SHARE * total and c > 50}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(self.names):
            keys: set[str] = set()
            for t in set(n.norm.tokens):
                keys.add("w:" + t)
                if len(t) >= 5:
                    keys.update("d:" + d for d in _deletions(t))
            for k in keys:
                self.postings[k].append(i)
        self.postings = dict(self.postings)
        self.n_entry = [n.entry for n in self.names]
        self.n_tokens = [n.norm.tokens for n in self.names]
        self.n_weights = [tuple(self.weight(t) for t in n.norm.tokens) for n in self.names]
        self.n_total = [sum(w) for w in self.n_weights]
        self.n_key = [n.norm.key for n in self.names]
        self.n_compact = [n.norm.compact for n in self.names]
        self.n_numbers = [
            frozenset(t for t in n.norm.tokens if any(c.isdigit() for c in t)) for n in self.names
        ]
        self.n_fuzzy = [
            tuple((j, len(t)) for j, t in enumerate(toks) if len(t) >= 4 and t.isalpha())
            for toks in self.n_tokens
        ]
        self.n_positions: list[dict[str, tuple[int, ...]]] = []
        for toks in self.n_tokens:
            pos: dict[str, list[int]] = defaultdict(list)
            for j, t in enumerate(toks):
                pos[t].append(j)
            self.n_positions.append({t: tuple(v) for t, v in pos.items()})
        self.entry_countries = [frozenset(e.countries) for e in self.entries]
        self.entry_address_words = [self._address_words(e) for e in self.entries]

    @staticmethod
    def _weight(token: str, count: int, total: int) -> float:
        w = math.log(1 + total / count)
        return w * 0.2 if token in STOPWORDS else w

    def weight(self, token: str) -> float:
        w = self.weights.get(token)
        if w is None:
            return self._max_weight * (0.2 if token in STOPWORDS else 0.8)
        return w

    @staticmethod
    def _address_words(entry: ListEntry) -> frozenset[str]:
        words: set[str] = set()
        for a in entry.addresses:
            words.update(t for t in normalise(a.full).tokens if len(t) > 2)
        return frozenset(words)

    # ------------------------------------------------------------------ candidates

    def resegment(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Join or split words to the list's vocabulary ('zhi pu' -> 'zhipu', 'huaweijishu')."""
        vocab = self.vocab
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in (4, 3, 2):
                if i + size <= len(tokens):
                    joined = "".join(tokens[i : i + size])
                    if joined in vocab and len(joined) <= 24:
                        out.append(joined)
                        i += size
                        break
            else:
                out.extend(self._split(tokens[i]))
                i += 1
        return tuple(out)

    def _split(self, token: str) -> list[str]:
        """Split an unknown word into known words, longest first word first (two letters min).

        Cached per word: the vocabulary is immutable."""
        cache: dict[str, list[str]] = self.__dict__.setdefault("_split_cache", {})
        found = cache.get(token)
        if found is None:
            if len(cache) > 100_000:
                cache.clear()
            found = cache[token] = self._split_uncached(token)
        return list(found)

    def _split_uncached(self, token: str) -> list[str]:
        if token in self.vocab or len(token) < 4 or not token.isalpha():
            return [token]
        for cut in range(len(token) - 2, 1, -1):
            left, right = token[:cut], token[cut:]
            if left in self.vocab and left not in STOPWORDS:
                if right in self.vocab and right not in STOPWORDS:
                    return [left, right]
                rest = self._split_uncached(right)
                if len(rest) > 1:
                    return [left, *rest]
        return [token]

    def _token_hits(self, t: str) -> frozenset[int]:
        """Names holding the word, or a word one edit away (cached: the index is immutable)."""
        cache: dict[str, frozenset[int]] = self.__dict__.setdefault("_hits_cache", {})
        found = cache.get(t)
        if found is not None:
            return found
        hit: set[int] = set()
        p = self.postings.get("w:" + t)
        if p:
            hit.update(p)
        if len(t) >= 4 and t not in self._common and t.isalpha():
            keys = ["d:" + t]
            for d in _deletions(t):
                keys.append("w:" + d)
                if len(t) >= 5:
                    keys.append("d:" + d)
            for k in keys:
                p = self.postings.get(k)
                if p:
                    hit.update(p)
        if len(cache) > 100_000:
            cache.clear()
        found = cache[t] = frozenset(hit)
        return found

    def candidates(self, q: _QueryForm, limit: int = MAX_CANDIDATES) -> list[int]:
        """Names sharing a word (or a word one edit away) with the query, best first.

        Each name's blocking score is a Dice bound on the word alignment; names far below
        what a match needs are not scored.
        """
        scores: dict[int, float] = defaultdict(float)
        tokens = q.tokens
        informative = [i for i, t in enumerate(tokens) if t not in self._common]
        use = informative or range(len(tokens))
        seen_tokens: set[str] = set()
        for i in use:
            t = tokens[i]
            if t in seen_tokens:
                continue
            seen_tokens.add(t)
            w = q.weights[i]
            for ni in self._token_hits(t):
                scores[ni] += w
        if not scores:
            return []
        wq = sum(q.weights)
        totals = self.n_total
        bound = [(2 * s / (wq + totals[ni]), ni) for ni, s in scores.items()]
        bound = [b for b in bound if b[0] >= _MIN_BOUND]
        bound.sort(reverse=True)
        return [ni for _, ni in bound[:limit]]

    # ------------------------------------------------------------------ scoring

    def _core(
        self, q: _QueryForm, ni: int
    ) -> tuple[float, dict[int, tuple[int, float]], float, float, list[str]]:
        """(score, pairs query index -> (listed index, similarity), alignment, string, numbers)."""
        qtokens = q.tokens
        etoks = self.n_tokens[ni]
        ew = self.n_weights[ni]
        positions = self.n_positions[ni]
        paired: dict[int, tuple[int, float]] = {}
        used: set[int] = set()
        loose: list[int] = []
        for i, t in enumerate(qtokens):
            for j in positions.get(t, ()):
                if j not in used:
                    paired[i] = (j, 1.0)
                    used.add(j)
                    break
            else:
                loose.append(i)
        if loose and len(used) < len(etoks):
            cells = []
            fuzzy = self.n_fuzzy[ni]  # (index, length) of the listed words that may pair loosely
            for i in loose:
                t = qtokens[i]
                lt = len(t)
                if lt < 4 or not t.isalpha():
                    continue
                for j, le in fuzzy:
                    if j in used or abs(le - lt) > _SLACK * (le if le > lt else lt):
                        continue
                    sim = OSA.normalized_similarity(t, etoks[j], score_cutoff=TOKEN_MIN_SIM)
                    if sim:
                        cells.append((sim, i, j))
            cells.sort(reverse=True)
            for sim, i, j in cells:
                if i in paired or j in used:
                    continue
                paired[i] = (j, sim)
                used.add(j)
        matched = 0.0
        total = self.n_total[ni]
        qw = q.weights
        for i in range(len(qtokens)):
            pair = paired.get(i)
            if pair is None:
                total += qw[i]
            else:
                w = ew[pair[0]]
                total += w
                matched += 2 * w * pair[1]
        align = matched / total if total else 0.0
        string_sim = max(
            Indel.normalized_similarity(q.key, self.n_key[ni]),
            Indel.normalized_similarity(q.compact, self.n_compact[ni]),
        )
        score = _W_ALIGN * align + (1 - _W_ALIGN) * string_sim
        numbers: list[str] = []
        if q.numbers or self.n_numbers[ni]:
            numbers = sorted(q.numbers ^ self.n_numbers[ni])
            if numbers:
                score -= min(_NUMBER_PENALTY * len(numbers), 2 * _NUMBER_PENALTY)
        return round(max(0.0, min(1.0, score)), 6), paired, align, string_sim, numbers

    def _query_form(self, tokens: tuple[str, ...]) -> _QueryForm:
        key = " ".join(tokens)
        return _QueryForm(
            tokens,
            tuple(self.weight(t) for t in tokens),
            key,
            key.replace(" ", ""),
            frozenset(t for t in tokens if _HAS_DIGIT(t)),
        )

    def score_name(self, query: NormName, qtokens: tuple[str, ...], name_index: int) -> _Scored:
        """The full comparison of a query with one listed name, for explanations."""
        q = self._query_form(qtokens)
        score, paired, align, string_sim, numbers = self._core(q, name_index)
        name = self.names[name_index]
        etoks = self.n_tokens[name_index]
        pairs = [(qtokens[i], etoks[j], sim) for i, (j, sim) in sorted(paired.items())]
        used = {j for j, _ in paired.values()}
        order = [paired[i][0] for i in sorted(paired)]
        return _Scored(
            score,
            name,
            query,
            pairs,
            qtokens,
            order == sorted(order),
            [t for i, t in enumerate(qtokens) if i not in paired],
            [e for j, e in enumerate(etoks) if j not in used],
            align,
            string_sim,
            numbers,
        )

    def screen(
        self,
        query: Query,
        *,
        allowed: Sequence[bool] | None = None,
        cutoff: float = CUTOFF,
        limit: int = 10,
        explain: bool = True,
    ) -> list[Hit]:
        """Hits for one query, best first; `allowed[i]` False drops entry i (e.g. not in force)."""
        qnorm = normalise(query.name)
        if not qnorm.tokens:
            return []
        variants = [qnorm.tokens]
        reseg = self.resegment(qnorm.tokens)
        if reseg != qnorm.tokens:
            variants.append(reseg)
        best: dict[int, tuple[float, int, tuple[str, ...]]] = {}
        for qtokens in variants:
            form = self._query_form(qtokens)
            for ni in self.candidates(form):
                entry = self.n_entry[ni]
                if allowed is not None and not allowed[entry]:
                    continue
                score = self._core(form, ni)[0]
                prev = best.get(entry)
                if prev is None or score > prev[0]:
                    best[entry] = (score, ni, qtokens)
        place = self._place(query)
        hits: list[Hit] = []
        for idx, (score, ni, qtokens) in best.items():
            placed = self._placed(score, idx, place, cutoff)
            if placed is None:
                continue
            total, (country_adj, country_detail), (address_adj, address_detail) = placed
            expl = (
                self._explain(
                    self.score_name(qnorm, qtokens, ni),
                    country_adj,
                    country_detail,
                    address_adj,
                    address_detail,
                )
                if explain
                else {}
            )
            hits.append(Hit(self.entries[idx], total, total >= self.threshold, expl))
        hits.sort(key=lambda h: (-h.score, h.entry.id))
        return hits[:limit]

    @staticmethod
    def _place(query: Query) -> tuple[str | None, frozenset[str]]:
        """The query's country and address words, as `_country` and `_address` read them."""
        qcountry = (query.country or "").upper() or None
        qaddress = (
            frozenset(t for t in normalise(query.address).tokens if len(t) > 2)
            if query.address
            else frozenset()
        )
        return qcountry, qaddress

    def _placed(
        self, score: float, idx: int, place: tuple[str | None, frozenset[str]], cutoff: float
    ) -> tuple[float, tuple[float, str], tuple[float, str]] | None:
        """A name score with the country and address adjustments of entry `idx`: (total,
        (country adjustment, why), (address adjustment, why)), or None below the cutoff."""
        if score + _COUNTRY_MATCH + _ADDRESS_MAX < cutoff:
            return None
        country = self._country(place[0], idx)
        address = self._address(place[1], idx)
        total = round(max(0.0, min(1.0, score + country[0] + address[0])), 6)
        return None if total < cutoff else (total, country, address)

    def _country(self, qcountry: str | None, idx: int) -> tuple[float, str]:
        listed = self.entry_countries[idx]
        if not qcountry:
            return 0.0, "no country given"
        if not listed:
            return 0.0, f"query {qcountry}; the entry names no country"
        if qcountry in listed:
            return _COUNTRY_MATCH, f"query {qcountry} is a country of the entry: supports"
        return _COUNTRY_MISMATCH, f"query {qcountry}; entry {', '.join(sorted(listed))}: weakens"

    def _address(self, words: frozenset[str], idx: int) -> tuple[float, str]:
        if not words:
            return 0.0, "no address given"
        listed = self.entry_address_words[idx]
        if not listed:
            return 0.0, "the entry has no address"
        shared = words & listed
        share = len(shared) / len(words)
        adj = round(_ADDRESS_MAX * share, 4)
        return adj, f"{len(shared)} of {len(words)} address words shared" + (
            f" ({', '.join(sorted(shared)[:6])})" if shared else ""
        )

    def _explain(
        self, s: _Scored, c_adj: float, c_detail: str, a_adj: float, a_detail: str
    ) -> dict[str, dict[str, Any]]:
        pairs = ", ".join(
            f"{q}={e}" if sim == 1.0 else f"{q}~{e} ({sim:.2f})" for q, e, sim in s.pairs
        )
        detail = pairs or "no word in common"
        if s.unmatched_query:
            detail += "; query only: " + ", ".join(s.unmatched_query)
        if s.unmatched_listed:
            detail += "; listed only: " + ", ".join(s.unmatched_listed)
        out: dict[str, dict[str, Any]] = {
            "name": {
                "score": round(s.score, 4),
                "query": s.query.original,
                "candidate": s.name.text,
                "candidate_kind": s.name.kind,
                "detail": f"words: {detail}; alignment {s.align:.2f}, string {s.string_sim:.2f}",
            },
            "normalisation": {
                "score": 0.0,
                "query": " ".join(s.qtokens),
                "candidate": s.name.norm.key,
                "detail": "; ".join(s.query.steps) or "case and punctuation only",
            },
            "legal_form": {
                "score": 0.0,
                "query": ", ".join(s.query.legal_forms) or None,
                "candidate": ", ".join(s.name.norm.legal_forms) or None,
                "detail": "legal forms are set aside: registers and lists write them differently",
            },
            "country": {"score": c_adj, "detail": c_detail},
            "address": {"score": a_adj, "detail": a_detail},
        }
        if not s.in_order:
            out["word_order"] = {"score": 0.0, "detail": "words in a different order (ignored)"}
        if s.numbers:
            out["numbers"] = {
                "score": -min(_NUMBER_PENALTY * len(s.numbers), 2 * _NUMBER_PENALTY),
                "detail": "numbers on one side only: " + ", ".join(s.numbers),
            }
        return out
