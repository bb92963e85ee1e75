"""Words, not identifiers: how the pages name verdicts, review policies, steps, parameters,
countries and questions.

Presentation only. The identifiers stay in the documents (and so in every JSON twin); the
templates show these words first and keep the identifier in a `title` attribute or a
details element. A parameter's words come from the law (`rulebook.parameters[name]`: its
description and unit); only a short name for a few parameters whose description opens with
a formula is written here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pycountry

from chipcontrols.errors import InputError
from chipcontrols.rulebook.rulebook import load_rulebook

VERDICTS = {
    "licence_required": "Licence required",
    "no_licence_required": "No licence required",
    "not_subject": "Not subject to these controls",
    "undetermined": "Not yet determined (facts missing)",
    "prohibited": "Prohibited",
    "not_screened": "Not screened",
    "mandatory_notification": "Notification mandatory",
    "voluntary_notification": "Notification voluntary",
    "notification_not_required": "No notification required",
    "notification_required": "Notification required",
    # classification of an item against one entry
    "met": "Meets the entry",
    "not_met": "Does not meet the entry",
    "not_formalised": "Not formalised: read the law",
    "info": "For information",
    # coalition cells
    "free": "Free to export",
    "free_with_conditions": "Free under a licence exception",
    "not_modelled": "Not modelled",
    "no_product": "No product",
    "domestic": "Made there",
    # coalition rows
    "gap": "Gap",
    "possible_gap": "Possible gap",
    "blocked": "Blocked everywhere",
    "open": "Open",
}

POLICIES = {
    "presumption_of_denial": "presumption of denial",
    "presumption_of_approval": "presumption of approval",
    "case_by_case": "case-by-case review",
    "denial": "policy of denial",
    "approval": "policy of approval",
    "as_listed": "review policy as listed in the entry",
}

# The steps of the EAR procedure (15 CFR 732) as the coverage list names them.
STEPS = {
    "ccl": "Commerce Control List and Country Chart",
    "embargo": "Embargoes and sanctioned destinations",
    "end_use": "End-use controls",
    "end_user": "End-user controls (Entity List and others)",
    "subject": "Whether the item is subject to the EAR",
    "us_person": "Activities of US persons",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "yearly",
    "changes": "at each change in the law",
}

ROLES = {
    "viewer": "Viewer: can read records, the law and the lists",
    "analyst": "Analyst: can also run checks, screen and record review decisions",
    "admin": "Administrator: can also manage users and keys",
}

CHANGES = {
    "added": "Added",
    "removed": "Removed",
    "changed": "Amended",
    "text_changed": "Wording amended",
    "reenacted": "Re-enacted",
}

# The end uses a transaction may state (determination.transaction.END_USES).
END_USES = {
    "advanced_node_ic_production": "Producing advanced-node chips",
    "ic_production_node_unknown": "Producing chips (node not known)",
    "advanced_node_ic_design": "Designing advanced-node chips",
    "supercomputer": "A supercomputer",
    "sme_production": "Producing chip-making equipment",
    "datacenter": "A datacenter",
    "military": "A military end use",
    "none_of_these": "None of these",
}

KINDS_OF_RECORD = {
    "determination": "Licence determination",
    "check": "Transaction check",
    "classification": "Classification",
    "screening": "Party screening",
    "assessment": "Investment assessment",
}

# A short name for parameters whose description in the law opens with a formula or a
# long definition; every other parameter is named from its description.
SHORT = {
    "tpp": "total processing performance (TPP)",
    "performance_density": "performance density (TPP per mm² of applicable die area)",
    "die_area_mm2": "applicable die area",
    "throughput": "dense (non-sparse) peak throughput per precision",
    "peak_tops": "peak processing performance",
    "memory_bandwidth_density": "memory bandwidth density",
    "mrf_k035_nm": "minimum resolvable feature size (K = 0.35)",
    "mrf_k025_nm": "minimum resolvable feature size (K = 0.25)",
    "datacenter": "designed or marketed for use in datacenters",
    "described_in": "other ECCNs (CCL entries) that describe it",
    "app_wt": "adjusted peak performance (APP)",
    "io_bandwidth_gbps": "aggregate bidirectional input/output transfer rate",
}

# Names people use that ISO 3166 spells otherwise.
COUNTRY_ALIASES = {
    "macau": "MO",
    "burma": "MM",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "usa": "US",
    "america": "US",
    "holland": "NL",
    "south korea": "KR",
    "north korea": "KP",
    "prc": "CN",
    "mainland china": "CN",
}

UNITS = {
    "mm2": "mm²",
    "percent": "%",
    "degC": "°C",
    "GB/s/mm2": "GB/s per mm²",
    "1": "",
    "count": "",
}

EXTRA_JURISDICTIONS = {"EU": "European Union", "UK": "United Kingdom", "XX": "unknown"}

ITEM_NOUN = {
    "integrated_circuit": "chip",
    "memory_ic": "memory chip",
    "computer": "computer",
    "lithography_scanner": "scanner",
}


def _words(identifier: Any) -> str:
    return str(identifier or "").replace("_", " ").strip()


def verdict(value: Any, policy: Any = None) -> str:
    """'Licence required (presumption of denial)'."""
    text = VERDICTS.get(str(value), _words(value).capitalize())
    if policy:
        text += f" ({POLICIES.get(str(policy), _words(policy))})"
    return text


def policy(value: Any) -> str:
    return POLICIES.get(str(value), _words(value))


def step(value: Any) -> str:
    return STEPS.get(str(value), _words(value))


def change(value: Any) -> str:
    """A change to an entry of the law between two dates, in words."""
    return CHANGES.get(str(value), _words(value).capitalize())


def end_use(value: Any) -> str:
    return END_USES.get(str(value), _words(value).capitalize())


def role(value: Any) -> str:
    return ROLES.get(str(value), _words(value))


def record_kind(value: Any) -> str:
    return KINDS_OF_RECORD.get(str(value), _words(value).capitalize())


def unit(value: Any) -> str:
    if value is None:
        return ""
    return UNITS.get(str(value), str(value))


# ------------------------------------------------------------------ countries


@lru_cache(maxsize=1)
def countries() -> list[tuple[str, str]]:
    """(alpha-2 code, common name), sorted by name: the country picker's choices."""
    out = []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        out.append((c.alpha_2, name))
    return sorted(out, key=lambda pair: pair[1])


