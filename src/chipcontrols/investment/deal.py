"""Deals as users give them (YAML/JSON), checked strictly.

A deal names the acquirer and the chain of its owners up to the ultimate owner, the target
(country, activities from the controlled vocabulary), the stake before and after, the rights
acquired, the structure (share or asset deal) and the date. Every error names the field.
See docs/investment.md for the format.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.errors import InputError
from chipcontrols.investment.vocabulary import ACTIVITIES, PRODUCTS, STRUCTURES

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ECCN = re.compile(r"^(EAR99|\d[A-E]\d{3}(\.[a-z0-9]+)*)$")


@dataclass(frozen=True)
class Holding:
    owner: str  # id of the entity holding the interest
    voting_pct: float


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    country: str
    us_person: bool | None = None
    government: bool = False
    owned_by: tuple[Holding, ...] = ()


@dataclass(frozen=True)
class SemiconductorFacts:
    """Technical facts that the US outbound rule's semiconductor categories turn on."""

    logic_node_nm: float | None = None
    non_planar_transistors: bool | None = None
    fdsoi: bool | None = None
    nand_layers: int | None = None
    dram_half_pitch_nm: float | None = None
    gallium_based: bool | None = None
    graphene_or_cnt: bool | None = None
    cryogenic_4_5k: bool | None = None
    designs_3a090a_ics: bool | None = None
    euv_exclusive: bool | None = None


@dataclass(frozen=True)
class Target:
    name: str
    country: str
    activities: frozenset[str]
    products: frozenset[str] = frozenset()
    uk_activities: bool | None = None
    us_business: bool | None = None
    dual_use_controlled: bool | None = None
    military_items: bool | None = None
    nl_highly_sensitive: bool | None = None
    export_classifications: tuple[str, ...] = ()
    authorization_required_countries: frozenset[str] | None = None
    country_of_concern_ownership_pct: float | None = None
    semiconductor: SemiconductorFacts = field(default_factory=SemiconductorFacts)
    listed: bool | None = None
    jp_designated_sector: bool | None = None
    kr_national_core_technology: bool | None = None
    kr_government_rnd_funded: bool | None = None


@dataclass(frozen=True)
class Turnover:
    """Turnover in the preceding financial year, in RMB (merger-control thresholds)."""

    acquirer_worldwide: float | None = None
    acquirer_china: float | None = None
    target_worldwide: float | None = None
    target_china: float | None = None


@dataclass(frozen=True)
class Stake:
    shares_before_pct: float
    shares_after_pct: float
    votes_before_pct: float
    votes_after_pct: float
    votes_given: bool


@dataclass(frozen=True)
class Rights:
    board_appointment: bool | None = None
    veto_rights: bool | None = None
    information_rights: bool | None = None
    decisive_influence: bool | None = None
    material_influence: bool | None = None
    resolution_control: bool | None = None
    involvement_in_decisions: bool | None = None


@dataclass(frozen=True)
class Deal:
    name: str | None
    structure: str
    date: dt.date | None
    acquirer: Entity
    owners: Mapping[str, Entity]
    target: Target
    stake: Stake
    rights: Rights
    value_eur: float | None = None
    excepted_transaction: bool | None = None
    notes: str | None = None
    turnover_cny: Turnover = field(default_factory=Turnover)

    # ------------------------------------------------------------ ownership chain

    def entity(self, entity_id: str) -> Entity:
        if entity_id == self.acquirer.id:
            return self.acquirer
        return self.owners[entity_id]

    def entities(self) -> list[Entity]:
        return [self.acquirer, *self.owners.values()]

    def controlling_chain(self) -> list[Entity]:
        """The acquirer and each owner holding a majority of the votes of the one below, to the
        top."""
        chain = [self.acquirer]
        while True:
            parents = [h for h in chain[-1].owned_by if h.voting_pct > 50]
            if not parents:
                return chain
            chain.append(self.entity(parents[0].owner))

    @property
    def ultimate_owner(self) -> Entity:
        return self.controlling_chain()[-1]

    def indirect_interest(self, entity_id: str, *, parent_as_whole: bool = True) -> float:
        """The voting interest `entity_id` holds in the acquirer, through every path.

        With `parent_as_whole`, a majority interest counts as the whole (a parent's interest
        in its subsidiary), as the CFIUS rules read indirect interests (law/fdi/us_cfius.yaml).
        """
        if entity_id == self.acquirer.id:
            return 100.0

        def share(pct: float) -> float:
            return 100.0 if parent_as_whole and pct > 50 else pct

        def via(entity: Entity) -> float:
            total = 0.0
            for holding in entity.owned_by:
                if holding.owner == entity_id:
                    total += share(holding.voting_pct) / 100
                else:
                    total += share(holding.voting_pct) / 100 * via(self.entity(holding.owner))
            return min(total, 1.0)

        return round(via(self.acquirer) * 100, 6)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "structure": self.structure,
            "date": self.date.isoformat() if self.date else None,
            "acquirer": {
                "id": self.acquirer.id,
                "name": self.acquirer.name,
                "country": self.acquirer.country,
            },
            "ultimate_owner": {
                "id": self.ultimate_owner.id,
                "name": self.ultimate_owner.name,
                "country": self.ultimate_owner.country,
            },
            "target": {
                "name": self.target.name,
                "country": self.target.country,
                "activities": sorted(self.target.activities),
            },
            "stake": {
                "shares_before_pct": self.stake.shares_before_pct,
                "shares_after_pct": self.stake.shares_after_pct,
                "votes_before_pct": self.stake.votes_before_pct,
                "votes_after_pct": self.stake.votes_after_pct,
            },
        }


