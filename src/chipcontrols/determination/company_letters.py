"""Company-specific licence requirements and BIS guidance, for one transaction line.

Two kinds of law that bind or warn particular persons rather than everyone:

- is-informed letters (15 CFR 744.21(b), 744.23(b), 744.11(c), 744.6(c)(1)): BIS tells one
  company that a licence is required for named items and destinations. The letters companies
  disclosed are law files (`law/us/ear/informed_letters.yaml`); a user records their own
  (`UserLetter`, kept by the service database and passed in). A letter applies when a party
  with role 'exporter' is the company informed.
- BIS's guidance of May 13, 2025 on General Prohibition 10 (15 CFR 736.2(b)(10)) and PRC
  advanced-computing ICs (`law/us/ear/licence/gp10_guidance.yaml`): a flagged item makes the
  verdict depend on the user's answer to the GP10 question; never a silent 'no licence'.

Both are condition trees over the facts of an `informed_shipment` (exporter names, item
designations and maker, route), evaluated with the rulebook's three-valued logic. These
functions are pure: they return what the EAR procedure must add (requirements, questions, a
trace node) and change nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache, partial
from pathlib import Path
from typing import Any

from chipcontrols.catalog import Catalog, load_catalog
from chipcontrols.classification.service import EntryEvaluator, facts_with_kind
from chipcontrols.determination.coverage import procedure_citation
from chipcontrols.determination.facts import GROUP_LISTS, country_groups, hq_groups
from chipcontrols.determination.questions import law_question, question_for
from chipcontrols.determination.record import Question, TraceNode, unique_questions
from chipcontrols.determination.transaction import Line, Transaction, country_code
from chipcontrols.errors import InputError, LawError, NotFoundError
from chipcontrols.model.items import Item
from chipcontrols.rulebook import fields
from chipcontrols.rulebook.conditions import AllOf, AnyOf, Compare, Node
from chipcontrols.rulebook.evaluate import Explanation, Facts, Status, evaluate, status_of
from chipcontrols.rulebook.rulebook import LAW_DIR, InForce, Rulebook, RulebookView
from chipcontrols.rulebook.schema import REVIEW_POLICIES
from chipcontrols.rulebook.yamlio import load_yaml_file

# The law kind these rules apply to (law/parameters/company_letters.yaml).
KIND = "informed_shipment"
STEP_LETTER = "informed_letter"  # effect.step of the letters in law/us/ear/informed_letters.yaml
STEP_GP10 = "gp10"  # effect.step of law/us/ear/licence/gp10_guidance.yaml
BASES_FILE = Path("us") / "ear" / "_letter_bases.yaml"
_MAX_WORDS = 16  # words of a name considered
_MAX_RUN = 6  # longest run of consecutive words kept as a designation
_MAX_LIST = 50
_MAX_TEXT = 4000


@cache
def letter_bases(root: Path = LAW_DIR) -> dict[str, str]:
    """{basis a letter names: its citation}: the provisions under which BIS informs a person
    that a licence is required (`law/us/ear/_letter_bases.yaml`, inside the rulebook version)."""
    return _bases_file(root)[0]


@cache
def letter_basis_titles(root: Path = LAW_DIR) -> dict[str, str]:
    """{basis: what it is about, in plain words} (the same file's `titles`)."""
    return _bases_file(root)[1]


@cache
def _bases_file(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    loc = BASES_FILE.as_posix()
    raw = load_yaml_file(root / BASES_FILE, error=LawError)
    fields.keys(raw, loc=loc, required=("bases",), optional=("titles",))
    if not isinstance(raw["bases"], dict) or not raw["bases"]:
        raise LawError("'bases' must be a non-empty mapping", loc=f"{loc}:bases")
    bases = {str(k): fields.string(v, loc=f"{loc}:bases.{k}") for k, v in raw["bases"].items()}
    titles_raw = raw.get("titles") or {}
    if not isinstance(titles_raw, dict):
        raise LawError("'titles' must be a mapping", loc=f"{loc}:titles")
    titles = {str(k): fields.string(v, loc=f"{loc}:titles.{k}") for k, v in titles_raw.items()}
    unknown = sorted(set(titles) - set(bases))
    if unknown:
        raise LawError(f"titles for bases not listed: {unknown}", loc=f"{loc}:titles")
    return bases, titles


# ------------------------------------------------------------------ names


def words(name: str) -> list[str]:
    """Lower-case runs of letters and digits ('NVIDIA HGX H20-96GB' -> nvidia, hgx, h20, 96gb)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.findall(r"[0-9a-z]+", text)[:_MAX_WORDS]


def token(name: str) -> str:
    """A name as one token: its words joined ('Ascend 910B' -> 'ascend910b')."""
    return "".join(words(name))


def name_tokens(names: Iterable[str]) -> frozenset[str]:
    """Every run of up to six consecutive words of each name, joined: how law files and
    letters name companies and products ('NVIDIA HGX H20' -> nvidia, hgx, h20, nvidiahgx,
    hgxh20, nvidiahgxh20). A run is made of whole words, so 'h20' never matches 'H200'."""
    out: set[str] = set()
    for name in names:
        parts = words(name)
        for i in range(len(parts)):
            for j in range(i + 1, min(len(parts), i + _MAX_RUN) + 1):
                out.add("".join(parts[i:j]))
    return frozenset(out)


# ------------------------------------------------------------------ user letters


@dataclass(frozen=True)
class UserLetter:
    """A letter from BIS to the user's company, recorded by the user.

    `products` are names (matched as whole words against the item's names, as in the law
    files) or patterns with '*' ('MI3*'); `destinations` are ISO codes, Country Groups
    ('D:5') or 'Macau'; with `headquarters` the letter also covers companies headquartered
    (or with an ultimate parent headquartered) there. In force from `effective` until the day
    before `ends` (the day BIS lifted it), if given.
    """

    id: str
    exporters: tuple[str, ...]
    products: tuple[str, ...]
    destinations: tuple[str, ...]
    basis: str
    effective: dt.date
    reference: str
    text: str
    headquarters: bool = False
    ends: dt.date | None = None
    review_policy: str | None = None

    def in_force(self, as_of: dt.date) -> bool:
        return self.effective <= as_of and (self.ends is None or as_of < self.ends)

    @property
    def rule_id(self) -> str:
        return f"user_letter:{self.id}"

    def citation(self) -> str:
        return letter_bases()[self.basis]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "exporters": list(self.exporters),
            "products": list(self.products),
            "destinations": list(self.destinations),
            "headquarters": self.headquarters,
            "basis": self.basis,
            "effective": self.effective.isoformat(),
            "ends": self.ends.isoformat() if self.ends else None,
            "reference": self.reference,
            "text": self.text,
            "review_policy": self.review_policy,
        }

    def condition(self) -> Node:
        """The letter as a condition tree over the facts of an informed shipment."""
        exporters = AnyOf(
            tuple(Compare("exporter_names", "contains", token(e)) for e in self.exporters),
            label=f"the exporter is {' / '.join(self.exporters)}, the company informed",
        )
        products = AnyOf(
            tuple(
                Compare(_pattern_fact(p), "==", True)
                if "*" in p
                else Compare("item_designations", "contains", token(p))
                for p in self.products
            ),
            label=f"the item is {' / '.join(self.products)}",
        )
        places: list[Node] = []
        for where in self.destinations:
            places.append(Compare("informed_destination_groups", "contains", where))
            if self.headquarters:
                places.append(Compare("informed_party_hq_groups", "contains", where))
        route = AnyOf(
            tuple(places),
            label=f"to {', '.join(self.destinations)}"
            + (" or to companies headquartered there" if self.headquarters else ""),
        )
        return AllOf((exporters, products, route), label=f"letter {self.reference}")


def _pattern_fact(pattern: str) -> str:
    return f"item_designation_like:{pattern.casefold()}"


def _text_list(raw: Any, *, loc: str, what: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or len(raw) > _MAX_LIST:
        raise InputError(f"give 1 to {_MAX_LIST} {what}", loc=loc)
    out: list[str] = []
    for i, value in enumerate(raw):
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise InputError(
                f"each of the {what} is a name of 1 to 200 characters", loc=f"{loc}[{i}]"
            )
        out.append(value.strip())
    return tuple(out)


def _date(raw: Any, *, loc: str) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise InputError(f"bad date {str(raw)[:40]!r}; write YYYY-MM-DD", loc=loc)


def _destination(raw: str, *, loc: str) -> str:
    upper = raw.strip().upper()
    if upper in GROUP_LISTS:
        return upper
    if upper == "MACAU":
        return "Macau"
    return country_code(raw, loc=loc)


_LETTER_KEYS = {
    "id",
    "exporters",
    "products",
    "destinations",
    "headquarters",
    "basis",
    "effective",
    "ends",
    "reference",
    "text",
    "review_policy",
}


def parse_letter(raw: Any, *, loc: str = "letter", letter_id: str | None = None) -> UserLetter:
    """A user's letter from its mapping, checked field by field (InputError names the field)."""
    if not isinstance(raw, Mapping):
        raise InputError("a letter is a mapping (exporters, products, destinations, ...)", loc=loc)
    extra = sorted(str(k) for k in set(raw) - _LETTER_KEYS)
    if extra:
        raise InputError(
            f"unknown field(s) {extra}; allowed: {', '.join(sorted(_LETTER_KEYS))}", loc=loc
        )
    for key in ("exporters", "products", "destinations", "basis", "effective", "reference"):
        if raw.get(key) in (None, "", []):
            raise InputError(f"missing '{key}'", loc=f"{loc}.{key}")
    basis = raw["basis"]
    bases = letter_bases()
    if basis not in bases:
        raise InputError(f"'basis' is one of {', '.join(bases)}", loc=f"{loc}.basis")
    products = _text_list(raw["products"], loc=f"{loc}.products", what="products")
    for i, product in enumerate(products):
        if not token(product.replace("*", "")):
            raise InputError(
                "a product names a model (letters or digits)", loc=f"{loc}.products[{i}]"
            )
    exporters = _text_list(raw["exporters"], loc=f"{loc}.exporters", what="exporters")
    for i, exporter in enumerate(exporters):
        if not token(exporter):
            raise InputError("an exporter is a company name", loc=f"{loc}.exporters[{i}]")
    places = _text_list(raw["destinations"], loc=f"{loc}.destinations", what="destinations")
    destinations = tuple(
        _destination(p, loc=f"{loc}.destinations[{i}]") for i, p in enumerate(places)
    )
    headquarters = raw.get("headquarters", False)
    if not isinstance(headquarters, bool):
        raise InputError("'headquarters' is true or false", loc=f"{loc}.headquarters")
    effective = _date(raw["effective"], loc=f"{loc}.effective")
    ends = None if raw.get("ends") in (None, "") else _date(raw["ends"], loc=f"{loc}.ends")
    if ends is not None and ends <= effective:
        raise InputError("'ends' must be after 'effective'", loc=f"{loc}.ends")
    reference = raw["reference"]
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 200:
        raise InputError(
            "'reference' identifies the letter (its date and number), 1 to 200 characters",
            loc=f"{loc}.reference",
        )
    text = raw.get("text") or ""
    if not isinstance(text, str) or len(text) > _MAX_TEXT:
        raise InputError(f"'text' is at most {_MAX_TEXT} characters", loc=f"{loc}.text")
    policy = raw.get("review_policy")
    if policy is not None and policy not in REVIEW_POLICIES:
        raise InputError(
            f"'review_policy' is one of {', '.join(REVIEW_POLICIES)}", loc=f"{loc}.review_policy"
        )
    ident = letter_id if letter_id is not None else raw.get("id")
    if not isinstance(ident, str) or not ident.strip():
        ident = "unsaved"
    return UserLetter(
        id=ident.strip(),
        exporters=exporters,
        products=products,
        destinations=destinations,
        headquarters=headquarters,
        basis=basis,
        effective=effective,
        ends=ends,
        reference=reference.strip(),
        text=text.strip(),
        review_policy=policy,
    )


# ------------------------------------------------------------------ results


@dataclass
class CompanyRequirement:
    """A requirement for the procedure to add (same fields as ear.Requirement, plus verdict:
    'licence_required' for a letter, 'prohibited' for GP10)."""

    rule_id: str
    step: str
    citation: str
    text: str
    review_policy: str | None
    verdict: str
    url: str | None = None
    note: str | None = None


@dataclass
class CompanyOutcome:
    requirements: list[CompanyRequirement] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    trace: TraceNode | None = None

    @property
    def undetermined(self) -> bool:
        return bool(self.questions)


# ------------------------------------------------------------------ facts


def _catalog_product(item: Item, catalog: Catalog | None) -> Any:
    if not item.product:
        return None
    try:
        return (catalog or load_catalog()).get(item.product)
    except NotFoundError:
        return None


def _item_names(item: Item, raw_item: Any, catalog: Catalog | None) -> tuple[list[str], list[str]]:
    """(designations, makers) of an item and its components, as given and from the catalog."""
    names = [n for n in (item.name, item.product) if n]
    makers: list[str] = []
    product = _catalog_product(item, catalog)
    if product is not None:
        names.extend(product.aliases)
        if product.maker:
            makers.append(str(product.maker))
    if isinstance(raw_item, Mapping) and isinstance(raw_item.get("maker"), str):
        makers.append(raw_item["maker"])
    raw_components = raw_item.get("components") if isinstance(raw_item, Mapping) else None
    for i, component in enumerate(item.components):
        raw = (
            raw_components[i]
            if isinstance(raw_components, list) and i < len(raw_components)
            else None
        )
        more_names, more_makers = _item_names(component, raw, catalog)
        names.extend(more_names)
        makers.extend(more_makers)
    return names, makers


def _flag(item: Item, name: str) -> bool | None:
    """An item parameter, or the first value a component gives (True wins)."""
    values = [item.values.get(name)] + [_flag(c, name) for c in item.components]
    if True in values:
        return True
    if False in values:
        return False
    return None


def informed_txn_facts(rulebook: Rulebook, view: RulebookView, txn: Transaction) -> dict[str, Any]:
    """The facts of an `informed_shipment` that every line of the transaction shares."""
    values: dict[str, Any] = {
        "informed_destination_groups": frozenset(
            country_groups(rulebook, txn.destination, view.as_of)
        ),
    }
    exporters = txn.parties_in("exporter")
    if exporters:
        values["exporter_names"] = name_tokens(
            n for party in exporters for n in (party.name, *party.aliases)
        )
    hq, _ = hq_groups(rulebook, txn.parties, view.as_of)
    if hq is not None:
        values["informed_party_hq_groups"] = frozenset(hq)
    return values


def informed_facts(
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    line: Line,
    *,
    catalog: Catalog | None = None,
    patterns: Sequence[str] = (),
    shared: Mapping[str, Any] | None = None,
) -> Facts:
    """The facts of an `informed_shipment`: one line seen with its exporter and route
    (`shared`: the transaction's part, from `informed_txn_facts`)."""
    raw_item = line.raw.get("item") if isinstance(line.raw, Mapping) else None
    designations, makers = _item_names(line.item, raw_item, catalog)
    item_tokens = name_tokens(designations)
    values = dict(shared if shared is not None else informed_txn_facts(rulebook, view, txn))
    values["item_designations"] = item_tokens
    values["item_makers"] = name_tokens(makers)
    values["prc_3a090_ic"] = bool(_flag(line.item, "prc_3a090_ic"))
    known = _flag(line.item, "gp10_violation_known")
    if known is not None:
        values["gp10_violation_known"] = known
    for pattern in patterns:
        wanted = re.sub(r"[^0-9a-z*]", "", unicodedata.normalize("NFKC", pattern).casefold())
        values[_pattern_fact(pattern)] = any(fnmatchcase(d, wanted) for d in item_tokens)
    return Facts(values, name=line.item.name or line.item.product)


# ------------------------------------------------------------------ evaluation


def _same(explanation: Explanation) -> Explanation:
    return explanation


def _law_rules(view: RulebookView, step: str) -> list[InForce]:
    key = f"company_letters:{step}"
    found: list[InForce] | None = view.memo.get(key)
    if found is None:
        found = view.memo[key] = [
            f
            for f in view.in_force.values()
            if f.entry.jurisdiction == "US"
            and KIND in f.entry.applies_to
            and f.version.effect is not None
            and f.version.effect.step == step
        ]
    return found


def _questions(
    rulebook: Rulebook, rule_id: str, title: str, explanation: Explanation, hint: str | None
) -> list[Question]:
    out: list[Question] = []
    for param in explanation.all_missing():
        if param == "exporter_names":
            out.append(
                Question(
                    "exporter",
                    f"Who is the exporter? {title} binds only the company BIS informed; name the "
                    "party with role 'exporter' (and its aliases).",
                    "parties[].role=exporter",
                    rule_id,
                )
            )
        elif param == "informed_party_hq_groups":
            out.append(question_for("end_user_hq_groups", rulebook, rule_id=rule_id))
        elif param == "gp10_violation_known":
            gp10_text, gp10_field = law_question("gp10_violation_known")
            out.append(
                Question("gp10_violation_known", f"{title}: {gp10_text}", gp10_field, rule_id)
            )
        else:
            out.append(question_for(param, rulebook, rule_id=rule_id))
    if not out:
        out.append(
            Question(
                f"review:{rule_id}",
                f"{title} turns on a test the rulebook does not encode"
                + (f": {hint}" if hint else "")
                + ". Does it apply?",
                "items[]",
                rule_id,
            )
        )
    return out


def _not_formalised_text(explanation: Explanation) -> str | None:
    """The first not-formalised test that left the condition undetermined."""
    if explanation.status is not Status.UNDETERMINED:
        return None
    if explanation.text.startswith("not formalised: "):
        return explanation.text.removeprefix("not formalised: ")
    for child in explanation.children:
        found = _not_formalised_text(child)
        if found:
            return found
    return None


def _evaluate_rules(
    rulebook: Rulebook,
    view: RulebookView,
    line: Line,
    facts: Facts,
    step: str,
    node: TraceNode,
    outcome: CompanyOutcome,
) -> None:
    items = EntryEvaluator(view)
    item_facts = facts_with_kind(line.item)

    def resolve(entry_id: str, _facts: Facts) -> tuple[Status, Explanation] | None:
        return items.resolve(entry_id, item_facts)  # `ref` names the item's own entries

    def status(entry_id: str, _facts: Facts) -> Status | None:
        return items.status(entry_id, item_facts)

    for in_force in _law_rules(view, step):
        version, entry = in_force.version, in_force.entry
        assert version.condition is not None and version.effect is not None
        # The fast path first: most lines meet no letter, and their explanation is built only
        # when the trace is read.
        found = status_of(version.condition, facts, status)
        if found is Status.NOT_MET:
            node.children.append(
                TraceNode(
                    f"{entry.entry}: {entry.title}",
                    version.source.citation,
                    found.value,
                    detail=f"version of {version.effective}",
                    explain=partial(evaluate, version.condition, facts, resolve),
                )
            )
            continue
        explanation = evaluate(version.condition, facts, resolve)
        node.children.append(
            TraceNode(
                f"{entry.entry}: {entry.title}",
                version.source.citation,
                explanation.status.value,
                detail=f"version of {version.effective}",
                explain=partial(_same, explanation),
            )
        )
        title = f"{entry.entry} ({entry.title})"
        if explanation.status is Status.MET:
            outcome.requirements.append(
                CompanyRequirement(
                    entry.id,
                    step,
                    version.source.citation,
                    f'{title}: "{version.text}"',
                    version.effect.review_policy,
                    version.effect.verdict or "licence_required",
                    version.source.url,
                    " ".join(p for p in (version.notes, version.not_formalised) if p) or None,
                )
            )
        elif explanation.status is Status.UNDETERMINED:
            hint = _not_formalised_text(explanation) or version.not_formalised
            outcome.questions.extend(_questions(rulebook, entry.id, title, explanation, hint))


def _outcome(node: TraceNode, outcome: CompanyOutcome, met: str) -> CompanyOutcome:
    outcome.questions = unique_questions(outcome.questions)
    if outcome.requirements:
        node.outcome = met
    elif outcome.questions:
        node.outcome = "undetermined"
    outcome.trace = node
    return outcome


def letter_requirements(
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    line: Line,
    user_letters: Sequence[UserLetter] = (),
    *,
    catalog: Catalog | None = None,
    facts: Facts | None = None,
) -> CompanyOutcome:
    """The is-informed letters that apply to this line: those companies disclosed (law files)
    and the user's own (in force on the view's date). A met letter is a licence requirement;
    an undetermined one asks the questions that decide it (e.g. who the exporter is)."""
    mine = [letter for letter in user_letters if letter.in_force(view.as_of)]
    patterns = sorted({p for letter in mine for p in letter.products if "*" in p})
    if facts is None or patterns:
        facts = informed_facts(rulebook, view, txn, line, catalog=catalog, patterns=patterns)
    node = TraceNode(
        "company-specific requirements (is-informed letters)",
        procedure_citation(rulebook, "letters", view.as_of),
        "no letter applies",
    )
    outcome = CompanyOutcome()
    _evaluate_rules(rulebook, view, line, facts, STEP_LETTER, node, outcome)
    for letter in mine:
        explanation = evaluate(letter.condition(), facts, lambda *_: None)
        node.children.append(
            TraceNode(
                f"user letter {letter.reference}",
                letter.citation(),
                explanation.status.value,
                detail=f"recorded letter {letter.id}, in force from {letter.effective}",
                explain=partial(_same, explanation),
            )
        )
        title = f"Letter {letter.reference} ({letter.citation()})"
        if explanation.status is Status.MET:
            outcome.requirements.append(
                CompanyRequirement(
                    letter.rule_id,
                    STEP_LETTER,
                    f"{letter.citation()}; letter {letter.reference} (recorded {letter.id})",
                    f"{title}: " + (f'"{letter.text}"' if letter.text else "licence required"),
                    letter.review_policy,
                    "licence_required",
                )
            )
        elif explanation.status is Status.UNDETERMINED:
            outcome.questions.extend(_questions(rulebook, letter.rule_id, title, explanation, None))
    return _outcome(node, outcome, "licence required")


def gp10_flags(
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    line: Line,
    *,
    catalog: Catalog | None = None,
    facts: Facts | None = None,
) -> CompanyOutcome:
    """BIS's GP10 guidance for this line: a flagged item without the user's answer gives the
    question (the verdict is then undetermined); with the presumption standing, GP10 forbids
    proceeding ('prohibited', unless BIS authorises it)."""
    if facts is None:
        facts = informed_facts(rulebook, view, txn, line, catalog=catalog)
    node = TraceNode(
        "General Prohibition 10 (guidance on PRC advanced-computing ICs)",
        procedure_citation(rulebook, "gp10", view.as_of),
        "item not flagged",
    )
    outcome = CompanyOutcome()
    _evaluate_rules(rulebook, view, line, facts, STEP_GP10, node, outcome)
    return _outcome(node, outcome, "prohibited")