def country_name(code: Any) -> str:
    text: str = str(code or "").upper()
    if not text:
        return ""
    if text in EXTRA_JURISDICTIONS:
        return EXTRA_JURISDICTIONS[text]
    found = pycountry.countries.get(alpha_2=text) if len(text) == 2 else None
    if found is None:
        return text
    return str(getattr(found, "common_name", None) or found.name)


def jurisdiction(code: Any) -> str:
    """'United States', 'Netherlands', 'European Union'; a regime id is left as it is."""
    text = str(code or "")
    if len(text) == 2:
        return country_name(text)
    return text


def country_code(value: str | None, *, loc: str) -> str | None:
    """A country given by name ('Taiwan'), by code ('TW', 'twn') or as the picker shows it
    ('Taiwan (TW)'), as its ISO 3166 alpha-2 code."""
    raw = (value or "").strip()
    if not raw:
        return None
    picked = re.fullmatch(r".*\(([A-Za-z]{2})\)", raw)
    if picked:
        raw = picked.group(1)
    if raw.lower() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[raw.lower()]
    if len(raw) == 2 and raw.isalpha():
        if pycountry.countries.get(alpha_2=raw.upper()):
            return raw.upper()
        raise InputError(f"{raw!r} is not an ISO 3166 country code", loc=loc)
    if len(raw) > 80:
        raise InputError("at most 80 characters", loc=loc)
    try:
        found = pycountry.countries.lookup(raw)
    except LookupError:
        found = None
    if found is None:
        matches = [c for c, name in countries() if name.lower().startswith(raw.lower())]
        if len(matches) == 1:
            return matches[0]
        raise InputError(
            f"no country is called {raw!r}; give its name or ISO code (e.g. Taiwan or TW)",
            loc=loc,
        )
    return str(found.alpha_2)


