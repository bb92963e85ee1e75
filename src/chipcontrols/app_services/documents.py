"""Typed documents at every boundary: items, transactions, parties, deals and what-if
scenarios, as API bodies and as the files the command line reads. One model describes each
document for both. The screening answer is described here too (`ScreeningRecord`), for the
OpenAPI schema only.

The models describe the documents for the OpenAPI schema and check their JSON types
(strictly: nothing is coerced, so the engine receives exactly what was sent). A country is
one type (`Country`), a date one type (`Date`), a figure with a unit one type (`Quantity`).
Everything
else stays with the engine's own parsers, which remain the one authority on what a document
may hold (`parse_item`, `parse_transaction`, `parse_party`, `parse_deal`): a wrong value, an
unknown field or a figure out of range is refused there, with their message naming the
field and the fix. So the models accept every document those parsers accept:

- fields the parsers read but do not check (notes, references, descriptive text) are `Any`;
- unknown fields pass the model (the parser names them and suggests the field meant), while
  the schema says `additionalProperties: false`, which is what the parser enforces;
- value lists, bounds and minimum lengths are documented in the schema (the parser
  enforces them), not checked twice.

Item parameters are generated from the rulebook: each with its type, unit and the kinds it
belongs to, as `parse_item` reads them.

A file is checked by `check_file` before the engine parses it; a type error is an InputError
naming the field (`TRANSACTION.items[0].made_in`), as the API names it in its 422 answer.
The engine's own functions (`determine`, `assess`) do not validate through these models:
they parse their input once, on their hot path.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, create_model

from chipcontrols.determination.questions import law_question
from chipcontrols.determination.transaction import END_USES, ROLES, TRANSFERS
from chipcontrols.errors import InputError
from chipcontrols.investment.vocabulary import ACTIVITIES, PRODUCTS, STRUCTURES
from chipcontrols.model.items import DESCRIPTIVE_KEYS
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.rulebook.schema import Parameter
from chipcontrols.rulebook.units import accepted_spellings

Number = int | float  # a JSON number, kept as given (an integer stays an integer)
COUNTRY = "ISO 3166 alpha-2 country code, e.g. CN or NL"
DATE_TEXT = "a date YYYY-MM-DD"
# The question (law/us/ear/_questions.yaml) the certification field answers.
CERTIFICATION_QUESTION = "certifications_748_supp2_dd"

# A figure: a number in the parameter's canonical unit, or "number unit" text ('312 TFLOPS',
# '5 nm'), converted by `rulebook.units` and bounded by `parse_item`.
Quantity = int | float | str
# An ISO 3166 alpha-2 code; the engine's `country_code` checks it (and suggests the code
# for a country's name).
Country = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{2}$"})]
# A date YYYY-MM-DD: text in JSON, a date as YAML reads it unquoted.
Date = Annotated[str | dt.date, WithJsonSchema({"type": "string", "format": "date"})]


class Document(BaseModel):
    """A document the engine parses: JSON types checked, nothing coerced; unknown fields
    are left to the engine's parser, which refuses them naming the field."""

    model_config = ConfigDict(
        strict=True,
        extra="allow",
        protected_namespaces=(),
        json_schema_extra={"additionalProperties": False},
    )

    def document(self) -> dict[str, Any]:
        """The document as sent (fields left out stay out)."""
        return self.model_dump(by_alias=True, exclude_unset=True)


def doc(description: str, **schema: Any) -> Any:
    """An optional field, with constraints the engine enforces documented in the schema."""
    return Field(default=None, description=description, json_schema_extra=schema or None)


def omitted(description: str, **schema: Any) -> Any:
    """An optional field that may not be null: the parser fills it in when left out."""

    def extra(out: dict[str, Any]) -> None:
        out.pop("default", None)
        out.update(schema)

    return Field(default=None, description=description, json_schema_extra=extra)


def need(description: str, **schema: Any) -> Any:
    return Field(description=description, json_schema_extra=schema or None)


def one_of(values: Any, *, nullable: bool = True) -> dict[str, Any]:
    listed: list[Any] = list(values)
    return {"enum": [*listed, None] if nullable else listed}


