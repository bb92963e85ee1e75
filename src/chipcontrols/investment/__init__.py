"""Investment screening of semiconductor deals: UK NSI, DE AWV, NL Vifo, IT golden power,
the EU framework, CFIUS, the US outbound rule, and the NL, CN, JP, KR and TW regimes; each
regime is a rule file in law/fdi/, evaluated by one procedure (engine.py)."""

from chipcontrols.investment.deal import Deal, parse_deal
from chipcontrols.investment.result import RegimeVerdict, Verdict
from chipcontrols.investment.service import PROCEDURES, InvestmentAssessment, assess

__all__ = [
    "PROCEDURES",
    "Deal",
    "InvestmentAssessment",
    "RegimeVerdict",
    "Verdict",
    "assess",
    "parse_deal",
]
