"""determine(): a transaction on a date -> one verdict per jurisdiction, replayable."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any

from chipcontrols import __version__
from chipcontrols.catalog import Catalog, load_catalog
from chipcontrols.classification import classify
from chipcontrols.determination.company_letters import UserLetter
from chipcontrols.determination.coverage import date_question, procedure_citation, us_coverage
from chipcontrols.determination.ear import SCOPE_NOTE, EarProcedure, combine
from chipcontrols.determination.national import applicable_regimes, determine_listed, regime
from chipcontrols.determination.parties import PartyChecker
from chipcontrols.determination.record import Determination, Reason, Verdict
from chipcontrols.determination.transaction import Transaction, as_of_default, parse_transaction
from chipcontrols.errors import InputError
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook


def us_rules_start(rulebook: Rulebook) -> dt.date | None:
    """The first date from which the rulebook encodes the EAR procedure (its coverage)."""
    return us_coverage(rulebook, dt.date.max).start


def determine(
    transaction: dict[str, Any] | Transaction,
    as_of: dt.date | None = None,
    *,
    rulebook: Rulebook | None = None,
    catalog: Catalog | None = None,
    parties: PartyChecker | None = None,
    screen: bool = True,
    letters: Sequence[UserLetter] = (),
) -> Determination:
    """Verdicts for the transaction on `as_of` (default: the file's `date`, else today)."""
    rulebook = rulebook or load_rulebook()
    catalog = catalog or load_catalog()
    if isinstance(transaction, Transaction):
        txn = transaction
    else:
        if not isinstance(transaction, dict):
            raise InputError("a transaction is a mapping", loc="transaction")
        txn = parse_transaction(transaction, rulebook, catalog=catalog)
    day = as_of or as_of_default(txn.raw) or dt.date.today()
    view = rulebook.at(day)
    checker = parties or (_default_checker() if screen else None)
    active = checker.active() if checker is not None else []
    listed = checker.check(txn.parties, day, active) if checker is not None else None
    owned = checker.ownership(txn.parties, day) if checker is not None else None
    snapshots = checker.snapshots(active) if checker is not None else []

    verdicts: list[Verdict] = []
    coverage = us_coverage(rulebook, day)
    if not coverage.dated:
        verdicts.append(
            Verdict(
                "US",
                "undetermined",
                reasons=[
                    Reason(
                        "us.ear.coverage",
                        coverage.citation or procedure_citation(rulebook, "scope", day),
                        (
                            f"The rulebook encodes the EAR from {coverage.start}; "
                            if coverage.start
                            else "The rulebook encodes no EAR procedure; "
                        )
                        + f"the law in force on {day} is not encoded, so no answer is given.",
                    )
                ],
                questions=[date_question(coverage)],
                scope_note=SCOPE_NOTE,
                coverage=coverage.to_dict(),
                trace=[coverage.trace()],
            )
        )
    else:
        procedure = EarProcedure(rulebook, view, txn, listed, owned, letters)
        results = [procedure.run_line(i, line) for i, line in enumerate(txn.lines)]
        us = combine("US", results, SCOPE_NOTE, coverage)
        if listed is None:
            us.reasons.append(
                Reason(
                    "us.ear.744_11",
                    procedure_citation(rulebook, "not_screened", day),
                    "Parties were not screened against the Entity List in this determination.",
                )
            )
        verdicts.append(us)

    regimes = applicable_regimes(txn, rulebook, day)
    if regimes:
        classifications = [
            classify(line.item, day, rulebook=rulebook, catalog=catalog) for line in txn.lines
        ]
        for code in regimes:
            verdicts.append(
                determine_listed(regime(rulebook, code, day), txn, classifications, rulebook)
            )

    return Determination(
        as_of=day,
        rulebook_version=rulebook.version,
        engine_version=__version__,
        list_snapshots=snapshots,
        inputs=txn.raw,
        verdicts=verdicts,
        screening=[hit.to_dict() for hit in listed or []] + [own.to_dict() for own in owned or []],
    )


_CHECKERS: dict[str, PartyChecker] = {}


def _default_checker() -> PartyChecker:
    """One checker per data home (its matcher indexes are built once)."""
    key = os.environ.get("CHIPCONTROLS_HOME", "")
    checker = _CHECKERS.get(key)
    if checker is None:
        checker = _CHECKERS[key] = PartyChecker()
    return checker
