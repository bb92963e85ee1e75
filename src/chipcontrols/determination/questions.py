"""Questions the engine asks when a missing fact would decide a verdict."""

from __future__ import annotations

from chipcontrols.catalog.statements import unpublished_note
from chipcontrols.determination.record import Question
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.rulebook.schema import Entry, Version

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
    "end_user_headquarters_groups": (
        "Where is the end user itself headquartered?",
        "parties[].headquarters",
    ),
    "end_user_majority_owned_by_d5_macau_hq": (
        "Is the end user majority-owned (more than 50%, directly or indirectly) by an entity "
        "headquartered in Macau or a Country Group D:5 destination?",
        "end_user_majority_owned_by_d5_macau_hq",
    ),
    "foreign_same_function_item_available": (
        "Is an item performing the same function, not subject to this licence requirement, "
        "available from a foreign source (744.23(d)(3)(ii))?",
        "foreign_same_function_item_available",
    ),
    "designed_ic_production_groups": (
        "Where will the advanced-node IC designed with the software be produced (ISO country)?",
        "design_ic_production_country",
    ),
    "item_ecad_tcad": (
        "Is the software electronic or technology computer-aided design (ECAD/TCAD) software?",
        "items[].ecad_tcad",
    ),
    "item_eu_annex_i": (
        "Is the item listed in Annex I of Regulation (EU) 2021/821 (an EU dual-use item)?",
        "items[].item",
    ),
    "item_eu_833_annex_vii": (
        "Is the item listed in Annex VII of Regulation (EU) No 833/2014 (advanced technology "
        "items for Russia)?",
        "items[].item.eu_833_annex_vii",
    ),
    "item_hts_codes": (
        "What is the item's Harmonized Tariff Schedule code (e.g. 8542.31.0000)? Part 746 names "
        "EAR99 items by it.",
        "items[].hts_code",
    ),
    "item_ccl_categories": (
        "Which ECCNs is the item specified in (or is it EAR99)? The CCL category decides part 746.",
        "items[].item.described_in",
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
