"""The EAR procedure for one transaction, in the order of part 732 (15 CFR 732.2-732.4 and
the decision tree of Supplement No. 1 to part 732): is the item subject to the EAR, what the
CCL requires for the destination, then end uses, end users, U.S. persons, licence exceptions
and the review policy. Each step records a trace node with its citation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from chipcontrols.classification.service import EntryEvaluator
from chipcontrols.determination.company_letters import (
    CompanyOutcome,
    UserLetter,
    gp10_flags,
    informed_facts,
    informed_txn_facts,
    letter_requirements,
)
from chipcontrols.determination.coverage import (
    Coverage,
    eccn_question,
    eccn_reasons_question,
    procedure_citation,
    procedure_text,
    step_question,
    us_coverage,
)
from chipcontrols.determination.facts import (
    LineFacts,
    ShipmentEvaluator,
    country_groups,
    item_facts_of,
    line_facts,
    txn_facts,
)
from chipcontrols.determination.facts import (
    possible as _possible,
)
from chipcontrols.determination.parties import ListedParty, OwnedParty
from chipcontrols.determination.questions import about_product, question_for, review_question
from chipcontrols.determination.record import (
    POLICY_SEVERITY,
    SEVERITY,
    ExceptionOption,
    Question,
    Reason,
    TraceNode,
    Verdict,
    unique_questions,
)
from chipcontrols.determination.transaction import Line, Transaction
from chipcontrols.rulebook.conditions import Compare
from chipcontrols.rulebook.evaluate import Facts, Status, status_of
from chipcontrols.rulebook.rulebook import InForce, Rulebook, RulebookView
from chipcontrols.rulebook.schema import Version

SCOPE_NOTE = (
    "The verdict rests on the EAR provisions the rulebook encodes: its `coverage` names the "
    "steps and the ECCNs whose licence requirements are encoded on the date (chipcontrols rules "
    "coverage lists every provision); an item in another ECCN is answered undetermined."
)
_PART_744_STEPS = ("end_use", "end_user", "us_person")
# The steps whose rules are shipment rules in law/ (effect.step), in the order of part 732.
_STEPS = ("ccl", "end_use", "us_person", "embargo")  # citations: us.ear.procedure.step_<step>
_RFF_EXCLUDED = "us.ear.740_26.excluded_eccns"  # its first version dates the exception


@dataclass
class Requirement:
    rule_id: str
    step: str
    citation: str
    text: str
    review_policy: str | None
    url: str | None = None
    note: str | None = None
    exceptions: list[ExceptionOption] = field(default_factory=list)


@dataclass
class LineResult:
    index: int
    name: str
    verdict: str
    review_policy: str | None = None
    requirements: list[Requirement] = field(default_factory=list)
    exceptions: list[ExceptionOption] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    trace: list[TraceNode] = field(default_factory=list)


def _rules_for(view: RulebookView, step: str, kind: str) -> list[InForce]:
    """The step's rules that can be met for an item of this kind (cached on the view). Every
    version that may be applied (including ones a not-enforced version gives way to) counts."""
    key = f"ear.step:{step}:{kind}"
    found: list[InForce] | None = view.memo.get(key)
    if found is None:
        found = view.memo[key] = [
            f
            for f in _rules(view, step)
            if any(
                v.condition is not None and _possible(view, v.condition, kind)
                for v in f.entry.versions
                if v.effective <= view.as_of
            )
        ]
    return found


def _rules(view: RulebookView, step: str) -> list[InForce]:
    """Shipment rules of the US for one step, in rulebook file order (cached on the view)."""
    key = f"ear.step:{step}"
    found: list[InForce] | None = view.memo.get(key)
    if found is None:
        found = view.memo[key] = [
            f
            for f in view.in_force.values()
            if f.entry.jurisdiction == "US"
            and "shipment" in f.entry.applies_to
            and f.version.effect is not None
            and f.version.effect.step == step
        ]
    return found


def _reads(view: RulebookView, entry_id: str, version: Version) -> frozenset[str]:
    """The parameters a version's condition compares (cached on the view)."""
    key = ("ear.reads", entry_id, version.effective)
    found: frozenset[str] | None = view.memo.get(key)
    if found is None:
        condition = version.condition
        found = view.memo[key] = frozenset(
            n.param for n in (condition.walk() if condition else ()) if isinstance(n, Compare)
        )
    return found


def _note(version: Version, not_enforced: str | None) -> str | None:
    """The version's own note, and why a later version was not applied."""
    parts = [
        p
        for p in (version.notes, not_enforced and f"Later version not enforced: {not_enforced}")
        if p
    ]
    return " ".join(parts) or None


