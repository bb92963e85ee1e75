"""The makers' own statements compared with the engine's classification.

For each maker statement of a catalog product, the product is classified on the date the
statement speaks about, in the statement's jurisdiction, and the two are compared:

  agrees          the engine reaches the same result
  disagrees       the engine reaches the opposite result: a finding for a lawyer, never hidden
  open            the engine cannot decide (undetermined entries; the missing figures named)
  not_comparable  the statement rests on something a classification cannot show (an "is
                  informed" letter, an end-use rule), or names an ECCN the rulebook does not
                  encode while the engine meets no entry

Procedure only: the statements, their dates and sources are catalog data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.catalog.catalog import Catalog, MakerStatement, Product, load_catalog
from chipcontrols.classification.service import Classification, EntryResult, classify
from chipcontrols.rulebook.evaluate import Status

AGREES = "agrees"
DISAGREES = "disagrees"
OPEN = "open"
NOT_COMPARABLE = "not_comparable"


@dataclass
class Comparison:
    product: str
    statement: MakerStatement
    as_of: dt.date
    outcome: str
    engine: str  # the engine's answer in words
    met: list[str] = field(default_factory=list)
    undetermined: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "statement": self.statement.to_dict(),
            "as_of": self.as_of.isoformat(),
            "outcome": self.outcome,
            "engine": self.engine,
            "met": self.met,
            "undetermined": self.undetermined,
            "missing": self.missing,
            "unpublished": self.unpublished,
            "reason": self.reason,
        }


def _label(entries: list[EntryResult]) -> list[str]:
    return [f"{e.jurisdiction} {e.entry}" for e in entries]


def _relevant(result: Classification, statement: MakerStatement) -> list[EntryResult]:
    wanted = statement.jurisdiction
    entries = [e for e in result.entries if wanted is None or e.jurisdiction == wanted]
    if statement.entries:
        entries = [
            e
            for e in entries
            if any(e.id == x or e.id.startswith(x + ".") for x in statement.entries)
        ]
    return entries


def _eccn_matches(maker: str, engine_entry: str) -> bool:
    a = maker.strip().upper().rstrip(".")
    b = engine_entry.strip().upper().split(" ")[0].rstrip(".")
    return a == b or b.startswith(a + ".") or a.startswith(b + ".")


def compare(
    product: Product,
    statement: MakerStatement,
    *,
    classification: Classification | None = None,
) -> Comparison:
    as_of = statement.as_of
    result = classification or classify(
        {"product": product.name},
        as_of,
        jurisdictions={statement.jurisdiction} if statement.jurisdiction else None,
    )
    entries = _relevant(result, statement)
    met = [e for e in entries if e.status is Status.MET]
    und = [e for e in entries if e.status is Status.UNDETERMINED]
    missing = sorted({m for e in und for m in e.missing})
    unpublished = [m for m in missing if product.unpublished_note(m) is not None]
    comp = Comparison(
        product=product.name,
        statement=statement,
        as_of=as_of,
        outcome=OPEN,
        engine="",
        met=_label(met),
        undetermined=_label(und),
        missing=missing,
        unpublished=unpublished,
    )
    jur = statement.jurisdiction or "US"

    def short(names: list[str]) -> str:
        return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")

    if met:
        comp.engine = f"{jur}: meets {short(comp.met)}"
    elif und:
        comp.engine = f"{jur}: undetermined ({short(comp.undetermined)})"
    elif entries:
        comp.engine = f"{jur}: meets no encoded entry"
    else:
        comp.engine = f"{jur}: no encoded entry in force applies"

    if statement.basis != "list":
        comp.outcome = NOT_COMPARABLE
        comp.reason = (
            f"the statement rests on {statement.basis.replace('_', '-')} requirements, not on the "
            "control list; `classify` cannot show it (use `determine`)"
        )
        return comp

    if statement.claim == "controlled":
        if met:
            comp.outcome = AGREES
        elif und:
            comp.outcome = OPEN
            comp.reason = _open_reason(comp)
        else:
            comp.outcome = DISAGREES
            comp.reason = "the maker says the item is controlled; the engine meets no entry"
    elif statement.claim == "not_controlled":
        if met:
            comp.outcome = DISAGREES
            comp.reason = "the maker says the item is not controlled; the engine meets an entry"
        elif und:
            comp.outcome = OPEN
            comp.reason = _open_reason(comp)
        else:
            comp.outcome = AGREES
    else:  # eccn
        _compare_eccn(comp, statement, entries, met, und)
    return comp


def _open_reason(comp: Comparison) -> str:
    text = "the engine cannot decide"
    if comp.missing:
        text += f" without {', '.join(comp.missing)}"
    if comp.unpublished:
        text += f" (not published by the maker: {', '.join(comp.unpublished)})"
    return text


def _compare_eccn(
    comp: Comparison,
    statement: MakerStatement,
    entries: list[EntryResult],
    met: list[EntryResult],
    und: list[EntryResult],
) -> None:
    eccn = statement.eccn or ""
    if eccn.upper() == "EAR99":
        if met:
            comp.outcome = DISAGREES
            comp.reason = "the maker says EAR99; the engine meets a CCL entry"
        elif und:
            comp.outcome = OPEN
            comp.reason = _open_reason(comp)
        else:
            comp.outcome = AGREES
        return
    same = [e for e in met if _eccn_matches(eccn, e.entry)]
    if same:
        comp.outcome = AGREES
        return
    encoded = [e for e in entries if _eccn_matches(eccn, e.entry)]
    if met:
        comp.outcome = DISAGREES
        comp.reason = f"the maker says {eccn}; the engine meets {', '.join(comp.met)}"
        return
    if any(e.status is Status.UNDETERMINED for e in encoded) or (und and not encoded):
        comp.outcome = OPEN
        comp.reason = _open_reason(comp)
        return
    if encoded:
        comp.outcome = DISAGREES
        comp.reason = f"the maker says {eccn}; the engine finds {eccn} not met"
        return
    comp.outcome = NOT_COMPARABLE
    comp.reason = f"{eccn} is not encoded in the rulebook; the engine meets no encoded entry"


def compare_product(product: Product) -> list[Comparison]:
    return [compare(product, s) for s in product.statements]


def compare_catalog(catalog: Catalog | None = None) -> list[Comparison]:
    catalog = catalog or load_catalog()
    out: list[Comparison] = []
    for product in catalog.products:
        out.extend(compare_product(product))
    return out


START_MARKER = "<!-- generated: chipcontrols catalog statements -->"
END_MARKER = "<!-- end generated -->"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def statements_markdown(comparisons: list[Comparison]) -> str:
    """The generated part of docs/maker-statements.md: one row a statement, then the findings."""
    counts: dict[str, int] = {}
    for c in comparisons:
        counts[c.outcome] = counts.get(c.outcome, 0) + 1
    lines = [
        START_MARKER,
        "",
        f"{len(comparisons)} statements on "
        f"{len({c.product for c in comparisons})} products: "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in (AGREES, DISAGREES, OPEN, NOT_COMPARABLE))
        + ".",
        "",
        "| product | maker said (date) | claim | as of | engine | outcome | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        s = c.statement
        claim = f"ECCN {s.eccn}" if s.claim == "eccn" else f"{s.claim} ({s.jurisdiction})"
        if s.basis != "list":
            claim += f", basis {s.basis}"
        link = f"[{_cell(s.source)}]({s.url})" if s.url else _cell(s.source)
        lines.append(
            f"| {_cell(c.product)} | {link} ({s.date}) | {claim} | {c.as_of} | "
            f"{_cell(c.engine)} | **{c.outcome}** | {_cell(c.reason)} |"
        )
    findings = [c for c in comparisons if c.outcome in (DISAGREES, NOT_COMPARABLE)]
    lines += ["", "### Disagreements and statements the classification cannot check", ""]
    if not findings:
        lines.append("None.")
    for c in findings:
        s = c.statement
        text = f"- **{c.product}** ({s.date}, {c.outcome}): {c.reason}."
        if s.note:
            text += f" {_cell(s.note)}"
        lines.append(text)
    lines += ["", END_MARKER]
    return "\n".join(lines) + "\n"


def replace_generated(document: str, generated: str) -> str:
    start = document.index(START_MARKER)
    end = document.index(END_MARKER) + len(END_MARKER)
    return document[:start] + generated.rstrip("\n") + document[end:]


def unpublished_note(
    product_name: str | None, param: str, catalog: Catalog | None = None
) -> str | None:
    """Text for a question about `param` of a catalog product whose maker does not publish it.

    For use by the question texts of `determine`/`classify`: names the figure, says that the
    maker does not publish it (with the date it was checked) and cites the maker's own
    statements about the product, so the user sees what is known instead of a bare question.
    """
    if not product_name:
        return None
    product = (catalog or load_catalog()).find(product_name)
    if product is None:
        return None
    entry = product.unpublished_note(param)
    if entry is None:
        return None
    maker = product.maker or "The maker"
    text = (
        f"{maker} does not publish the {param} of the {product.name} "
        f"(catalog checked {entry['checked']}): {' '.join(str(entry['note']).split())}"
    )
    said = [
        f"{s.text} ({s.source}, {s.date})"
        for s in product.statements
        if s.claim in ("controlled", "not_controlled", "eccn")
    ]
    if said:
        text += " What the maker has said: " + " | ".join(" ".join(x.split()) for x in said)
    return text
