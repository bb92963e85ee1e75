"""Licence requirements of the EU dual-use regulation and of national lists (NL, JP, GB) for
listed items: the item's classification in that jurisdiction decides, then the destination."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chipcontrols.classification.service import Classification
from chipcontrols.determination.ear import LineResult, combine
from chipcontrols.determination.questions import question_for
from chipcontrols.determination.record import (
    ExceptionOption,
    Question,
    Reason,
    TraceNode,
    Verdict,
    unique_questions,
)
from chipcontrols.determination.transaction import Transaction
from chipcontrols.rulebook.evaluate import Status
from chipcontrols.rulebook.rulebook import Rulebook

CHIP_KINDS = frozenset({"integrated_circuit", "memory_ic", "computer"})


@dataclass(frozen=True)
class Regime:
    jurisdiction: str
    name: str
    citation: str
    requirement: str
    scope_note: str
    # Item kinds for which the encoded entries cover the instrument ("sme": the equipment
    # kinds, "all": every kind); for other kinds an unmet entry does not mean "not listed".
    covers: str = "sme"


REGIMES = {
    "EU": Regime(
        "EU",
        "Regulation (EU) 2021/821",
        "Regulation (EU) 2021/821, Art. 3(1) (Regulation (EC) No 428/2009, Art. 3(1), "
        "before 9 Sept. 2021)",
        "An authorisation shall be required for the export of dual-use items listed in Annex I.",
        "EU verdicts cover the Annex I Category 3B entries encoded in the rulebook; catch-all "
        "controls (Arts. 4, 5, 9, 10) and national brokering or transit rules are not encoded.",
    ),
    "NL": Regime(
        "NL",
        "Regeling geavanceerde productieapparatuur voor halfgeleiders",
        "Regeling geavanceerde productieapparatuur voor halfgeleiders (Stcrt. 2023, 18212), "
        "art. 2, as amended (Sept. 2024; 1 Apr. 2025), under Art. 9 of Regulation (EU) "
        "2021/821",
        "A licence is required for the export, outside the customs territory of the Union, of the "
        "goods listed in the annex.",
        "Dutch verdicts cover the national list of advanced semiconductor production equipment "
        "as far as its annex could be encoded (see the entries' confidence).",
        covers="all",
    ),
    "JP": Regime(
        "JP",
        "Foreign Exchange and Foreign Trade Act",
        "Foreign Exchange and Foreign Trade Act, art. 48(1); Export Trade Control Order, art. 1 "
        "and Appended Table 1, row 7; Goods Ordinance art. 6",
        "A person who intends to export goods listed in Appended Table 1 to a specified region "
        "must obtain the permission of the Minister of Economy, Trade and Industry.",
        "Japanese verdicts say whether a licence (permission) is required; whether a general "
        "bulk licence is available to a given destination is not encoded.",
    ),
    "GB": Regime(
        "GB",
        "Export Control Order 2008",
        "Export Control Order 2008 (S.I. 2008/3231), art. 4 and Schedule 3 (PL9013-PL9015 as "
        "inserted by S.I. 2024/346 and omitted by S.I. 2025/1197)",
        "The export ... of the following goods, software or technology, is prohibited to any "
        "destination [without a licence].",
        "UK verdicts cover PL9013-PL9015 only (1 Apr. 2024 - 15 Dec. 2025); the UK's retained "
        "dual-use list is not encoded.",
        covers="none",
    ),
}


def applicable_regimes(txn: Transaction, rulebook: Rulebook, as_of: dt.date) -> list[str]:
    """Which non-US regimes govern this export: the exporter's jurisdiction decides."""
    out: list[str] = []
    if txn.export_from in rulebook.members("eu.lists.member_states", as_of):
        out.append("EU")
    if txn.export_from in ("NL", "JP", "GB"):
        out.append(txn.export_from)
    return out