def each_of(values: Any) -> dict[str, Any]:
    return {"items": {"type": "string", "enum": list(values)}}


# ---------------------------------------------------------------- screening parties


class Owner(Document):
    """An owner of a party: its share of the entity below it, and its own owners."""

    name: str = need("The owner's name")
    percent: Number | None = doc("Its share in percent, 0 to 100", minimum=0, maximum=100)
    country: Country | None = doc(COUNTRY)
    owners: list[Owner] | None = doc("The owner's own owners")
    id: Any = doc("Your reference for the owner")


class ScreeningParty(Document):
    """A party to screen (a plain string is read as its name)."""

    name: str = need("The party's name", minLength=1, maxLength=500)
    country: Country | None = doc(COUNTRY)
    address: str | None = doc("Postal address")
    id: Any = doc("Your reference for the party")
    role: Any = doc("Its role in the transaction, kept with the result")
    headquarters: Any = doc(f"Country of the headquarters ({COUNTRY})")
    owners: list[Owner] | None = doc("Owners, upwards, each with its share")


# ---------------------------------------------------------------- items


class ThroughputRow(Document):
    """A dense peak throughput figure at one operand width (3A090 Technical Note)."""

    bits: int = need("Bit length of the operation", minimum=1, maximum=256)
    tops: Quantity = need(
        "Dense peak TOPS (or TFLOPS) at that width: a number, or text such as '312 TFLOPS'"
    )
    precision: Any = doc("The format's name, e.g. FP16, INT8")
    sparse: bool | None = doc("Must be false or absent: sparse figures are not used for TPP")
    note: Any = doc("A note kept with the item")


def _parameter_type(param: Parameter) -> tuple[Any, str, dict[str, Any]]:
    """(annotation, how to give it, schema extra) for one rulebook parameter."""
    if param.type == "number":
        unit = param.unit or "1"
        spellings = [s for s in accepted_spellings(unit) if s]
        bounds: dict[str, Any] = {}
        text = "a number"
        if unit not in ("1", "count", "percent"):
            text = f"a number in {unit}, or text 'number unit' ({', '.join(spellings[:6])})"
        elif unit == "percent":
            text = "a number in percent"
        if param.min is not None:
            text += f"; at least {param.min:g}"
        if param.max is not None:
            text += f"; at most {param.max:g}"
        return Quantity | None, text, bounds
    if param.type == "boolean":
        return bool | None, "true or false", {}
    if param.type == "string":
        if param.values:
            return str | None, "one of the listed values", one_of(param.values)
        return str | None, "text", {}
    if param.type == "set":
        if param.values:
            return list[str] | str | None, "a list of the listed values", {}
        return list[str] | str | None, "a list of texts", {}
    if param.type == "records":
        return list[ThroughputRow] | None, "a list of {bits, tops} rows", {"minItems": 1}
    raise AssertionError(param.type)


def _describe(param: Parameter, how: str) -> str:
    text = " ".join(param.description.split())
    if param.derived:
        text += " Derived from the item's other figures when they are given."
    if param.values and param.type == "set":
        how += f" ({', '.join(param.values)})"
    source = f" Defined in {param.defined_in}." if param.defined_in else ""
    return f"{text} Give {how}. Kinds: {', '.join(param.kinds)}.{source}"


@lru_cache(maxsize=4)
def item_model(rulebook: Rulebook) -> type[Document]:
    """An item as `parse_item` reads it: {product: NAME}, or a kind and its parameters
    (any of the rulebook's; each belongs to the kinds named in its description)."""
    fields: dict[str, Any] = {
        "product": (
            str | None,
            doc("A catalog product's name; then no other key (the catalog gives the figures)"),
        ),
        "kind": (
            str | None,
            doc(
                "What the item is: " + "; ".join(f"{k}" for k in sorted(rulebook.kinds)),
                **one_of(sorted(rulebook.kinds)),
            ),
        ),
        "name": (str | None, doc("The item's name")),
        "components": (list[Any] | None, doc("Items it contains (integrated circuits, ...)")),
    }
    for key in DESCRIPTIVE_KEYS:
        fields.setdefault(key, (Any, doc("Descriptive text kept with the item (not evaluated)")))
    for name, param in sorted(rulebook.parameters.items()):
        annotation, how, extra = _parameter_type(param)
        if param.type == "set" and param.values:
            annotation = list[Annotated[str, Field(json_schema_extra={"enum": list(param.values)})]]
            annotation = annotation | str | None
        fields[name] = (annotation, doc(_describe(param, how), **extra))
    model: type[Document] = create_model(
        "Item", __base__=Document, __doc__=item_model.__doc__, **fields
    )
    # Components are items: point the field at the model itself.
    components: Any = list[model] | None  # type: ignore[valid-type]
    model.model_fields["components"].annotation = components
    model.model_rebuild(force=True)
    return model