class EarProcedure:
    def __init__(
        self,
        rulebook: Rulebook,
        view: RulebookView,
        txn: Transaction,
        listed: list[ListedParty] | None,
        owned: list[OwnedParty] | None = None,
        letters: Sequence[UserLetter] = (),
    ) -> None:
        self.rulebook = rulebook
        self.letters = tuple(letters)
        self._informed: Facts | None = None
        self.view = view
        self.txn = txn
        self.listed = listed
        self.owned = owned or []
        self._line: Line | None = None
        self._line_values: dict[str, Any] = {}
        self._base: dict[str, Any] | None = None
        self._txn_possible: dict[str, bool] = {}
        self._base_facts: Facts | None = None
        self._base_key: frozenset[tuple[str, Any]] = frozenset()
        self._applicable_cache: dict[tuple[str, str], list[InForce]] = {}
        self.coverage = us_coverage(rulebook, view.as_of)
        self._informed_shared: dict[str, Any] | None = None

    def _txn_base(self, footnotes: set[str] | None) -> dict[str, Any]:
        if self._base is None:
            self._base = txn_facts(self.rulebook, self.view, self.txn, footnotes)
        return self._base

    def _cite(self, key: str) -> str:
        return procedure_citation(self.rulebook, key, self.view.as_of)

    def _say(self, template: str) -> str:
        """A text that names provisions: each `{key}` is the short citation of
        `us.ear.procedure.<key>` on the date (formatted once per rulebook and date)."""
        return procedure_text(self.rulebook, template, self.view.as_of)

    def _applicable(self, evaluator: ShipmentEvaluator, step: str, kind: str) -> list[InForce]:
        """The step's rules that may apply to this kind of item in this transaction."""
        key = (step, kind)
        found = self._applicable_cache.get(key)
        if found is None:
            found = self._applicable_cache[key] = [
                f for f in _rules_for(self.view, step, kind) if self._possible_for_txn(evaluator, f)
            ]
        return found

    def _possible_for_txn(self, evaluator: ShipmentEvaluator, in_force: InForce) -> bool:
        """False when the rule is not met whatever the items: evaluated on the transaction's
        own facts with every item fact and reference unknown (Kleene logic is monotone, so a
        'not met' here stays 'not met' once the item is known)."""
        found = self._txn_possible.get(in_force.entry.id)
        if found is None:
            if self._base_facts is None:
                assert self._base is not None  # built by the line's facts first
                base = {k: v for k, v in self._base.items() if k[0] != "_"}
                self._base_facts = Facts(base)
                self._base_key = frozenset(base.items())
            # The answer depends only on the law and these facts: shared by every
            # transaction with the same route, parties' countries and end uses.
            key = ("ear.txn_possible", in_force.entry.id, self._base_key)
            found = self.view.memo.get(key)
            if found is None:
                version, _ = evaluator.applied(in_force)
                if version is None or version.condition is None:
                    found = True
                else:
                    status = status_of(
                        version.condition, self._base_facts, lambda *_: Status.UNDETERMINED
                    )
                    found = status is not Status.NOT_MET
                if len(self.view.memo) > 200_000:
                    self.view.memo.clear()
                self.view.memo[key] = found
            self._txn_possible[in_force.entry.id] = found
        return found

    # ------------------------------------------------------------------ helpers

    def _evaluate(
        self, evaluator: ShipmentEvaluator, in_force: InForce, *, missing_facts: bool = True
    ) -> tuple[Status, list[str], TraceNode, Version | None]:
        version, not_enforced = evaluator.applied(in_force)
        entry = in_force.entry
        if version is None or version.condition is None:
            node = TraceNode(
                entry.entry,
                in_force.version.source.citation,
                "not applied",
                detail=not_enforced or "no version in force",
            )
            return Status.NOT_MET, [], node, None
        # Through the evaluator's memo: later rules that refer to this one reuse the answer.
        found = evaluator.status(entry.id, evaluator.shipment)
        status = Status.NOT_MET if found is None else found
        label_key = ("ear.label", entry.id, version.effective)
        labels: tuple[str, str] | None = self.view.memo.get(label_key)
        if labels is None:
            detail = f"version of {version.effective}"
            if not_enforced:
                detail += f"; later version not enforced: {not_enforced}"
            labels = (f"{entry.entry}: {entry.title}", detail)
            self.view.memo[label_key] = labels
        node = TraceNode(
            labels[0],
            version.source.citation,
            status.value,
            detail=labels[1],
            explain=partial(evaluator.explain, version),
        )
        missing: list[str] = []
        if status is Status.UNDETERMINED and missing_facts:
            if "item_eccn_bases" in _reads(self.view, entry.id, version) and (
                evaluator.shipment.values.get("item_eccn_bases") is None
            ):
                # The item's ECCNs decide this rule: that one question comes first.
                missing = ["item_eccn_bases"]
            else:
                missing = evaluator.explain(version).all_missing()
        return status, missing, node, version

    def _questions(self, missing: list[str], rule_id: str) -> list[Question]:
        if not missing:
            # Undetermined without a missing fact: a test the rulebook does not formalise.
            entry = self.rulebook.entries[rule_id]
            return [review_question(entry, entry.version_at(self.view.as_of))]
        product = self._line.item.product if self._line is not None else None
        return [
            about_product(question_for(p, self.rulebook, rule_id=rule_id), product, p)
            for p in missing
        ]

    # ------------------------------------------------------------------ the procedure

    def run_line(self, index: int, line: Line) -> LineResult:
        name = line.item.name or line.item.product or line.item.kind
        result = LineResult(index=index, name=name, verdict="undetermined")
        footnotes = self._footnotes()
        items = EntryEvaluator(self.view)
        item_facts = item_facts_of(line)
        basis, subject, subject_trace, subject_questions = self._subject(
            line, footnotes, items, item_facts
        )
        result.trace.append(subject_trace)
        # GP10 guidance presumes the flagged ICs subject to the EAR (as foreign direct products):
        # it is read whatever the subject step found.
        if self._informed_shared is None:
            self._informed_shared = informed_txn_facts(self.rulebook, self.view, self.txn)
        informed = informed_facts(
            self.rulebook, self.view, self.txn, line, shared=self._informed_shared
        )
        self._informed = informed
        gp10 = gp10_flags(self.rulebook, self.view, self.txn, line, facts=informed)
        if gp10.trace is not None:
            result.trace.append(gp10.trace)
        if gp10.requirements:
            result.verdict = "prohibited"
            for flag in gp10.requirements:
                result.reasons.append(
                    Reason(flag.rule_id, flag.citation, flag.text, flag.url, flag.note)
                )
            result.questions = unique_questions(gp10.questions)
            return result
        if subject is Status.NOT_MET:
            self._not_subject(result, line, footnotes, items, item_facts)
            if gp10.questions and result.verdict in ("not_subject", "no_licence_required"):
                result.verdict = "undetermined"
            result.questions = unique_questions(result.questions + gp10.questions)
            return result
        if subject is Status.UNDETERMINED:
            result.questions.extend(subject_questions)
        facts = line_facts(
            self.rulebook,
            self.view,
            self.txn,
            line,
            subject_basis=basis,
            footnotes=footnotes,
            items=items,
            item_facts=item_facts,
            base=self._txn_base(footnotes),
        )
        evaluator = ShipmentEvaluator(self.view, item_facts, Facts(facts.values), items)
        self._line, self._line_values = line, facts.values
        undetermined: list[Question] = []
        for step in _STEPS:
            citation = self._cite(f"step_{step}")
            if step == "embargo" and step not in self.coverage.steps:
                continue  # asked below by _embargo_step until part 746 is encoded
            result.trace.append(self._step(result, evaluator, step, citation, undetermined))
            if step == "ccl":
                result.trace.append(self._classification_coverage(result, facts, undetermined))
        result.trace.append(self._end_user_step(result, facts))
        self._company_letters(result, line, undetermined)
        undetermined.extend(gp10.questions)
        if "end_user" not in self.coverage.steps:
            undetermined.append(step_question(self.coverage, "end_user", self.rulebook))
        if "embargo" not in self.coverage.steps:
            result.trace.append(self._embargo_step(result))
        if subject is Status.UNDETERMINED:
            result.verdict = "undetermined"
            result.questions.extend(undetermined)
            result.reasons.append(
                Reason(
                    "us.ear.734.3",
                    self._cite("subject_foreign"),
                    "Whether the foreign-made item is subject to the EAR turns on facts not given.",
                )
            )
            result.questions = unique_questions(result.questions)
            return result
        self._exceptions_and_policy(result, evaluator)
        if result.requirements:
            result.verdict = (
                "licence_exception_available" if result.exceptions else ("licence_required")
            )
            if undetermined:
                result.questions.extend(undetermined)
        elif undetermined or result.questions:
            result.verdict = "undetermined"
            result.questions.extend(undetermined)
            result.reasons.append(
                Reason(
                    "us.ear",
                    self._cite("undetermined"),
                    "A licence requirement turns on facts not given; see the questions.",
                )
            )
        else:
            result.verdict = "no_licence_required"
            result.reasons.append(
                Reason(
                    "us.ear",
                    self._cite("no_licence"),
                    "No licence requirement of the encoded EAR provisions applies to this item, "
                    "destination, end use and parties on this date.",
                    note=SCOPE_NOTE,
                )
            )
        for req in result.requirements:
            result.reasons.append(Reason(req.rule_id, req.citation, req.text, req.url, req.note))
        result.questions = unique_questions(result.questions)
        return result

    # ------------------------------------------------------------------ steps

    def _footnotes(self) -> set[str] | None:
        if self.listed is None:
            return None
        return {
            f"FN{n}" for hit in self.listed if hit.match and not hit.cleared for n in hit.footnotes
        }

    def _step(
        self,
        result: LineResult,
        evaluator: ShipmentEvaluator,
        step: str,
        citation: str,
        undetermined: list[Question],
    ) -> TraceNode:
        """One step's shipment rules: each met rule is a requirement, each undetermined one
        asks the facts that would decide it. A step the rulebook does not encode on this date
        is itself a question."""
        node = TraceNode(step, citation, "no requirement")
        if step not in self.coverage.steps:
            node.outcome = "undetermined"
            node.detail = f"not encoded on {self.view.as_of} (see {self.coverage.list_ids[0]})"
            undetermined.append(step_question(self.coverage, step, self.rulebook))
            return node
        assert self._line is not None
        applicable = self._applicable(evaluator, step, self._line.item.kind)
        skipped = len(_rules(self.view, step)) - len(applicable)
        if skipped:
            node.detail = (
                f"{skipped} rule(s) cannot apply to this kind of item, destination, "
                "end use or parties"
            )
        for in_force in applicable:
            status, missing, child, version = self._evaluate(evaluator, in_force)
            node.children.append(child)
            if status is Status.MET and version is not None and version.effect is not None:
                result.requirements.append(
                    Requirement(
                        in_force.entry.id,
                        step,
                        version.source.citation,
                        f'{in_force.entry.entry} ({in_force.entry.title}): "{version.text}"',
                        version.effect.review_policy,
                        version.source.url,
                        _note(version, evaluator.applied(in_force)[1]),
                    )
                )
                node.outcome = "licence required"
            elif status is Status.UNDETERMINED:
                undetermined.extend(self._questions(missing, in_force.entry.id))
                if node.outcome == "no requirement":
                    node.outcome = "undetermined"
        return node

    def _company_letters(
        self, result: LineResult, line: Line, undetermined: list[Question]
    ) -> None:
        """Is-informed letters (744.21(b), 744.23(b), ...): those companies disclosed (law) and
        the user's recorded ones bind the exporter they were sent to."""
        out: CompanyOutcome = letter_requirements(
            self.rulebook, self.view, self.txn, line, self.letters, facts=self._informed
        )
        if out.trace is not None:
            result.trace.append(out.trace)
        for found in out.requirements:
            # Step 'end_user': like a part 744 requirement, it bars NAC/ACA (740.8(b)).
            result.requirements.append(
                Requirement(
                    found.rule_id,
                    "end_user",
                    found.citation,
                    found.text,
                    found.review_policy,
                    found.url,
                    found.note,
                )
            )
        undetermined.extend(out.questions)

    def _classification_coverage(
        self, result: LineResult, facts: LineFacts, undetermined: list[Question]
    ) -> TraceNode:
        """The CCL step decides only for ECCNs whose licence requirements are encoded: an item
        that meets no encoded entry and states no ECCN, or that is in an ECCN whose Country
        Chart reasons are not encoded, leaves the CCL step undetermined."""
        covered = self.coverage.classifications
        node = TraceNode(
            "classification coverage",
            self.coverage.citation or self._cite("classification"),
            "covered",
        )
        if any(r.step == "ccl" for r in result.requirements) or "ccl" not in self.coverage.steps:
            node.outcome = "not needed" if result.requirements else node.outcome
            return node
        bases: frozenset[str] | None = facts.values.get("item_eccn_bases")
        assert self._line is not None
        if bases is None:
            node.outcome = "undetermined"
            node.detail = "the item meets no encoded CCL entry and states no ECCN (described_in)"
            undetermined.append(eccn_question(self.coverage, self._line.item.kind))
            return node
        outside = sorted(bases - covered)
        node.inputs = {"eccns": sorted(bases) or ["EAR99"]}  # no base: EAR99
        if outside:
            node.outcome = "undetermined"
            node.detail = "licence requirements not encoded for " + ", ".join(outside)
            undetermined.extend(eccn_reasons_question(self.coverage, e) for e in outside)
        else:
            node.detail = "every ECCN of the item has its licence requirements encoded"
        return node

    def _not_subject(
        self,
        result: LineResult,
        line: Line,
        footnotes: set[str] | None,
        items: EntryEvaluator,
        item_facts: Facts,
    ) -> None:
        """An item not subject to the EAR may still need a licence: 744.6(c)(2) controls a
        U.S. person's shipping, transmitting or servicing of items not subject to the EAR."""
        facts = line_facts(
            self.rulebook,
            self.view,
            self.txn,
            line,
            subject_basis=None,
            footnotes=footnotes,
            items=items,
            item_facts=item_facts,
            base=self._txn_base(footnotes),
            subject_to_ear=False,
        )
        evaluator = ShipmentEvaluator(self.view, item_facts, Facts(facts.values), items)
        self._line, self._line_values = line, facts.values
        undetermined: list[Question] = []
        result.trace.append(
            self._step(result, evaluator, "us_person", self._cite("step_us_person"), undetermined)
        )
        for req in result.requirements:
            result.reasons.append(Reason(req.rule_id, req.citation, req.text, req.url, req.note))
        if result.requirements:
            result.verdict = "licence_required"
            result.review_policy = max(
                (r.review_policy for r in result.requirements if r.review_policy),
                key=lambda p: POLICY_SEVERITY.get(p, 0),
                default=None,
            )
            result.questions.extend(undetermined)
        elif undetermined:
            result.verdict = "undetermined"
            result.questions.extend(undetermined)
            result.reasons.append(
                Reason(
                    "us.ear.744_6",
                    self._cite("not_subject_us_person"),
                    "The item is not subject to the EAR, but the U.S.-person controls on items "
                    "not subject to the EAR turn on facts not given; see the questions.",
                )
            )
        else:
            result.verdict = "not_subject"
            result.reasons.append(
                Reason(
                    "us.ear.734.3",
                    self._cite("subject"),
                    self._say(
                        "The item is neither in the United States nor of U.S. origin, and no de "
                        "minimis or foreign direct product rule encoded here makes it subject to "
                        "the EAR; no U.S.-person control of {step_us_person} applies."
                    ),
                    note=SCOPE_NOTE,
                )
            )
        result.questions = unique_questions(result.questions)

    def _subject(
        self, line: Line, footnotes: set[str] | None, items: EntryEvaluator, item_facts: Facts
    ) -> tuple[str | None, Status, TraceNode, list[Question]]:
        txn = self.txn
        node = TraceNode("subject to the EAR", self._cite("subject"), "")
        if txn.export_from == "US":
            node.outcome = "subject"
            node.detail = self._say("{subject_in_us}: all items in the United States")
            return "in_united_states", Status.MET, node, []
        if line.made_in == "US":
            node.outcome = "subject"
            node.detail = self._say("{subject_us_origin}: all U.S.-origin items wherever located")
            return "us_origin", Status.MET, node, []
        if "subject" not in self.coverage.steps:
            node.outcome = "undetermined"
            node.detail = (
                f"de minimis and the foreign direct product rules are not encoded on "
                f"{self.view.as_of}"
            )
            return (
                None,
                Status.UNDETERMINED,
                node,
                [step_question(self.coverage, "subject", self.rulebook)],
            )
        if line.made_in is None:
            node.outcome = "undetermined"
            node.detail = "the country of manufacture is not given"
            question = Question(
                "made_in",
                "Where was the item made (ISO country code)? A U.S.-origin item is "
                "subject to the EAR wherever it is.",
                "items[].made_in",
            )
            return None, Status.UNDETERMINED, node, [question]
        facts = line_facts(
            self.rulebook,
            self.view,
            txn,
            line,
            subject_basis=None,
            footnotes=footnotes,
            items=items,
            item_facts=item_facts,
            base=self._txn_base(footnotes),
        )
        evaluator = ShipmentEvaluator(self.view, item_facts, Facts(facts.values), items)
        statuses: list[Status] = []
        questions: list[Question] = []
        basis: str | None = None
        bases = {
            "us.ear.734.de_minimis": "us_content_above_de_minimis",
            "us.ear.734.de_minimis_sme": "no_de_minimis_sme",
            "us.ear.734.fdp_h_advanced_computing": "fdp_advanced_computing",
            "us.ear.734.fdp_k_sme": "fdp_sme",
            "us.ear.734.fdp_e_footnote_1": "fdp_footnote_1",
            "us.ear.734.fdp_e_footnote_4": "fdp_footnote_4",
            "us.ear.734.fdp_e_footnote_5": "fdp_footnote_5",
            "us.ear.734.de_minimis_a3_lithography": "no_de_minimis_lithography",
            "us.ear.734.de_minimis_fn5": "no_de_minimis_fn5",
            "us.ear.734.fdp_b_national_security": "fdp_national_security",
            "us.ear.734.fdp_i_supercomputer": "fdp_supercomputer",
            "us.ear.734.fdp_f_russia_belarus": "fdp_russia_belarus",
        }
        for in_force in _rules_for(self.view, "subject", line.item.kind):
            if not self._possible_for_txn(evaluator, in_force):
                continue
            status, missing, child, _ = self._evaluate(evaluator, in_force)
            node.children.append(child)
            statuses.append(status)
            if status is Status.MET and basis is None:
                basis = bases.get(in_force.entry.id, in_force.entry.id)
            elif status is Status.UNDETERMINED:
                questions.extend(self._questions(missing, in_force.entry.id))
        if basis is not None:
            node.outcome = "subject"
            node.detail = f"foreign-made item subject to the EAR ({basis})"
            return basis, Status.MET, node, []
        if Status.UNDETERMINED in statuses:
            node.outcome = "undetermined"
            node.detail = "foreign-made item: de minimis or a foreign direct product rule may apply"
            return None, Status.UNDETERMINED, node, questions
        node.outcome = "not subject"
        node.detail = "foreign-made item below de minimis and outside the encoded FDP rules"
        return None, Status.NOT_MET, node, []

    def _end_user_step(self, result: LineResult, facts: LineFacts) -> TraceNode:
        node = TraceNode("end user: Entity List", self._cite("end_user"), "no listed party")
        if self.listed is None:
            node.outcome = "not screened"
            return node
        best: dict[str, ListedParty] = {}
        for hit in self.listed:
            node.children.append(
                TraceNode(
                    f"{hit.party.role} {hit.party.name!r} ~ {hit.listed_name!r}",
                    ", ".join(hit.citations) or self._say("{entity_list}"),
                    "cleared by analyst" if hit.cleared else ("match" if hit.match else "no match"),
                    detail=f"score {hit.score:.3f}; entry {hit.entry_id}; snapshot {hit.snapshot}",
                )
            )
            if hit.cleared:
                continue
            if not hit.match and not hit.possible:
                continue
            if not hit.match:
                # A possible hit is a question for an analyst, never silently ignored.
                result.questions.append(
                    Question(
                        f"entity_list_possible:{hit.entry_id}",
                        f"Is {hit.party.name!r} ({hit.party.role.replace('_', ' ')}) the listed "
                        f"party {hit.listed_name!r} (Entity List entry {hit.entry_id}, score "
                        f"{hit.score:.2f})? Record a judgement (confirmed or cleared) to decide.",
                        "parties",
                        f"us.ear.744_11:{hit.entry_id}",
                    )
                )
                if node.outcome == "no listed party":
                    node.outcome = "undetermined"
                continue
            current = best.get(hit.party.name)
            if current is None or hit.score > current.score:
                best[hit.party.name] = hit
        for hit in best.values():
            requirement = hit.licence_requirement or "For all items subject to the EAR"
            covers_all = requirement.lower().startswith("for all items subject to the ear")
            citation = self._cite("end_user") + " (" + (", ".join(hit.citations) or "listing") + ")"
            policy = hit.review_policy or self._say("see {entity_list_rule}")
            text = (
                f"{hit.party.name} ({hit.party.role.replace('_', ' ')}) matches the Entity List "
                f"entry {hit.listed_name!r}: licence requirement '{requirement}'; review "
                f"policy '{policy}'"
            )
            if covers_all:
                listed_req = Requirement(
                    f"us.ear.744_11:{hit.entry_id}", "end_user", citation, text, "as_listed"
                )
                rff = self._rff(listed_req, hit)
                if rff is not None:
                    listed_req.exceptions.append(rff)
                result.requirements.append(listed_req)
                node.outcome = "licence required"
            else:
                result.questions.append(
                    Question(
                        f"entity_list:{hit.entry_id}",
                        f"Does the Entity List licence requirement '{requirement}' of "
                        f"{hit.listed_name!r} cover this item?",
                        "parties",
                        f"us.ear.744_11:{hit.entry_id}",
                    )
                )
                node.outcome = "undetermined"
        for owned in self.owned:
            child = TraceNode(
                f"ownership of {owned.party.name!r}",
                owned.citation,
                owned.status,
                detail=f"{owned.owned_percent:g}% owned by listed parties",
            )
            node.children.append(child)
            if owned.status == "applies":
                result.requirements.append(
                    Requirement(
                        "us.ear.744.affiliates_rule",
                        "end_user",
                        owned.citation,
                        f"{owned.party.name} is owned {owned.owned_percent:g}% (50% or more) by "
                        f"listed parties: the affiliates rule applies their Entity List licence "
                        f'requirements ("{owned.text}")',
                        "as_listed",
                    )
                )
                node.outcome = "licence required"
            elif owned.status == "undetermined":
                for text in owned.questions or ["What share of the party do listed owners hold?"]:
                    result.questions.append(
                        Question(
                            f"ownership:{owned.party.name}",
                            text,
                            "parties[].owners",
                            "us.ear.744.affiliates_rule",
                        )
                    )
                if node.outcome == "no listed party":
                    node.outcome = "undetermined"
        return node

    def _rff(self, requirement: Requirement, hit: ListedParty) -> ExceptionOption | None:
        """License Exception RFF (740.26) for an entity whose entry refers to 740.26: items
        outside the SME ECCNs, not for advanced-node IC production."""
        if self._say("{rff}") not in (hit.licence_requirement or "") or self._line is None:
            return None
        excluded = self.rulebook.lists[_RFF_EXCLUDED].version_at(self.view.as_of)
        if excluded is None:
            return None  # the exception does not exist yet
        facts = self._line_values
        bases = facts.get("item_eccn_bases")
        uses = facts.get("end_uses")
        if bases is None or uses is None:
            return None  # unknown ECCN or end use: the exception cannot be confirmed
        if bases & excluded.members or "advanced_node_ic_production" in uses:
            return None
        return ExceptionOption(
            "RFF",
            "us.ear.740_26",
            excluded.source.citation,
            excluded.notes or "",
        )

    def _embargo_step(self, result: LineResult) -> TraceNode:
        groups = country_groups(self.rulebook, self.txn.destination, self.view.as_of)
        node = TraceNode(
            "embargoed destinations", self._cite("embargo"), "not an E:1/E:2 destination"
        )
        if groups & {"E:1", "E:2"}:
            node.outcome = "undetermined"
            node.detail = self._say("{embargo} embargoes are not encoded")
            result.questions.append(
                Question(
                    "part_746",
                    f"{self.txn.destination} is in Country Group E:1 or E:2: "
                    + self._say(
                        "the embargo rules of {embargo} (not encoded here) require a licence for "
                        "most items; has it been checked?"
                    ),
                    "destination",
                    "us.ear.746",
                )
            )
        return node

    def _exceptions_and_policy(self, result: LineResult, evaluator: ShipmentEvaluator) -> None:
        """Licence exceptions, each overcoming the requirements it names; the verdict is
        'licence exception available' only when every requirement is overcome."""
        if not result.requirements:
            return
        node = TraceNode("licence exceptions", self._cite("exceptions"), "none available")
        part_744 = [r for r in result.requirements if r.step in _PART_744_STEPS]
        required = {r.rule_id for r in result.requirements}
        for in_force in _rules_for(
            self.view, "exception", self._line.item.kind if self._line else ""
        ):
            effect = in_force.version.effect
            if effect is not None and effect.overcomes and not required & set(effect.overcomes):
                continue  # overcomes none of this line's requirements
            if not self._possible_for_txn(evaluator, in_force):
                continue
            status, _, child, version = self._evaluate(evaluator, in_force)
            node.children.append(child)
            if status is not Status.MET or version is None or version.effect is None:
                continue
            covered = set(version.effect.overcomes)
            # 740.8(b) / 744.23(c): no NAC or ACA where part 744 requires a licence, save the
            # 744.23(a)(3) headquarters requirement the exception names itself.
            if any(r.rule_id not in covered for r in part_744) and in_force.entry.id in (
                "us.ear.740.nac",
                "us.ear.740.aca",
            ):
                child.detail += self._say(
                    "; restricted by {nac_aca_restriction}: a {end_controls} licence requirement "
                    "applies"
                )
                continue
            for name in version.effect.exceptions:
                option = ExceptionOption(
                    name, in_force.entry.id, version.source.citation, version.notes or ""
                )
                for requirement in result.requirements:
                    if requirement.rule_id in covered:
                        requirement.exceptions.append(option)
        if all(r.exceptions for r in result.requirements):
            seen: set[str] = set()
            for requirement in result.requirements:
                for option in requirement.exceptions:
                    if option.name not in seen:
                        seen.add(option.name)
                        result.exceptions.append(option)
            node.outcome = "available: " + ", ".join(sorted(seen))
        elif any(r.exceptions for r in result.requirements):
            node.outcome = "partial: some requirements have no exception"
        result.trace.append(node)
        policy_node = TraceNode("review policy", self._cite("review_policy"), "")
        undecided: list[str] = []
        for in_force in _rules(self.view, "review_policy"):
            if not self._possible_for_txn(evaluator, in_force):
                continue
            status, _, child, version = self._evaluate(evaluator, in_force, missing_facts=False)
            policy_node.children.append(child)
            if status is Status.MET and version is not None and version.effect is not None:
                result.review_policy = version.effect.review_policy
                policy_node.outcome = f"{result.review_policy} ({in_force.entry.entry})"
                break
            if status is Status.UNDETERMINED:
                # A paragraph whose facts are missing (e.g. 744.23(d)(2) ownership) is passed
                # over; the trace names it, as the policy it gives may be more lenient.
                undecided.append(in_force.entry.entry)
        if undecided:
            policy_node.detail = "passed over for want of facts (see the trace): " + "; ".join(
                undecided
            )
        if result.review_policy is None:
            policies = [r.review_policy for r in result.requirements if r.review_policy]
            if policies:
                result.review_policy = max(policies, key=lambda p: POLICY_SEVERITY.get(p, 0))
                policy_node.outcome = f"{result.review_policy} (strictest of the requirements)"
        # Part 746 policies, and any requirement reviewed under a policy of denial, stand beside
        # the CCL policy: the strictest wins (a licence must overcome each requirement).
        for requirement in result.requirements:
            policy = requirement.review_policy
            strict = requirement.step == "embargo" or policy == "denial"
            if (
                strict
                and policy
                and POLICY_SEVERITY.get(policy, 0)
                > POLICY_SEVERITY.get(result.review_policy or "", -1)
            ):
                result.review_policy = policy
                policy_node.outcome = f"{policy} ({requirement.rule_id})"
        if any(r.review_policy == "as_listed" for r in result.requirements):
            listed = "as_listed"
            if POLICY_SEVERITY.get(listed, 0) > POLICY_SEVERITY.get(result.review_policy or "", -1):
                result.review_policy = listed
        result.trace.append(policy_node)