def determine_listed(
    regime: Regime,
    txn: Transaction,
    classifications: list[Classification],
    rulebook: Rulebook,
) -> Verdict:
    as_of = classifications[0].as_of
    eu_members = rulebook.members("eu.lists.member_states", as_of)
    lines: list[LineResult] = []
    for index, classification in enumerate(classifications):
        item = classification.item
        name = item.name or item.product or item.kind
        result = LineResult(index=index, name=name, verdict="undetermined")
        mine = [e for e in classification.entries if e.jurisdiction == regime.jurisdiction]
        met = [e for e in mine if e.status is Status.MET]
        open_ = [e for e in mine if e.status is Status.UNDETERMINED]
        node = TraceNode(
            f"{regime.jurisdiction} list",
            regime.citation,
            ", ".join(e.entry for e in met) or ("undetermined" if open_ else "not listed"),
            inputs={
                "entries_met": [e.entry for e in met],
                "entries_undetermined": [e.entry for e in open_],
            },
        )
        result.trace.append(node)
        inside_eu = txn.destination in eu_members and regime.jurisdiction in ("EU", "NL")
        domestic = txn.destination == txn.export_from or txn.transfer == "in_country"
        if domestic or inside_eu:
            result.verdict = "no_licence_required"
            where = "within the Union" if inside_eu else "within the country"
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.export",
                    regime.citation,
                    f"The transfer stays {where}: the export requirement does not apply.",
                )
            )
            lines.append(result)
            continue
        if met:
            result.verdict = "licence_required"
            for entry in met:
                result.reasons.append(
                    Reason(
                        entry.id,
                        entry.citation,
                        f"{entry.entry} ({entry.title}) is met: {regime.requirement}",
                        entry.url,
                        entry.not_formalised,
                    )
                )
            if regime.jurisdiction == "EU":
                _eu001(result, txn, rulebook, as_of)
        elif open_:
            result.verdict = "undetermined"
            for entry in open_:
                for param in entry.missing:
                    result.questions.append(question_for(param, rulebook, rule_id=entry.id))
                if entry.not_formalised and not entry.missing:
                    result.questions.append(
                        question_for(f"not_formalised:{entry.id}", rulebook, rule_id=entry.id)
                    )
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    "Whether the item is listed turns on facts not given: "
                    + ", ".join(e.entry for e in open_),
                )
            )
        elif not _covered(regime, item.kind):
            result.verdict = "undetermined"
            result.questions.append(
                Question(
                    f"listed:{regime.jurisdiction}",
                    f"Is the item listed under {regime.name} outside the entries the rulebook "
                    f"encodes? {regime.scope_note}",
                    "items[].item",
                    f"{regime.jurisdiction.lower()}.classification",
                )
            )
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    "The encoded entries do not cover this kind of item under this instrument; "
                    "whether it is listed elsewhere in it is not known.",
                    note=regime.scope_note,
                )
            )
        elif not mine:
            result.verdict = "no_licence_required"
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    f"No {regime.jurisdiction} entry in force on {as_of} applies to this kind "
                    "of item.",
                    note=regime.scope_note,
                )
            )
        else:
            result.verdict = "no_licence_required"
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    "The item meets none of the encoded entries: "
                    + ", ".join(e.entry for e in mine),
                    note=regime.scope_note,
                )
            )
        result.questions = unique_questions(result.questions)
        lines.append(result)
    return combine(regime.jurisdiction, lines, regime.scope_note)


def _covered(regime: Regime, kind: str) -> bool:
    if regime.covers == "all":
        return True
    if regime.covers == "none":
        return False
    return kind not in CHIP_KINDS


def _eu001(result: LineResult, txn: Transaction, rulebook: Rulebook, as_of: dt.date) -> None:
    dated = rulebook.lists.get("eu.lists.eu001_destinations")
    if dated is None:
        return
    version = dated.version_at(as_of)
    if version is None or txn.destination not in version.members:
        return
    result.verdict = "licence_exception_available"
    result.exceptions.append(
        ExceptionOption(
            "EU001",
            "eu.lists.eu001_destinations",
            version.source.citation,
            "Union general export authorisation EU001: register before first use and declare "
            "it in the customs declaration; not usable where the exporter has been informed of "
            "or knows of a WMD or military end use, or for items in Annex II Section I.",
        )
    )
