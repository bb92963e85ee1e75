"""`assess(deal, as_of)`: every investment-screening regime's verdict for a deal on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.investment.deal import Deal, parse_deal
from chipcontrols.investment.engine import RegimeRules, assess_rules
from chipcontrols.investment.result import RegimeVerdict
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook

# Every regime is a rule file law/fdi/<file>.yaml (kind `deal`), assessed by the generic
# procedure of `engine.assess_rules`: regime code -> the rule file's id, in answer order.
REGIMES: dict[str, str] = {
    "UK-NSI": "uk.nsi",
    "DE-AWV": "de.awv",
    "NL-VIFO": "nl.vifo",
    "IT-GOLDEN-POWER": "it.gp",
    "EU-FDI": "eu.fdi",
    "US-CFIUS": "us.cfius",
    "US-OUTBOUND": "us.outbound",
    "NL-VIFO-RETRO": "nl.vifo_retro",
    "NL-WBG": "nl.wbg",
    "CN-SAMR": "cn.samr",
    "JP-FEFTA": "jp.fefta",
    "KR-ITPA": "kr.itpa",
    "TW-MAINLAND": "tw.mainland",
}
# Names kept for callers that list the regimes (the CLI's --regime check).
PROCEDURES = REGIMES


@dataclass
class InvestmentAssessment:
    as_of: dt.date
    rulebook_version: str
    deal: Deal
    verdicts: list[RegimeVerdict] = field(default_factory=list)

    def verdict(self, regime: str) -> RegimeVerdict:
        for verdict in self.verdicts:
            if verdict.regime == regime:
                return verdict
        raise KeyError(regime)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "rulebook_version": self.rulebook_version,
            "deal": self.deal.to_dict(),
            "verdicts": [v.to_dict() for v in self.verdicts],
        }


def assess(
    deal: Deal | dict[str, Any],
    as_of: dt.date | None = None,
    *,
    regimes: set[str] | None = None,
    rulebook_version: str | None = None,
    rulebook: Rulebook | None = None,
) -> InvestmentAssessment:
    """Assess a deal (a Deal or its YAML/JSON mapping) under every regime on `as_of`.

    `rulebook` and `rulebook_version` pin an archived law folder (replays of past
    assessments).
    """
    as_of = as_of or dt.date.today()
    checked = deal if isinstance(deal, Deal) else parse_deal(deal)
    book = rulebook or load_rulebook()
    verdicts = [
        assess_rules(RegimeRules(regime, family, book), checked, as_of)
        for regime, family in REGIMES.items()
        if regimes is None or regime in regimes
    ]
    return InvestmentAssessment(as_of, rulebook_version or book.version, checked, verdicts)