# ------------------------------------------------------------------ parameters and questions


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    quoted = re.match(r"""^['"‘“]([^'"’”]{3,80})['"’”]\s*(=|is|means)""", text)
    if quoted:
        return quoted.group(1)
    text = re.sub(r"\s*\([^()]*\)", "", text)
    head = re.split(r"[.:;](?:\s|$)", text, maxsplit=1)[0]
    head = re.sub(r"""['"‘’“”]""", "", head)
    head = re.sub(r"^(The item is|The item has|The IC is|The scanner is|The item)\s+", "", head)
    head = re.sub(r"^The\s+", "", head)
    head = re.sub(r",?\s+in (nm|mm|degrees C|percent|gigabytes per second|Hz)\b.*$", "", head)
    if len(head) > 70:
        head = head[:67].rsplit(" ", 1)[0].rstrip(",") + "…"
    return head[:1].lower() + head[1:] if head[1:2].islower() else head


def parameter(name: Any, rulebook: Any = None) -> dict[str, Any]:
    """A parameter's words: {id, label, description, unit, type}."""
    rulebook = rulebook or load_rulebook()
    key = str(name or "")
    p = rulebook.parameters.get(key)
    description = " ".join((p.description or "").split()) if p is not None else ""
    label = SHORT.get(key) or (_first_sentence(description) if description else _words(key))
    return {
        "id": key,
        "label": label,
        "description": description,
        "unit": unit(p.unit) if p is not None else "",
        "type": p.type if p is not None else None,
    }


def parameter_label(name: Any) -> str:
    label = str(parameter(name)["label"])
    return label[:1].upper() + label[1:]


_ITEM_Q = re.compile(r"^What is the item's ([A-Za-z0-9_]+)\?\s*")


def question(q: Mapping[str, Any], item_kind: str | None = None) -> dict[str, Any]:
    """A question in plain words: {title, help, unit, hint, id}. The engine's own text stays
    as `help` when it says more than the parameter's description."""
    qid = str(q.get("id") or "")
    name = str(q.get("param") or "")
    text = " ".join(str(q.get("text") or q.get("question") or "").split())
    noun = ITEM_NOUN.get(str(item_kind or ""), "item")
    rulebook = load_rulebook()
    own_words = bool(text) and not _ITEM_Q.match(text) and text.rstrip().endswith("?") is False
    own_words = own_words or bool(
        re.match(r"^(Which|Is|Does|Do|Has|Are|Was|How|Who|Where)\b", text)
    )
    is_param = (
        name in rulebook.parameters
        and ".item." in str(q.get("field") or q.get("id") or "")
        and not (own_words and "?" in text)
    )
    hint = ""
    if is_param:
        words = parameter(name, rulebook)
        p_type = words["type"]
        shown_unit = words["unit"] or unit(q.get("unit"))
        if p_type == "boolean":
            title = f"Is the {noun} {words['label']}?"
            if not re.match(r"^(designed|rated|specially|manufactured|marketed)", words["label"]):
                title = f"{words['label'][:1].upper()}{words['label'][1:]}: yes or no?"
        elif p_type == "set":
            title = f"Which are the {noun}'s {words['label']}? (comma-separated)"
        else:
            title = f"What is the {noun}'s {words['label']}" + (
                f" (in {shown_unit})?" if shown_unit else "?"
            )
        if name == "tpp":
            title = (
                f"What is the {noun}'s dense throughput (e.g. FP16 TFLOPS without sparsity), "
                "or its total processing performance (TPP)?"
            )
            hint = "Give the TPP, or the datasheet's dense throughput and its bit length."
        help_text = words["description"] or _ITEM_Q.sub("", text)
        return {"id": qid, "title": title, "help": help_text, "unit": shown_unit, "hint": hint}
    title = _ITEM_Q.sub(lambda m: f"What is the {noun}'s {_words(m.group(1))}? ", text)
    first = re.split(r"(?<=\?)\s", title, maxsplit=1)
    return {
        "id": qid,
        "title": first[0] if first else title,
        "help": first[1] if len(first) > 1 else "",
        "unit": unit(q.get("unit")),
        "hint": hint,
    }