# ---------------------------------------------------------------- transactions


def transaction_models(rulebook: Rulebook) -> tuple[type[Document], type[Document]]:
    """(Transaction, Line) as `parse_transaction` reads them."""
    return _transaction_models(rulebook)


@lru_cache(maxsize=4)
def _transaction_models(rulebook: Rulebook) -> tuple[type[Document], type[Document]]:
    ItemModel = item_model(rulebook)

    class Line(Document):
        """One line of a transaction: the item, where it was made, its US content."""

        item: ItemModel = need(  # type: ignore[valid-type]
            "The item: inline (kind and parameters) or {product: NAME}"
        )
        made_in: Country | None = doc(f"Country where the item was made ({COUNTRY})")
        us_content_pct: Number | None = doc(
            "Share of US-origin controlled content, percent (de minimis)", minimum=0, maximum=100
        )
        us_direct_product: bool | None = doc("The item is a direct product of US technology")
        contains_us_ic: bool | None = doc("The item contains a US-origin integrated circuit")
        hts_code: str | int | None = doc("HTS classification, 6 to 10 digits (e.g. 8542.31.0000)")
        ecad_tcad: bool | None = doc("The software is ECAD or TCAD software")
        quantity: Number | None = doc("Number of units", minimum=0)
        value: Number | None = doc("Value of the line", minimum=0)
        currency: Any = doc("Currency of the value")
        notes: Any = doc("Notes kept with the line")

    class TransactionParty(Document):
        """A party to the transaction, with its role."""

        role: str = need("The party's role", **one_of(ROLES, nullable=False))
        name: str = need("The party's name", minLength=1, maxLength=500)
        country: Country = need(f"Where the party is ({COUNTRY})")
        headquarters: Country | None = doc(f"Country of the headquarters ({COUNTRY})")
        ultimate_parent_country: Country | None = doc(
            f"Country of the ultimate parent's headquarters ({COUNTRY})"
        )
        address: str | None = doc("Postal address")
        aliases: list[str] | None = doc("Other names of the party")
        id: Any = doc("Your reference for the party")
        notes: Any = doc("Notes kept with the party")
        owners: list[Owner] | None = doc("Owners, upwards, each with its share")

    certification, _ = law_question(CERTIFICATION_QUESTION)

    class Certifications(Document):
        supp2_748_dd: bool | None = doc(
            f"The answer to the question {certification!r}: true when the certifications "
            "are in hand"
        )

    # The Ukraine regions: the rulebook's parameter gives the values and the provision.
    region = rulebook.parameters.get("destination_region")
    region_values = list(region.values) if region and region.values else []
    region_source = f" ({region.defined_in})" if region and region.defined_in else ""

    class Transaction(Document):
        """A transaction: items, parties with roles, route and end uses."""

        kind: str | None = doc("Always 'transaction'", **one_of(["transaction"]))
        name: Any = doc("A name for the transaction")
        export_from: Country = need(f"The country the items leave ({COUNTRY})")
        destination: Country = need(f"The country they go to ({COUNTRY})")
        transfer: str | None = doc("What kind of transfer; default export", **one_of(TRANSFERS))
        date: Date | None = doc(
            f"The transaction's date, {DATE_TEXT}: the answer's date unless as_of is given"
        )
        items: list[Line] = need("The lines (at least one)", minItems=1)
        parties: list[TransactionParty] | None = doc("The parties, each with its role")
        end_uses: list[str] | None = doc(
            "The end uses known ('none_of_these' alone when none applies)", **each_of(END_USES)
        )
        exporter_us_person: bool | None = doc("The exporter is a US person")
        certifications: Certifications | None = doc("Certifications in hand")
        notes: Any = doc("Notes kept with the transaction")
        reference: Any = doc("Your reference")
        destination_region: str | None = doc(
            f"For destination UA: the region{region_source}", **one_of(region_values)
        )
        ukraine_government_deployment: bool | None = doc(
            "For Ukraine: deployed by or for its government"
        )
        end_user_majority_owned_by_d5_macau_hq: bool | None = doc(
            "The end user is majority owned by an entity headquartered in D:5 or Macau"
        )
        foreign_same_function_item_available: bool | None = doc(
            "An item of the same function is available from outside the controlling countries"
        )
        design_ic_production_country: Country | None = doc(
            f"For IC design end uses: where the design is produced ({COUNTRY})"
        )

    return Transaction, Line