# ---------------------------------------------------------------- parsing helpers


def _keys(raw: Any, *, loc: str, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    if not isinstance(raw, Mapping):
        raise InputError("expected a mapping", loc=loc)
    allowed = (*required, *optional)
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
            raise InputError(f"unknown field {key!r}{hint}", loc=f"{loc}.{key}")
    for key in required:
        if raw.get(key) is None:
            raise InputError(f"missing required field {key!r}", loc=f"{loc}.{key}")


def _str(raw: Any, *, loc: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InputError("expected a non-empty text", loc=loc)
    return raw.strip()


def _opt_str(raw: Any, *, loc: str) -> str | None:
    return None if raw is None else _str(raw, loc=loc)


def _country(raw: Any, *, loc: str) -> str:
    if not isinstance(raw, str) or not _COUNTRY.match(raw.strip().upper()):
        raise InputError(f"{raw!r} is not an ISO 3166 alpha-2 country code (e.g. CN, NL)", loc=loc)
    code = raw.strip().upper()
    return "GB" if code == "UK" else code


def _bool(raw: Any, *, loc: str) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    raise InputError(f"expected true, false or null, got {raw!r}", loc=loc)


def _pct(raw: Any, *, loc: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InputError(f"expected a percentage between 0 and 100, got {raw!r}", loc=loc)
    if (isinstance(raw, float) and math.isnan(raw)) or not 0 <= raw <= 100:
        raise InputError(f"percentage {raw} is outside 0-100", loc=loc)
    return float(raw)


def _number(raw: Any, *, loc: str, minimum: float = 0) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < minimum:
        raise InputError(f"expected a number >= {minimum:g}, got {raw!r}", loc=loc)
    try:
        value = float(raw)
    except OverflowError:
        raise InputError("the number is too large; give a finite number", loc=loc) from None
    if not math.isfinite(value):
        raise InputError(f"expected a finite number >= {minimum:g}, got {raw!r}", loc=loc)
    return value


def _date(raw: Any, *, loc: str) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        raise InputError("expected a date YYYY-MM-DD, not a timestamp", loc=loc)
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise InputError(f"bad date {raw!r}; write YYYY-MM-DD", loc=loc)


def _tags(raw: Any, vocabulary: Mapping[str, str], *, loc: str, what: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise InputError(f"expected a list of {what} tags", loc=loc)
    tags: set[str] = set()
    for i, tag in enumerate(raw):
        if not isinstance(tag, str) or tag not in vocabulary:
            close = difflib.get_close_matches(str(tag), list(vocabulary), n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise InputError(
                f"unknown {what} {tag!r}{hint} (known: {', '.join(vocabulary)})",
                loc=f"{loc}[{i}]",
            )
        tags.add(tag)
    return frozenset(tags)


# ---------------------------------------------------------------- sections

_ENTITY_KEYS = ("id", "us_person", "government", "owned_by", "notes")


def _entity(raw: Any, *, loc: str, default_id: str | None = None) -> Entity:
    _keys(raw, loc=loc, required=("name", "country"), optional=_ENTITY_KEYS)
    entity_id = raw.get("id", default_id)
    if not isinstance(entity_id, str) or not _ID.match(entity_id):
        raise InputError("an owner needs an 'id' (letters, digits, '_', '-', '.')", loc=f"{loc}.id")
    owned_by: list[Holding] = []
    if raw.get("owned_by") is not None:
        if not isinstance(raw["owned_by"], list):
            raise InputError("expected a list of {id, voting_pct}", loc=f"{loc}.owned_by")
        for i, item in enumerate(raw["owned_by"]):
            here = f"{loc}.owned_by[{i}]"
            _keys(item, loc=here, required=("id", "voting_pct"), optional=())
            pct = _pct(item["voting_pct"], loc=f"{here}.voting_pct")
            if pct == 0:
                raise InputError(
                    "a holding of zero is no holding; remove it", loc=f"{here}.voting_pct"
                )
            owned_by.append(Holding(_str(item["id"], loc=f"{here}.id"), pct))
        total = sum(h.voting_pct for h in owned_by)
        if total > 100:
            raise InputError(
                f"holdings add up to {total:g} percent, more than 100 percent",
                loc=f"{loc}.owned_by",
            )
    government = _bool(raw.get("government", False), loc=f"{loc}.government")
    return Entity(
        id=entity_id,
        name=_str(raw["name"], loc=f"{loc}.name"),
        country=_country(raw["country"], loc=f"{loc}.country"),
        us_person=_bool(raw.get("us_person"), loc=f"{loc}.us_person"),
        government=bool(government),
        owned_by=tuple(owned_by),
    )


def _check_chain(acquirer: Entity, owners: Mapping[str, Entity]) -> None:
    known = {acquirer.id, *owners}
    for entity in [acquirer, *owners.values()]:
        where = "acquirer" if entity is acquirer else f"owners[{entity.id}]"
        for i, holding in enumerate(entity.owned_by):
            if holding.owner not in known:
                raise InputError(
                    f"owner {holding.owner!r} is not described; add it under 'owners'",
                    loc=f"{where}.owned_by[{i}].id",
                )
            if holding.owner == entity.id:
                raise InputError(
                    f"{entity.id!r} cannot own itself (ownership cycle)",
                    loc=f"{where}.owned_by[{i}].id",
                )
    graph = {e.id: [h.owner for h in e.owned_by] for e in [acquirer, *owners.values()]}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = [*path[path.index(node) :], node]
            raise InputError(
                f"ownership cycle {' -> '.join(cycle)}: describe each holding once, upwards "
                "to the ultimate owner",
                loc="owners",
            )
        state[node] = 1
        for nxt in graph[node]:
            visit(nxt, [*path, node])
        state[node] = 2

    visit(acquirer.id, [])
    for node in graph:
        visit(node, [])


def _stake(raw: Any, structure: str, *, loc: str) -> Stake:
    if raw is None:
        if structure == "asset_deal":
            return Stake(0.0, 0.0, 0.0, 0.0, votes_given=False)
        raise InputError("a share deal needs 'stake' (shares_after_pct at least)", loc=loc)
    _keys(
        raw,
        loc=loc,
        required=("shares_after_pct",),
        optional=("shares_before_pct", "votes_before_pct", "votes_after_pct"),
    )
    shares_before = _pct(raw.get("shares_before_pct", 0), loc=f"{loc}.shares_before_pct")
    shares_after = _pct(raw["shares_after_pct"], loc=f"{loc}.shares_after_pct")
    votes_given = raw.get("votes_after_pct") is not None
    votes_before = _pct(raw.get("votes_before_pct", shares_before), loc=f"{loc}.votes_before_pct")
    votes_after = _pct(raw.get("votes_after_pct", shares_after), loc=f"{loc}.votes_after_pct")
    if shares_after < shares_before:
        raise InputError(
            f"shares fall from {shares_before:g}% to {shares_after:g}%: that is a disposal, "
            "not an acquisition; describe the deal from the buyer's side",
            loc=f"{loc}.shares_after_pct",
        )
    if votes_after < votes_before:
        raise InputError(
            f"voting rights fall from {votes_before:g}% to {votes_after:g}%: that is a "
            "disposal, not an acquisition",
            loc=f"{loc}.votes_after_pct",
        )
    return Stake(shares_before, shares_after, votes_before, votes_after, votes_given)


_SEMI_KEYS = tuple(SemiconductorFacts.__dataclass_fields__)


def _semiconductor(raw: Any, *, loc: str) -> SemiconductorFacts:
    if raw is None:
        return SemiconductorFacts()
    _keys(raw, loc=loc, required=(), optional=_SEMI_KEYS)
    nand = _number(raw.get("nand_layers"), loc=f"{loc}.nand_layers")
    return SemiconductorFacts(
        logic_node_nm=_number(raw.get("logic_node_nm"), loc=f"{loc}.logic_node_nm"),
        non_planar_transistors=_bool(
            raw.get("non_planar_transistors"), loc=f"{loc}.non_planar_transistors"
        ),
        fdsoi=_bool(raw.get("fdsoi"), loc=f"{loc}.fdsoi"),
        nand_layers=None if nand is None else int(nand),
        dram_half_pitch_nm=_number(raw.get("dram_half_pitch_nm"), loc=f"{loc}.dram_half_pitch_nm"),
        gallium_based=_bool(raw.get("gallium_based"), loc=f"{loc}.gallium_based"),
        graphene_or_cnt=_bool(raw.get("graphene_or_cnt"), loc=f"{loc}.graphene_or_cnt"),
        cryogenic_4_5k=_bool(raw.get("cryogenic_4_5k"), loc=f"{loc}.cryogenic_4_5k"),
        designs_3a090a_ics=_bool(raw.get("designs_3a090a_ics"), loc=f"{loc}.designs_3a090a_ics"),
        euv_exclusive=_bool(raw.get("euv_exclusive"), loc=f"{loc}.euv_exclusive"),
    )


_TARGET_KEYS = (
    "products",
    "uk_activities",
    "us_business",
    "dual_use_controlled",
    "military_items",
    "nl_highly_sensitive",
    "export_classifications",
    "authorization_required_countries",
    "country_of_concern_ownership_pct",
    "semiconductor",
    "listed",
    "jp_designated_sector",
    "kr_national_core_technology",
    "kr_government_rnd_funded",
    "notes",
)


def _target(raw: Any, *, loc: str) -> Target:
    _keys(raw, loc=loc, required=("name", "country", "activities"), optional=_TARGET_KEYS)
    activities = _tags(raw["activities"], ACTIVITIES, loc=f"{loc}.activities", what="activity")
    if not activities:
        raise InputError("name at least one activity of the target", loc=f"{loc}.activities")
    eccns: list[str] = []
    raw_eccns = raw.get("export_classifications") or []
    if not isinstance(raw_eccns, list):
        raise InputError("expected a list of ECCNs", loc=f"{loc}.export_classifications")
    for i, eccn in enumerate(raw_eccns):
        if not isinstance(eccn, str) or not _ECCN.match(eccn.strip()):
            raise InputError(
                f"{eccn!r} is not an ECCN (e.g. 3B001.f.1, 3A090.a, EAR99)",
                loc=f"{loc}.export_classifications[{i}]",
            )
        eccns.append(eccn.strip())
    auth = raw.get("authorization_required_countries")
    auth_set: frozenset[str] | None = None
    if auth is not None:
        if not isinstance(auth, list):
            raise InputError(
                "expected a list of country codes", loc=f"{loc}.authorization_required_countries"
            )
        auth_set = frozenset(
            _country(c, loc=f"{loc}.authorization_required_countries[{i}]")
            for i, c in enumerate(auth)
        )
    coc = raw.get("country_of_concern_ownership_pct")
    return Target(
        name=_str(raw["name"], loc=f"{loc}.name"),
        country=_country(raw["country"], loc=f"{loc}.country"),
        activities=activities,
        products=_tags(raw.get("products"), PRODUCTS, loc=f"{loc}.products", what="product"),
        uk_activities=_bool(raw.get("uk_activities"), loc=f"{loc}.uk_activities"),
        us_business=_bool(raw.get("us_business"), loc=f"{loc}.us_business"),
        dual_use_controlled=_bool(raw.get("dual_use_controlled"), loc=f"{loc}.dual_use_controlled"),
        military_items=_bool(raw.get("military_items"), loc=f"{loc}.military_items"),
        nl_highly_sensitive=_bool(raw.get("nl_highly_sensitive"), loc=f"{loc}.nl_highly_sensitive"),
        export_classifications=tuple(eccns),
        authorization_required_countries=auth_set,
        country_of_concern_ownership_pct=None
        if coc is None
        else _pct(coc, loc=f"{loc}.country_of_concern_ownership_pct"),
        semiconductor=_semiconductor(raw.get("semiconductor"), loc=f"{loc}.semiconductor"),
        listed=_bool(raw.get("listed"), loc=f"{loc}.listed"),
        jp_designated_sector=_bool(
            raw.get("jp_designated_sector"), loc=f"{loc}.jp_designated_sector"
        ),
        kr_national_core_technology=_bool(
            raw.get("kr_national_core_technology"), loc=f"{loc}.kr_national_core_technology"
        ),
        kr_government_rnd_funded=_bool(
            raw.get("kr_government_rnd_funded"), loc=f"{loc}.kr_government_rnd_funded"
        ),
    )


_TURNOVER_KEYS = tuple(Turnover.__dataclass_fields__)


def _turnover(raw: Any, *, loc: str) -> Turnover:
    if raw is None:
        return Turnover()
    _keys(raw, loc=loc, required=(), optional=_TURNOVER_KEYS)
    return Turnover(**{k: _number(raw.get(k), loc=f"{loc}.{k}") for k in _TURNOVER_KEYS})


_RIGHTS_KEYS = tuple(Rights.__dataclass_fields__)


def _rights(raw: Any, *, loc: str) -> Rights:
    if raw is None:
        return Rights()
    _keys(raw, loc=loc, required=(), optional=_RIGHTS_KEYS)
    return Rights(**{k: _bool(raw.get(k), loc=f"{loc}.{k}") for k in _RIGHTS_KEYS})


_DEAL_KEYS = (
    "kind",
    "name",
    "date",
    "structure",
    "acquirer",
    "owners",
    "target",
    "stake",
    "rights",
    "value_eur",
    "excepted_transaction",
    "turnover_cny",
    "notes",
    "source",
)


def parse_deal(raw: Any, *, loc: str = "deal") -> Deal:
    """Turn a user's deal mapping into a checked Deal; every error names the field."""
    if not isinstance(raw, Mapping):
        raise InputError("a deal must be a mapping with kind: deal", loc=loc)
    if raw.get("kind") != "deal":
        raise InputError(f"expected kind: deal, got {raw.get('kind')!r}", loc="kind")
    _keys(
        raw, loc="deal", required=("kind", "structure", "acquirer", "target"), optional=_DEAL_KEYS
    )
    structure = raw["structure"]
    if structure not in STRUCTURES:
        raise InputError(f"{structure!r} is not one of {', '.join(STRUCTURES)}", loc="structure")
    acquirer = _entity(raw["acquirer"], loc="acquirer", default_id="acquirer")
    owners: dict[str, Entity] = {}
    raw_owners = raw.get("owners") or []
    if not isinstance(raw_owners, list):
        raise InputError("expected a list of owners", loc="owners")
    for i, item in enumerate(raw_owners):
        owner = _entity(item, loc=f"owners[{i}]")
        if owner.id in owners or owner.id == acquirer.id:
            raise InputError(f"id {owner.id!r} is used twice", loc=f"owners[{i}].id")
        owners[owner.id] = owner
    _check_chain(acquirer, owners)
    excepted = _bool(raw.get("excepted_transaction"), loc="excepted_transaction")
    return Deal(
        name=_opt_str(raw.get("name"), loc="name"),
        structure=structure,
        date=_date(raw.get("date"), loc="date"),
        acquirer=acquirer,
        owners=owners,
        target=_target(raw["target"], loc="target"),
        stake=_stake(raw.get("stake"), structure, loc="stake"),
        rights=_rights(raw.get("rights"), loc="rights"),
        value_eur=_number(raw.get("value_eur"), loc="value_eur"),
        excepted_transaction=excepted,
        turnover_cny=_turnover(raw.get("turnover_cny"), loc="turnover_cny"),
        notes=_opt_str(raw.get("notes"), loc="notes"),
    )