_SUMMARY_PART = re.compile(r"\b([A-Z]{2})(-[A-Z][A-Z-]*)?: ([a-z][a-z_]+)\b")


def summary_words(summary: Any) -> str:
    """A stored summary ('US: licence_required; NL: undetermined') in words."""

    def one(m: re.Match[str]) -> str:
        who = m.group(1) + (m.group(2) or "")
        name = country_name(m.group(1)) if not m.group(2) else who
        return f"{name}: {verdict(m.group(3)) if m.group(3) in VERDICTS else m.group(3)}"

    return _SUMMARY_PART.sub(one, str(summary or ""))


# ------------------------------------------------------------------ runs: scenario, batch, lists

RUN_WORDS = {
    # what a scenario file changes
    "add_entry": "Adds an entry to the law",
    "add_versions": "Adds new dated versions of an entry",
    "remove_entry": "Removes an entry from the law",
    "add_list_versions": "Changes the members of a country list",
    "list_changed": "Country list changed",
    # a list fetch or upload
    "updated": "Updated: entries added, removed or amended",
    "unchanged": "Fetched: no entry changed",
    "not_modified": "Not modified since the last fetch",
    "failed": "Failed: the active list was kept",
    "uploaded": "Uploaded",
    # a hit reported by a re-screening
    "new": "New hit",
    "removed_hit": "No longer listed",
    # a re-screening's mode
    "full": "Every kept party against every listed entry",
    "incremental": "Only against what changed in the lists",
    # past determinations re-run under a scenario
    "none": "None",
    "stored": "Those recorded here",
    "example": "The example file of past determinations",
}

# The short labels of the coalition cells (scenario.matrix.label), in words.
_CELL = {
    "free": "Free to export",
    "free, conditions": "Free under a licence exception",
    "licence": "Licence required",
    "prohibited": "Prohibited",
    "undetermined": "Not yet determined",
    "not modelled": "Not modelled",
    "no product": "No product",
    "domestic": "Made there",
}
_POLICY_SHORT = {
    "PoD": "presumption of denial",
    "PoA": "presumption of approval",
    "case-by-case": "case-by-case review",
    "denial": "policy of denial",
    "approval": "policy of approval",
    "as listed": "review policy as listed",
}


def run_word(value: Any) -> str:
    """A status, mode or change of the scenario, batch, re-screening and list pages."""
    key = str(value or "")
    return RUN_WORDS.get(key) or CHANGES.get(key) or _words(key).capitalize()


def cell(label: Any) -> str:
    """A coalition cell's short label ('licence (PoD)', 'free (NAC)') in words."""
    text = str(label or "")
    if text in _CELL:
        return _CELL[text]
    m = re.fullmatch(r"(licence|free) \((.+)\)", text)
    if m and m.group(1) == "licence":
        return f"Licence required ({_POLICY_SHORT.get(m.group(2), m.group(2))})"
    if m:
        return f"Free under licence exception {m.group(2)}"
    return text


def filters() -> dict[str, Any]:
    """The Jinja filters the templates use."""
    return {
        "verdict": verdict,
        "policy": policy,
        "step": step,
        "role": role,
        "change_words": change,
        "end_use": end_use,
        "record_kind": record_kind,
        "unit": unit,
        "country_name": country_name,
        "jurisdiction": jurisdiction,
        "param": parameter_label,
        "words": _words,
        "summary_words": summary_words,
        "run_word": run_word,
        "cell": cell,
    }