# ---------------------------------------------------------------- deals


class Holding(Document):
    id: str = need("The id of the entity holding the interest")
    voting_pct: Number = need("Its voting interest, percent", minimum=0, maximum=100)


class Entity(Document):
    """The acquirer or one of its owners."""

    name: str = need("Name", minLength=1)
    country: Country = need(COUNTRY)
    id: str | None = doc("An id the holdings refer to (letters, digits, '_', '-', '.')")
    us_person: bool | None = doc("A US person")
    government: bool | None = doc("A government or a government-controlled entity")
    owned_by: list[Holding] | None = doc("Who holds it, each with a voting interest")
    notes: Any = doc("Notes")


class SemiconductorFacts(Document):
    """Technical facts the US outbound investment rule's categories turn on."""

    logic_node_nm: Number | None = doc("Logic node, nm", minimum=0)
    non_planar_transistors: bool | None = doc("Non-planar transistors (FinFET, GAAFET)")
    fdsoi: bool | None = doc("Fully depleted silicon on insulator")
    nand_layers: Number | None = doc("NAND layers", minimum=0)
    dram_half_pitch_nm: Number | None = doc("DRAM half pitch, nm", minimum=0)
    gallium_based: bool | None = doc("Gallium-based compound semiconductors")
    graphene_or_cnt: bool | None = doc("Graphene transistors or carbon nanotubes")
    cryogenic_4_5k: bool | None = doc("Operates at or below 4.5 K")
    designs_3a090a_ics: bool | None = doc("Designs ICs meeting 3A090.a")
    euv_exclusive: bool | None = doc("Exclusively for EUV lithography")


class Target(Document):
    """The business acquired."""

    name: str = need("Name", minLength=1)
    country: Country = need(COUNTRY)
    activities: list[str] = need("Its activities (at least one)", minItems=1, **each_of(ACTIVITIES))
    products: list[str] | None = doc("Its products", **each_of(PRODUCTS))
    uk_activities: bool | None = doc("Carries on activities in the UK")
    us_business: bool | None = doc("A US business")
    dual_use_controlled: bool | None = doc("Makes or develops controlled dual-use items")
    military_items: bool | None = doc("Makes or develops military items")
    nl_highly_sensitive: bool | None = doc("Highly sensitive technology under the Dutch act")
    export_classifications: list[str] | None = doc("ECCNs of its items (e.g. 3A090.a, EAR99)")
    authorization_required_countries: list[str] | None = doc(
        "Countries whose export licence its items need (ISO codes)"
    )
    country_of_concern_ownership_pct: Number | None = doc(
        "Interest held from a country of concern, percent", minimum=0, maximum=100
    )
    semiconductor: SemiconductorFacts | None = doc("Technical facts")
    listed: bool | None = doc("A listed company")
    jp_designated_sector: bool | None = doc("In a designated business sector (Japan, FEFTA)")
    kr_national_core_technology: bool | None = doc("Holds a national core technology (Korea)")
    kr_government_rnd_funded: bool | None = doc("Its technology was developed with Korean R&D aid")
    notes: Any = doc("Notes")


