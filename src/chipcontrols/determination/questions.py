"""Questions the engine asks when a missing fact would decide a verdict.

A question whose wording names a provision is law data, kept beside the provision's law
(`law/<jurisdiction>/.../_questions.yaml`, inside the rulebook's version); the others are here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from chipcontrols.catalog.statements import unpublished_note
from chipcontrols.determination.record import Question
from chipcontrols.errors import LawError
from chipcontrols.rulebook import fields
from chipcontrols.rulebook.rulebook import LAW_DIR, Rulebook
from chipcontrols.rulebook.schema import Entry, Version
from chipcontrols.rulebook.yamlio import load_yaml_file

QUESTION_FILE = "_questions.yaml"


@cache
def law_questions(root: Path = LAW_DIR) -> dict[str, tuple[str, str]]:
    """{question id: (wording, answering field)} of every `_questions.yaml` under `law/`."""
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(root.rglob(QUESTION_FILE)):
        loc = path.relative_to(root).as_posix()
        raw = load_yaml_file(path, error=LawError)
        fields.keys(raw, loc=loc, required=("questions",), optional=())
        if not isinstance(raw["questions"], dict):
            raise LawError("'questions' must be a mapping", loc=f"{loc}:questions")
        for qid, body in raw["questions"].items():
            here = f"{loc}:questions.{qid}"
            fields.keys(body, loc=here, required=("text", "field", "cites"), optional=())
            fields.string(body["cites"], loc=f"{here}.cites")
            if qid in out:
                raise LawError(f"question {qid!r} is defined twice", loc=here)
            out[str(qid)] = (
                fields.string(body["text"], loc=f"{here}.text"),
                fields.string(body["field"], loc=f"{here}.field"),
            )
    return out


def law_question(qid: str) -> tuple[str, str]:
    """The wording and answering field of a question kept in the law."""
    try:
        return law_questions()[qid]
    except KeyError:
        raise LawError(f"no question {qid!r} in law/**/{QUESTION_FILE}") from None


_SHIPMENT_QUESTIONS: dict[str, tuple[str, str]] = {
    "end_user_hq_groups": (
        "Where are the end user, purchaser and ultimate consignee headquartered, and where is "
        "their ultimate parent company headquartered? (Is any of them headquartered in Country "
        "Group D:5 or Macau?)",
        "parties[].headquarters, parties[].ultimate_parent_country",
    ),
    "end_uses": (
        "Which of these end uses does the exporter know of: production of ICs at an advanced-node "
        "facility, IC production at a facility of unknown node, advanced-node IC design, a "
        "supercomputer, development or production of semiconductor manufacturing equipment, a "
        "datacenter, a military end use, a nuclear, missile or chemical/biological weapons end "
        "use, a military-intelligence end use - or none of these?",
        "end_uses",
    ),
    "us_direct_product": (
        "Is the foreign-made item the direct product of U.S. technology or software named in the "
        "foreign direct product rules, or made by a plant (or major component of a plant) that is?",
        "items[].us_direct_product",
    ),
    "contains_us_ic": (
        "Does the foreign-made item contain a U.S.-origin integrated circuit specified in CCL "
        "Category 3, 4 or 5?",
        "items[].contains_us_ic",
    ),
    "exporter_us_person": ("Is the exporter a U.S. person?", "exporter_us_person"),
    "item_eccn_bases": (
        "Which other ECCNs is the item specified in (or none)? The rulebook encodes the "
        "advanced-computing and semiconductor-equipment entries only.",
        "items[].item.described_in",
    ),
    "item_on_ccl": (
        "Is the item specified on the CCL (any ECCN), or is it EAR99?",
        "items[].item.described_in",
    ),
    "item_category3_bcde": (
        "Is the item specified in an ECCN of CCL Category 3, Product Group B, C, D or E?",
        "items[].item.described_in",
    ),
    "party_footnotes": (
        "Is any party on the Entity List with a footnote designation?",
        "parties",
    ),
    "subject_basis": ("Why is the item subject to the EAR?", "items[]"),
    "end_user_headquarters_groups": (
        "Where is the end user itself headquartered?",
        "parties[].headquarters",
    ),
    "end_user_majority_owned_by_d5_macau_hq": (
        "Is the end user majority-owned (more than 50%, directly or indirectly) by an entity "
        "headquartered in Macau or a Country Group D:5 destination?",
        "end_user_majority_owned_by_d5_macau_hq",
    ),
    "designed_ic_production_groups": (
        "Where will the advanced-node IC designed with the software be produced (ISO country)?",
        "design_ic_production_country",
    ),
    "item_ecad_tcad": (
        "Is the software electronic or technology computer-aided design (ECAD/TCAD) software?",
        "items[].ecad_tcad",
    ),
    "destination_region": (
        "Does the item go to Crimea, the so-called DNR or LNR regions of Ukraine, or none of "
        "these?",
        "destination_region",
    ),
    "ukraine_government_deployment": (
        "Is the export for a deployment by the Government of Ukraine to Crimea or the covered "
        "regions?",
        "ukraine_government_deployment",
    ),
}


def question_for(param: str, rulebook: Rulebook, *, rule_id: str | None = None) -> Question:
    found = _SHIPMENT_QUESTIONS.get(param) or law_questions().get(param)
    if found is not None:
        text, field = found
        return Question(id=param, text=text, field=field, rule_id=rule_id)
    if param.startswith("item_"):
        param = param.removeprefix("item_")
    declared = rulebook.parameters.get(param)
    description = declared.description if declared else param
    unit = f" (in {declared.unit})" if declared and declared.unit and declared.unit != "1" else ""
    return Question(
        id=param,
        text=f"What is the item's {param}{unit}? {description}",
        field=f"items[].item.{param}",
        rule_id=rule_id,
    )


def about_product(question: Question, product: str | None, param: str) -> Question:
    """A question about a catalog product's figure says when its maker does not publish it."""
    note = unpublished_note(product, param.removeprefix("item_")) if product else None
    if note:
        question.text = f"{question.text} {note}"
    return question


def review_question(entry: Entry, version: Version | None) -> Question:
    """The question for a rule left undetermined by a test the rulebook does not formalise."""
    detail = version.not_formalised if version is not None else None
    return Question(
        f"review:{entry.id}",
        f"{entry.entry} ({entry.title}) turns on a test the rulebook does not encode"
        + (f": {detail}" if detail else "")
        + ". Does it apply?",
        "items[]",
        entry.id,
    )
