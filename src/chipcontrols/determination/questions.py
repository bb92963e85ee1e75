"""Questions the engine asks when a missing fact would decide a verdict."""

from __future__ import annotations

from chipcontrols.determination.record import Question
from chipcontrols.rulebook.rulebook import Rulebook

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
        "datacenter, a military end use - or none of these?",
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
    "us_content_pct": (
        "What share of the foreign-made item's value is controlled U.S.-origin content (per Supp. "
        "No. 2 to part 734)?",
        "items[].us_content_pct",
    ),
    "certifications_748_supp2_dd": (
        "Will the applicant provide the information and certifications of Supp. No. 2 to part "
        "748, paragraph (dd)?",
        "certifications.supp2_748_dd",
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
}


def question_for(param: str, rulebook: Rulebook, *, rule_id: str | None = None) -> Question:
    if param in _SHIPMENT_QUESTIONS:
        text, field = _SHIPMENT_QUESTIONS[param]
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