class Stake(Document):
    shares_after_pct: Number = need("Shares held after the deal, percent", minimum=0, maximum=100)
    shares_before_pct: Number = omitted("Shares held before, percent", minimum=0, maximum=100)
    votes_before_pct: Number = omitted(
        "Votes held before, percent (default: the shares)", minimum=0, maximum=100
    )
    votes_after_pct: Number = omitted(
        "Votes held after, percent (default: the shares)", minimum=0, maximum=100
    )


class Rights(Document):
    board_appointment: bool | None = doc("Right to appoint a board member")
    veto_rights: bool | None = doc("Veto rights")
    information_rights: bool | None = doc("Access to material non-public technical information")
    decisive_influence: bool | None = doc("Decisive influence (control)")
    material_influence: bool | None = doc("Material influence")
    resolution_control: bool | None = doc("Can pass or block resolutions")
    involvement_in_decisions: bool | None = doc("Involvement in substantive decisions")


class Turnover(Document):
    """Turnover in the preceding financial year, in RMB (merger-control thresholds)."""

    acquirer_worldwide: Number | None = doc("Acquirer, worldwide", minimum=0)
    acquirer_china: Number | None = doc("Acquirer, in China", minimum=0)
    target_worldwide: Number | None = doc("Target, worldwide", minimum=0)
    target_china: Number | None = doc("Target, in China", minimum=0)


class Deal(Document):
    """An investment: acquirer and its owners, target, stake, rights, structure, date."""

    kind: str = need("Always 'deal'", **one_of(["deal"], nullable=False))
    structure: str = need("Share or asset deal", **one_of(STRUCTURES, nullable=False))
    acquirer: Entity = need("The acquirer")
    target: Target = need("The target")
    name: str | None = doc("A name for the deal")
    date: Date | None = doc(f"The deal's date, {DATE_TEXT}")
    owners: list[Entity] | None = doc("The acquirer's owners, up to the ultimate owner")
    stake: Stake | None = doc("The stake before and after (required for a share deal)")
    rights: Rights | None = doc("Rights acquired")
    value_eur: Number | None = doc("Deal value in euro", minimum=0)
    excepted_transaction: bool | None = doc(
        "An excepted transaction of the US outbound investment rule (law/fdi/us_outbound.yaml)"
    )
    turnover_cny: Turnover | None = doc("Turnover, RMB")
    notes: str | None = doc("Notes")
    source: Any = doc("Where the facts come from")


# ---------------------------------------------------------------- screening reports
# What the screening service answers (`ScreeningService.screen`), described for the OpenAPI
# schema. The service builds the report as plain data on its hot path and these models do
# not validate it there; they document it. Every model allows keys it does not name: the
# report carries open-ended data (the matcher's explanations, a list's own fields), and a
# later field must not make a documented answer invalid.


class Report(BaseModel):
    """A part of an answer: the keys named here, and possibly others."""

    model_config = ConfigDict(extra="allow", protected_namespaces=())


class ScreeningMatcher(Report):
    algorithm: str = Field(description="The matching algorithm and its version")
    threshold: Number = Field(description="The score from which a hit is a match (0 to 1]")
    cutoff: Number = Field(description="The score below which a candidate is not shown")


class ListSnapshotInfo(Report):
    """A snapshot of the official lists the screening read."""

    id: str = Field(description="The snapshot's id (content-addressed)")
    dataset: str = Field(description="The dataset it is a copy of")
    as_of: str = Field(description=f"The day the copy shows the list, {DATE_TEXT}")
    entries: int = Field(description="Its number of entries")
    lists: dict[str, int] = Field(description="Entries per list (EL, SDN, ...)")
    source: dict[str, Any] = Field(description="Where and when the copy was taken")
    bundled: bool = Field(description="Shipped with the product rather than fetched")


class HitExplanation(Report):
    """One part of a hit's score: its contribution and why (other keys may follow)."""

    score: Number = Field(description="What it adds to (or takes from) the score")
    detail: str | None = Field(default=None, description="Why, in words")


class ListCitation(Report):
    cite: str = Field(description="The gazette citation (Federal Register, ...)")
    date: str | None = Field(description=f"Its date, {DATE_TEXT}")


