"""REST API under /v1: thin handlers over `Services`. Operation ids are stable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from chipcontrols.access import Principal
from chipcontrols.api.auth import Admin, Analyst, Viewer, services
from chipcontrols.api.errors import ERROR_RESPONSES
from chipcontrols.app_services import Services
from chipcontrols.app_services.documents import (
    Deal,
    Document,
    ScreeningParty,
    ScreeningRecord,
    item_model,
    transaction_models,
)
from chipcontrols.app_services.inputs import ID_MAX
from chipcontrols.determination.company_letters import letter_bases
from chipcontrols.errors import InputError
from chipcontrols.rulebook.rulebook import load_rulebook

DATE = r"^\d{4}-\d{2}-\d{2}$"
Svc = Annotated[Services, Depends(services)]
AsOf = Annotated[str | None, Query(pattern=DATE, description="YYYY-MM-DD; default today")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Items and transactions are typed by the rulebook's parameters (see api.models); the
# engine reads the same rulebook.
ItemModel = item_model(load_rulebook())
TransactionModel, _ = transaction_models(load_rulebook())


class ClassifyBody(Strict):
    item: ItemModel = Field(  # type: ignore[valid-type]
        description="An item: a kind and its parameters, or {product: NAME}"
    )
    as_of: str | None = Field(default=None, pattern=DATE)

    def document(self) -> dict[str, Any]:
        item: Document = self.item
        return item.document()


class TransactionBody(Strict):
    transaction: TransactionModel  # type: ignore[valid-type]
    as_of: str | None = Field(
        default=None, pattern=DATE, description="Default: the transaction's date, else today"
    )

    def document(self) -> dict[str, Any]:
        txn: Document = self.transaction
        return txn.document()


class ScreenBody(Strict):
    parties: list[ScreeningParty | str] = Field(
        min_length=1, max_length=1000, description="Parties, or just their names"
    )
    as_of: str | None = Field(default=None, pattern=DATE)


class DealBody(Strict):
    deal: Deal
    as_of: str | None = Field(default=None, pattern=DATE)


class JudgementBody(Strict):
    decision: str = Field(pattern=r"^(cleared|confirmed)$")
    reason: str = Field(min_length=1, max_length=4000)
    hit_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    party: ScreeningParty | str | None = Field(
        default=None, description="The party screened (with entry_id), when no hit_id is given"
    )
    entry_id: str | None = Field(default=None, max_length=200)
    snapshots: list[str] | None = None


def _json(content: bytes) -> Response:
    return Response(content=content, media_type="application/json")


def _parties(parties: list[ScreeningParty | str]) -> list[Any]:
    return [p if isinstance(p, str) else p.document() for p in parties]


# The provisions a letter may name, read from the law (law/us/ear/_letter_bases.yaml).
LETTER_BASES = letter_bases()


class LetterBody(Strict):
    """A BIS letter to your company (an is-informed letter)."""

    exporters: list[str] = Field(min_length=1, max_length=50, description="Company names informed")
    products: list[str] = Field(
        min_length=1, max_length=50, description="Product names, or patterns with '*'"
    )
    destinations: list[str] = Field(
        min_length=1, max_length=50, description="ISO codes, Country Groups ('D:5') or 'Macau'"
    )
    headquarters: bool = Field(
        default=False, description="Also companies headquartered (or with a parent) there"
    )
    basis: str = Field(
        description="The provision the letter names: "
        + "; ".join(f"{basis} ({cites})" for basis, cites in LETTER_BASES.items())
        + " (law/us/ear/_letter_bases.yaml)",
        json_schema_extra={"enum": list(LETTER_BASES)},
    )
    effective: str = Field(pattern=DATE)
    ends: str | None = Field(default=None, pattern=DATE, description="The day BIS lifted it")
    reference: str = Field(min_length=1, max_length=200, description="The letter's date/number")
    text: str = Field(default="", max_length=4000, description="A quote of the letter")
    review_policy: str | None = None


class RevokeBody(Strict):
    reason: str = Field(min_length=1, max_length=4000)


class UserBody(Strict):
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(pattern=r"^(viewer|analyst|admin)$")


class KeyBody(Strict):
    user: str = Field(min_length=1, max_length=80)
    label: str = Field(default="", max_length=120)


def build_router(svc: Services) -> APIRouter:
    router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)

    @router.get("/health", operation_id="health", tags=["service"])
    def health() -> dict[str, Any]:
        """Liveness: answers without a key and tells nothing else."""
        return {"status": "ok"}

    @router.get("/me", operation_id="whoami", tags=["service"])
    def whoami(svc: Svc, who: Principal = Viewer) -> dict[str, Any]:
        return {**who.to_dict(), "operations": svc.operations()}

    @router.post(
        "/classify", operation_id="classify", tags=["answers"], response_model=dict[str, Any]
    )
    def classify(body: ClassifyBody, svc: Svc, who: Principal = Analyst) -> Response:
        """Classify an item; the answer is recorded and audited."""
        item = body.document()
        return _json(
            svc.run_json("classification", {"item": item}, as_of=body.as_of, actor=who.actor)
        )

    @router.post("/screen", operation_id="screen", tags=["answers"], response_model=ScreeningRecord)
    def screen(body: ScreenBody, svc: Svc, who: Principal = Analyst) -> Response:
        """Screen parties against the active list snapshots."""
        parties = _parties(body.parties)
        return _json(
            svc.run_json("screening", {"parties": parties}, as_of=body.as_of, actor=who.actor)
        )

    @router.post(
        "/check", operation_id="check_transaction", tags=["answers"], response_model=dict[str, Any]
    )
    def check(body: TransactionBody, svc: Svc, who: Principal = Analyst) -> Response:
        """A transaction: the determination when installed, else its items classified and
        its parties screened, with the facts still missing as questions."""
        return _json(svc.check_json(body.document(), as_of=body.as_of, actor=who.actor))

    if "determination" in svc.operations():

        @router.post(
            "/determine", operation_id="determine", tags=["answers"], response_model=dict[str, Any]
        )
        def determine(body: TransactionBody, svc: Svc, who: Principal = Analyst) -> Response:
            """Determine the licence requirements of a transaction, per jurisdiction."""
            return _json(
                svc.run_json(
                    "determination",
                    {"transaction": body.document()},
                    as_of=body.as_of,
                    actor=who.actor,
                )
            )

    if "assessment" in svc.operations():

        @router.post(
            "/assess", operation_id="assess", tags=["answers"], response_model=dict[str, Any]
        )
        def assess(body: DealBody, svc: Svc, who: Principal = Analyst) -> Response:
            """Assess an investment under the investment-screening regimes."""
            deal = body.deal.document()
            return _json(
                svc.run_json("assessment", {"deal": deal}, as_of=body.as_of, actor=who.actor)
            )

    @router.get("/records", operation_id="list_records", tags=["records"])
    def list_records(
        svc: Svc,
        who: Principal = Viewer,
        kind: Annotated[str | None, Query(max_length=24)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
        q: Annotated[str | None, Query(max_length=200, description="In summary or input")] = None,
        party: Annotated[str | None, Query(max_length=200)] = None,
        product: Annotated[str | None, Query(max_length=200)] = None,
        destination: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
        verdict: Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")] = None,
        user: Annotated[str | None, Query(max_length=120)] = None,
        date_from: Annotated[str | None, Query(alias="from", pattern=DATE)] = None,
        date_to: Annotated[str | None, Query(alias="to", pattern=DATE)] = None,
    ) -> dict[str, Any]:
        """Records, newest first, filtered by any of: text, party, product, destination,
        verdict, kind, user, and the day made (from/to)."""
        from chipcontrols.app_services.workspace import search_records

        filters = {
            "q": q, "party": party, "product": product, "destination": destination,
            "verdict": verdict, "kind": kind, "user": user, "from": date_from, "to": date_to,
        }  # fmt: skip
        return search_records(svc, filters, limit=limit, offset=offset)

    @router.get("/records/{record_id}", operation_id="get_record", tags=["records"])
    def get_record(record_id: str, svc: Svc, who: Principal = Viewer) -> dict[str, Any]:
        return svc.record(record_id)

    @router.post("/records/{record_id}/replay", operation_id="replay_record", tags=["records"])
    def replay(record_id: str, svc: Svc, who: Principal = Viewer) -> dict[str, Any]:
        """Recompute a record under its recorded rulebook and list snapshots."""
        return svc.replay(record_id)

    @router.get("/rules", operation_id="list_rules", tags=["law"])
    def rules(
        svc: Svc,
        who: Principal = Viewer,
        as_of: AsOf = None,
        jurisdiction: Annotated[str | None, Query(max_length=8)] = None,
        q: Annotated[str | None, Query(max_length=200, description="Entry or citation")] = None,
    ) -> dict[str, Any]:
        from chipcontrols.app_services.workspace import filter_rules

        data = filter_rules(svc.rules(as_of, jurisdiction=jurisdiction), q)
        data["jurisdiction"] = jurisdiction
        return data

    @router.get("/rules/diff", operation_id="diff_rules", tags=["law"])
    def rules_diff(
        svc: Svc,
        date_from: Annotated[str, Query(alias="from", pattern=DATE)],
        date_to: Annotated[str, Query(alias="to", pattern=DATE)],
        who: Principal = Viewer,
        jurisdiction: Annotated[str | None, Query(max_length=8)] = None,
    ) -> dict[str, Any]:
        return svc.rules_diff(date_from, date_to, jurisdiction=jurisdiction)

    @router.get("/rules/{rule_id}", operation_id="get_rule", tags=["law"])
    def rule(rule_id: str, svc: Svc, who: Principal = Viewer, as_of: AsOf = None) -> dict[str, Any]:
        return svc.rule(rule_id, as_of)

    @router.get("/lists", operation_id="list_snapshots", tags=["lists"])
    def lists(svc: Svc, who: Principal = Viewer) -> dict[str, Any]:
        return svc.lists()

    @router.get("/lists/snapshots/{snapshot_id}", operation_id="get_snapshot", tags=["lists"])
    def snapshot(
        snapshot_id: str,
        svc: Svc,
        who: Principal = Viewer,
        q: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
    ) -> dict[str, Any]:
        return svc.snapshot(snapshot_id, q=q, limit=limit, offset=offset)

    @router.get("/review-queue", operation_id="review_queue", tags=["screening"])
    def review_queue(svc: Svc, who: Principal = Viewer) -> dict[str, Any]:
        """Matching hits no judgement in force covers."""
        return svc.review_queue()

    @router.get("/judgements", operation_id="list_judgements", tags=["screening"])
    def judgements(svc: Svc, who: Principal = Viewer) -> dict[str, Any]:
        return svc.judgements()

    @router.post("/judgements", operation_id="create_judgement", tags=["screening"])
    def judge(body: JudgementBody, svc: Svc, who: Principal = Analyst) -> dict[str, Any]:
        """Clear or confirm a hit: by `hit_id` from the review queue, or by `party` and
        `entry_id`."""
        if body.hit_id is not None:
            return svc.judge_hit(
                body.hit_id, decision=body.decision, reason=body.reason, principal=who
            )
        if body.party is None or body.entry_id is None:
            raise InputError("give hit_id, or party and entry_id", loc="body.hit_id")
        return svc.judge(
            body.party if isinstance(body.party, str) else body.party.document(),
            body.entry_id,
            decision=body.decision,
            reason=body.reason,
            principal=who,
            snapshots=body.snapshots,
        )

    @router.get("/letters", operation_id="list_letters", tags=["letters"])
    def list_letters(
        svc: Svc, who: Principal = Viewer, include_revoked: bool = False
    ) -> dict[str, Any]:
        """Your company's BIS letters that determinations apply."""
        from chipcontrols.app_services.letters import list_letters

        return list_letters(svc, include_revoked=include_revoked)

    @router.post("/letters", operation_id="create_letter", tags=["letters"], status_code=201)
    def create_letter(body: LetterBody, svc: Svc, who: Principal = Analyst) -> dict[str, Any]:
        """Record a BIS letter to your company; audited, applied by later determinations."""
        from chipcontrols.app_services.letters import add_letter

        return add_letter(svc, body.model_dump(exclude_none=True), actor=who.actor)

    @router.get("/letters/{letter_id}", operation_id="get_letter", tags=["letters"])
    def get_letter(letter_id: str, svc: Svc, who: Principal = Viewer) -> dict[str, Any]:
        from chipcontrols.app_services.letters import get_letter

        return get_letter(svc, letter_id)

    @router.post("/letters/{letter_id}/revoke", operation_id="revoke_letter", tags=["letters"])
    def revoke_letter(
        letter_id: str, body: RevokeBody, svc: Svc, who: Principal = Analyst
    ) -> dict[str, Any]:
        """Withdraw a letter from later determinations (replays still see it)."""
        from chipcontrols.app_services.letters import revoke_letter

        return revoke_letter(svc, letter_id, reason=body.reason, actor=who.actor)

    @router.get("/audit", operation_id="list_audit", tags=["audit"])
    def audit_log(
        svc: Svc,
        who: Principal = Viewer,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
        subject: Annotated[str | None, Query(max_length=200)] = None,
    ) -> dict[str, Any]:
        return svc.audit_entries(limit=limit, before=before, subject=subject)

    @router.get("/audit/verify", operation_id="verify_audit", tags=["audit"])
    def audit_verify(
        svc: Svc,
        who: Principal = Viewer,
        expect_head: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    ) -> dict[str, Any]:
        return svc.audit_verify(expect_head=expect_head)

    @router.get("/users", operation_id="list_users", tags=["admin"])
    def users(svc: Svc, who: Principal = Admin) -> dict[str, Any]:
        return svc.users()

    @router.post("/users", operation_id="create_user", tags=["admin"], status_code=201)
    def create_user(body: UserBody, svc: Svc, who: Principal = Admin) -> dict[str, Any]:
        """A user and a first API key (shown once)."""
        return svc.create_user(body.name, body.role, actor=who.actor)

    @router.post("/keys", operation_id="create_key", tags=["admin"], status_code=201)
    def create_key(body: KeyBody, svc: Svc, who: Principal = Admin) -> dict[str, Any]:
        return svc.create_key(body.user, label=body.label, actor=who.actor)

    @router.delete("/keys/{key_id}", operation_id="revoke_key", tags=["admin"])
    def revoke_key(key_id: str, svc: Svc, who: Principal = Admin) -> dict[str, Any]:
        """Revoke a key; the web sessions opened with it end at once."""
        return svc.revoke_key(key_id, actor=who.actor)

    @router.get("/sessions", operation_id="list_sessions", tags=["admin"])
    def sessions(svc: Svc, who: Principal = Admin, include_ended: bool = False) -> dict[str, Any]:
        """Web sessions: the user, the API key each was opened with, when it expires."""
        return svc.sessions(active_only=not include_ended)

    @router.delete("/sessions/{session_id}", operation_id="revoke_session", tags=["admin"])
    def revoke_session(session_id: str, svc: Svc, who: Principal = Admin) -> dict[str, Any]:
        """End a web session at once."""
        return svc.revoke_key(session_id, actor=who.actor, kind="session")

    return router
