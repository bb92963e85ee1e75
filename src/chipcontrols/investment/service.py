"""`assess(deal, as_of)`: every investment-screening regime's verdict for a deal on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.investment.deal import Deal, parse_deal
from chipcontrols.investment.engine import RegimeRules, assess_rules
from chipcontrols.investment.lawdata import FdiLaw, load_fdi_law
from chipcontrols.investment.regimes import (
    de_awv,
    eu_fdi,
    it_golden_power,
    nl_vifo,
    uk_nsi,
    us_cfius,
    us_outbound,
)
from chipcontrols.investment.result import RegimeVerdict
from chipcontrols.rulebook.rulebook import LAW_DIR, Rulebook, content_hash, load_rulebook

Procedure = Callable[[Deal, dt.date, FdiLaw], RegimeVerdict]

PROCEDURES: dict[str, Procedure] = {
    uk_nsi.REGIME: uk_nsi.assess,
    de_awv.REGIME: de_awv.assess,
    nl_vifo.REGIME: nl_vifo.assess,
    it_golden_power.REGIME: it_golden_power.assess,
    eu_fdi.REGIME: eu_fdi.assess,
    us_cfius.REGIME: us_cfius.assess,
    us_outbound.REGIME: us_outbound.assess,
}

# Regimes whose law is a rule file law/fdi/<file>.yaml (kind `deal`), assessed by the generic
# procedure of `engine.assess_rules`: regime code -> the rule file's id.
RULE_REGIMES: dict[str, str] = {
    "NL-VIFO-RETRO": "nl.vifo_retro",
    "NL-WBG": "nl.wbg",
    "CN-SAMR": "cn.samr",
    "JP-FEFTA": "jp.fefta",
    "KR-ITPA": "kr.itpa",
    "TW-MAINLAND": "tw.mainland",
}


def _rule_procedure(regime: str) -> Procedure:
    def procedure(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
        return assess_rules(RegimeRules(regime, RULE_REGIMES[regime], load_rulebook()), deal, as_of)

    return procedure


PROCEDURES.update({regime: _rule_procedure(regime) for regime in RULE_REGIMES})


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
    law: FdiLaw | None = None,
    regimes: set[str] | None = None,
    rulebook_version: str | None = None,
    rulebook: Rulebook | None = None,
) -> InvestmentAssessment:
    """Assess a deal (a Deal or its YAML/JSON mapping) under every regime on `as_of`.

    `law`, `rulebook` and `rulebook_version` pin an archived law folder (replays of past
    assessments): `law` its law/_fdi/ files, `rulebook` the rulebook loaded from it.
    """
    as_of = as_of or dt.date.today()
    checked = deal if isinstance(deal, Deal) else parse_deal(deal)
    law = law or load_fdi_law()
    book = rulebook or load_rulebook()
    verdicts = [
        assess_rules(RegimeRules(regime, RULE_REGIMES[regime], book), checked, as_of)
        if regime in RULE_REGIMES
        else procedure(checked, as_of, law)
        for regime, procedure in PROCEDURES.items()
        if regimes is None or regime in regimes
    ]
    version = rulebook_version or _rulebook_version()
    return InvestmentAssessment(as_of, version, checked, verdicts)


def _rulebook_version() -> str:
    """The content hash of law/ (it covers law/_fdi/), as named in every answer."""
    return _cached_hash()


_HASH: list[str] = []


def _cached_hash() -> str:
    if not _HASH:
        _HASH.append(content_hash(LAW_DIR))
    return _HASH[0]