class ListedEntry(Report):
    """The listed entry a hit names, as the list publishes it."""

    list_name: str = Field(description="The list's name")
    schema_: str = Field(alias="schema", description="What is listed: Company, Person, ...")
    aliases: list[str] = Field(description="Other names listed")
    countries: list[str] = Field(description="Countries of its addresses (ISO codes)")
    addresses: list[str] = Field(description="Its addresses")
    programs: list[str] = Field(description="The programmes it is listed under")
    licence_requirement: str | None = Field(description="The licence requirement the list states")
    licence_review_policy: str | None = Field(description="The review policy the list states")
    footnotes: list[int] = Field(description="The list's footnotes to it")
    citations: list[ListCitation] = Field(description="Where its listing and amendments appeared")
    listed_on: str | None = Field(description=f"When it was listed, {DATE_TEXT}")
    amended_on: list[str] = Field(description="When its entry was amended")
    removed_on: str | None = Field(description=f"When it was removed, {DATE_TEXT}")
    content_hash: str = Field(description="Hash of the entry's text; a judgement is tied to it")


class HitJudgement(Report):
    """The latest judgement recorded on this party and entry."""

    decision: str = Field(
        description="cleared or confirmed",
        json_schema_extra=one_of(["cleared", "confirmed"], nullable=False),
    )
    reason: str = Field(description="Why")
    author: str = Field(description="Who judged")
    created_at: str = Field(description="When")
    applies: bool = Field(description="The entry still reads as when it was judged")
    detail: str = Field(description="What `applies` means for this hit")


class ScreeningHit(Report):
    """A listed entry found for the party, scored and explained."""

    entry_id: str = Field(description="The entry's id in its list snapshot")
    list_code: str = Field(alias="list", description="The list's short code (EL, SDN, MEU, ...)")
    name: str = Field(description="The listed name")
    score: Number = Field(description="The match score, 0 to 1")
    match: bool = Field(description="The score reaches the matcher's threshold")
    algorithm: str = Field(description="The matching algorithm and its version")
    explanations: dict[str, HitExplanation] = Field(
        description="The parts of the score by name (name, country, address, listing, ...)"
    )
    entry: ListedEntry = Field(description="The listed entry")
    list_snapshot: str = Field(description="The snapshot it was found in")
    judgement: HitJudgement | None = Field(description="The judgement on it, if any")
    risk: Any = Field(default=None, description="For a list that states one: the risk it names")


class ExcludedHit(Report):
    """A matching entry not in force on the answer's date."""

    entry_id: str = Field(description="The entry's id")
    name: str = Field(description="The listed name")
    score: Number = Field(description="The match score")
    reason: str = Field(description="Why it does not count: listed later or removed")


class ScreenedParty(Report):
    """The party as screened."""

    name: str = Field(description="Its name")
    country: str | None = Field(description="Its country (ISO code)")
    address: str | None = Field(description="Its address")
    id: Any = Field(description="Your reference")
    role: Any = Field(description="Its role, as given")
    key: str = Field(description="The key judgements on the party are filed under")


class OwnershipFinding(Report):
    """One ownership rule (the lists' 50 percent rules): does it reach the party, and why."""

    rule_id: str = Field(description="The rule's id (law/screening)")
    title: str = Field(description="The rule")
    status: str = Field(description="What the rule says of the party on the date")
    owned_percent: Number = Field(description="The share the listed owners reach")
    threshold_percent: Number | None = Field(description="The rule's threshold")
    reached: str = Field(description="Whether the threshold is reached: yes, no or unknown")
    lists: list[str] = Field(description="The lists whose parties count")
    listed_owners: list[Any] = Field(description="The listed owners found")
    steps: list[Any] = Field(description="The ownership chain, step by step")
    questions: list[Any] = Field(description="The shares still needed to decide")
    version: dict[str, Any] | None = Field(description="The version of the rule in force")
    not_formalised: str | None = Field(description="What of the rule is not evaluated")