def combine(
    jurisdiction: str,
    lines: list[LineResult],
    scope_note: str | None,
    coverage: Coverage | None = None,
) -> Verdict:
    """The transaction's verdict: the strictest of its lines', with all reasons and questions."""
    verdict = max((line.verdict for line in lines), key=lambda v: SEVERITY[v])
    policies = [line.review_policy for line in lines if line.review_policy]
    policy = max(policies, key=lambda p: POLICY_SEVERITY.get(p, 0)) if policies else None
    out = Verdict(
        jurisdiction=jurisdiction,
        verdict=verdict,
        review_policy=policy,
        scope_note=scope_note,
        coverage=coverage.to_dict() if coverage is not None else None,
    )
    if coverage is not None:
        out.trace.append(coverage.trace())
    seen_reasons: set[tuple[str, str]] = set()
    seen_exc: set[str] = set()
    for line in lines:
        for reason in line.reasons:
            key = (reason.rule_id, reason.text)
            if key not in seen_reasons:
                seen_reasons.add(key)
                out.reasons.append(reason)
        out.questions.extend(line.questions)
        if verdict == "licence_exception_available":
            for exc in line.exceptions:
                if exc.name not in seen_exc:
                    seen_exc.add(exc.name)
                    out.licence_exceptions.append(exc)
        out.trace.append(
            TraceNode(f"item {line.index + 1}: {line.name}", "", line.verdict, children=line.trace)
        )
        out.lines.append(
            {
                "index": line.index,
                "item": line.name,
                "verdict": line.verdict,
                "review_policy": line.review_policy,
                "licence_exceptions": [e.name for e in line.exceptions],
            }
        )
    out.questions = unique_questions(out.questions)
    return out