class PartyScreening(Report):
    """One party's result."""

    query: str = Field(description="The name screened")
    party: ScreenedParty = Field(description="The party as screened")
    match: bool = Field(description="A hit in force matches")
    hits: list[ScreeningHit] = Field(description="The entries found, best first")
    excluded: list[ExcludedHit] = Field(description="Matching entries not in force on the date")
    ownership: list[OwnershipFinding] | None = Field(
        default=None, description="For a party given with its owners: each ownership rule"
    )


class ScreeningReport(Report):
    """A screening: the lists read, the matcher, and each party's result."""

    as_of: str = Field(description=f"The answer's date, {DATE_TEXT}")
    matcher: ScreeningMatcher = Field(description="The matcher and its threshold")
    list_snapshots: list[ListSnapshotInfo] = Field(description="The list snapshots read")
    warnings: list[str] = Field(
        description="What the answer may miss (a snapshot older than the date)"
    )
    results: list[PartyScreening] = Field(description="One result per party, in order")


class ScreeningRecord(Report):
    """A recorded screening: the record (input, result, versions) as stored and audited."""

    id: str = Field(description="The record's id")
    kind: str = Field(
        description="Always 'screening'", json_schema_extra=one_of(["screening"], nullable=False)
    )
    created_at: str = Field(description="When it was recorded (UTC)")
    actor: str = Field(description="Who asked")
    as_of: str = Field(description=f"The answer's date, {DATE_TEXT}")
    rulebook_version: str = Field(description="The rulebook's version")
    list_snapshots: list[str] = Field(description="The ids of the list snapshots read")
    engine_version: str = Field(description="The engine's version")
    transaction_id: str | None = Field(description="The transaction it belongs to, if any")
    summary: str = Field(description="The answer in one line")
    sha256: str = Field(description="Hash of the record's canonical text")
    audit_seq: int | None = Field(description="Its entry in the audit log")
    input: dict[str, Any] = Field(description="The parties as sent")
    result: ScreeningReport = Field(description="The screening")


# ---------------------------------------------------------------- what-if scenarios
# A scenario file (`chipcontrols scenario FILE`, POST /v1/scenario): the overlay's parser
# (`chipcontrols.scenario.overlay.parse_scenario`) reads the law in it with the law loader's
# own functions, so versions and rule files are mappings here, checked there.


class ScenarioVersions(Document):
    """New dated versions of an existing law entry."""

    entry: str = need("The law entry's id (GET /v1/rules)")
    versions: list[dict[str, Any]] = need(
        "Versions as in a law file: effective, source, text, condition, ...", minItems=1
    )


class ScenarioRemoval(Document):
    """The law entry ends on a date: a version with status 'removed'."""

    entry: str = need("The law entry's id (GET /v1/rules)")
    effective: Date = need(f"The day it no longer applies, {DATE_TEXT}")
    source: dict[str, Any] = need("Where the change is stated: {citation, url?, ...}")
    text: str = need("What the change says")
    published: Any = doc(f"When it was published, {DATE_TEXT}")
    amended_by: Any = doc("The instrument that makes the change")
    notes: Any = doc("Notes")


class ScenarioListVersions(Document):
    """New dated versions of a dated list (a country group, a list of destinations)."""

    list_id: str = Field(alias="list", description="The dated list's id")
    versions: list[dict[str, Any]] = need(
        "Versions as in a law file: effective, source, text, members, ...", minItems=1
    )


class ScenarioChange(Document):
    """One change: a mapping with exactly one of its keys."""

    model_config = ConfigDict(
        json_schema_extra={"additionalProperties": False, "minProperties": 1, "maxProperties": 1}
    )

    add_entry: dict[str, Any] | None = doc("A whole rule file, as under law/ (docs/law-format.md)")
    add_versions: ScenarioVersions | None = doc("New dated versions of an existing entry")
    remove_entry: ScenarioRemoval | None = doc("An entry removed from a date")
    add_list_versions: ScenarioListVersions | None = doc("New dated versions of a dated list")


class ScenarioFile(Document):
    """A what-if scenario: law entries (and dated lists) added, changed or removed, with
    dates, evaluated beside the real rulebook (docs/law-format.md)."""

    name: str = need("The scenario's name", minLength=1)
    description: str | None = doc("What the scenario supposes")
    changes: list[ScenarioChange] = need("The changes (at least one)", minItems=1)
    notes: Any = doc("Notes")


def check_scenario_file(raw: Any, file: str) -> Any:
    """A scenario file (as read) checked against `ScenarioFile`; returned unchanged. A type
    error is a ScenarioError located as the overlay's parser locates its own
    (`FILE:changes[0].add_versions.entry`). A document that is not a mapping is left to the
    parser, which says what a scenario is."""
    from chipcontrols.scenario.overlay import ScenarioError

    if not isinstance(raw, Mapping):
        return raw
    try:
        check_file(ScenarioFile, raw, loc="")
    except InputError as exc:
        errors = [
            {**e, "loc": f"{file}:{e['loc']}" if e.get("loc") else file}
            for e in exc.ctx.get("errors", [])
        ]
        loc = f"{file}:{exc.loc}" if exc.loc else file
        raise ScenarioError(exc.message, loc=loc, ctx={"errors": errors}) from None
    return raw


# ---------------------------------------------------------------- files


def _where(raw: Any, parts: tuple[Any, ...] | list[Any], *, missing: bool) -> tuple[Any, ...]:
    """The path of an error in the document: the keys and indexes found in `raw` (and the
    name of a missing field), without the names pydantic gives the members of a union
    (`int`, `str`, `list[str]`)."""
    out: list[Any] = []
    value = raw
    for i, part in enumerate(parts):
        keyed = isinstance(value, Mapping) and part in value
        indexed = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        if keyed or indexed:
            value = value[part]
        elif not (missing and i == len(parts) - 1):
            continue
        out.append(part)
    return tuple(out)


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def check_file(model: type[BaseModel], raw: Any, *, loc: str) -> Any:
    """`raw` (a file as read) checked against `model`; returned unchanged. A type error is
    an InputError naming the field, under `loc` (the file's name on the command line); the
    types a field accepts are named together ("a valid integer, a valid number or a valid
    string")."""
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        found: dict[tuple[Any, ...], list[str]] = {}
        for error in exc.errors(include_url=False, include_input=False):
            missing = error.get("type") == "missing"
            where = _where(raw, error.get("loc", ()), missing=missing)
            messages = found.setdefault(where, [])
            message = str(error.get("msg", "invalid input"))
            if missing and where:
                message += _misspelt(raw, where)
            if message not in messages:
                messages.append(message)
        simple = [
            {"loc": _loc([loc, *where]), "message": _join(messages)}
            for where, messages in list(found.items())[:20]
        ]
        first = simple[0]
        raise InputError(first["message"], loc=first["loc"], ctx={"errors": simple}) from None
    return raw


def _misspelt(raw: Any, where: tuple[Any, ...]) -> str:
    """For a missing field, the key beside it that looks like a misspelling of it."""
    parent = raw
    for part in where[:-1]:
        parent = parent[part]
    if not isinstance(parent, Mapping) or not isinstance(where[-1], str):
        return ""
    others = [k for k in parent if isinstance(k, str) and k != where[-1]]
    close = difflib.get_close_matches(where[-1], others, n=1, cutoff=0.75)
    return f"; the file has {close[0]!r}: did you mean {where[-1]!r}?" if close else ""


def _join(messages: list[str]) -> str:
    head = "Input should be "
    if len(messages) > 1 and all(m.startswith(head) for m in messages):
        parts = [m[len(head) :] for m in messages]
        return head + ", ".join(parts[:-1]) + " or " + parts[-1]
    return "; ".join(messages)


def check_item_file(raw: Any, rulebook: Rulebook, *, loc: str) -> Any:
    """An item file checked against the item model of `rulebook`."""
    return check_file(item_model(rulebook), raw, loc=loc)


def check_transaction_file(raw: Any, rulebook: Rulebook, *, loc: str) -> Any:
    """A transaction file checked against the transaction model of `rulebook`."""
    return check_file(transaction_models(rulebook)[0], raw, loc=loc)


def check_deal_file(raw: Any, *, loc: str) -> Any:
    """A deal file checked against the deal model."""
    return check_file(Deal, raw, loc=loc)
