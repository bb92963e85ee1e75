"""Fetchers against a local HTTP server serving recorded copies: snapshots, diffs,
conditional requests, retries, checksums, and no activation of a failed or partial file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from chipcontrols.errors import InputError
from chipcontrols.screening.fetch.http import Fetcher
from chipcontrols.screening.fetch.sources import Source, load_sources, select
from chipcontrols.screening.fetch.update import load_state, update_source
from chipcontrols.screening.lists.snapshots import SnapshotStore
from tests.fetch.conftest import RECORDED, LocalHTTP, sha256

DAY = dt.date(2026, 12, 1)
CUSTOMER = "Zephyrcrest Lithography Supply Co., Ltd."


@pytest.fixture
def store(tmp_path: Path) -> SnapshotStore:
    return SnapshotStore(tmp_path / "home")


def _source(name: str, urls: object) -> Source:
    return select(name, {name: urls})[0]


def test_every_source_has_an_official_url_or_says_it_needs_one() -> None:
    sources = load_sources()
    assert {
        "csl_json",
        "csl_csv",
        "ofac_sdn",
        "ofac_consolidated",
        "eu_fsf",
        "uk_sanctions_list",
        "bis_entity_list",
        "jp_meti_eul",
    } <= set(sources)
    for s in sources.values():
        for f in s.files:
            assert f.url is None or f.url.startswith("https://"), (s.name, f.name)
    with pytest.raises(InputError, match="CHIPCONTROLS_WATCH_URLS"):
        sources["jp_meti_eul"].urls(DAY)
    with pytest.raises(InputError, match="unknown list source"):
        select("nope")
    with pytest.raises(InputError, match="unknown source"):
        load_sources({"nope": "http://x"})


def test_csl_fetch_creates_snapshot_and_diff(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    url = http_server.serve_file("/csl.json", "csl_base.json")
    source = _source("csl_json", url)
    bundled = store.active_ids()["csl"]
    first = update_source(store, source, fetcher, day=DAY)
    assert first.status == "updated", first.error
    assert first.previous == bundled
    assert store.active_ids()["csl"] == first.snapshot != bundled
    snap = store.load(first.snapshot)
    assert len(snap.entries) == 5 and snap.as_of == DAY
    assert snap.source["sha256"] == sha256((RECORDED / "csl_base.json").read_bytes())

    http_server.serve_file("/csl.json", "csl_update.json")
    second = update_source(store, source, fetcher, day=DAY)
    assert second.status == "updated"
    assert second.previous == first.snapshot
    assert store.active_ids()["csl"] == second.snapshot
    diff = second.diff
    assert diff is not None
    assert [e.name for e in diff.added] == [CUSTOMER]
    assert diff.removed == ()
    assert [c.name for c in diff.changed] == ["Abdul Satar Ghoura"]
    assert diff.changed[0].fields == ("aliases",)
    # the other datasets stay as they were
    assert {k: v for k, v in store.active_ids().items() if k != "csl"} == {
        k: v for k, v in SnapshotStore(store.home / "x").active_ids().items() if k != "csl"
    }


def test_etag_and_last_modified_give_a_conditional_request(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    url = http_server.serve_file(
        "/csl.json", "csl_base.json", etag='"v1"', last_modified="Mon, 30 Nov 2026 10:00:00 GMT"
    )
    source = _source("csl_json", url)
    first = update_source(store, source, fetcher, day=DAY)
    assert first.status == "updated"
    state = load_state(store)["csl_json"]["files"]["consolidated.json"]
    assert state["etag"] == '"v1"' and state["sha256"]
    second = update_source(store, source, fetcher, day=DAY + dt.timedelta(days=1))
    assert second.status == "not_modified"
    req = http_server.got("GET", "/csl.json")[-1]
    assert req.headers["If-None-Match"] == '"v1"'
    assert req.headers["If-Modified-Since"] == "Mon, 30 Nov 2026 10:00:00 GMT"
    assert store.active_ids()["csl"] == first.snapshot
    # a server that ignores the condition but sends the same bytes: still not modified
    http_server.routes["/csl.json"].etag = None
    third = update_source(store, source, fetcher, day=DAY)
    assert third.status == "not_modified"
    assert store.active_ids()["csl"] == first.snapshot


def test_retries_after_server_errors(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    url = http_server.serve_file("/csl.json", "csl_base.json", fail_times=2)
    result = update_source(store, _source("csl_json", url), fetcher, day=DAY)
    assert result.status == "updated"
    assert len(http_server.got("GET", "/csl.json")) == 3
    assert fetcher.sleeps == [0.01, 0.02]  # type: ignore[attr-defined]


def test_gives_up_after_the_last_attempt(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    before = store.active_ids()
    url = http_server.serve_file("/csl.json", "csl_base.json", fail_times=5)
    result = update_source(store, _source("csl_json", url), fetcher, day=DAY)
    assert result.status == "failed" and "3 attempts" in (result.error or "")
    assert store.active_ids() == before
    assert not store.pointer.exists()


def _baseline(http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher) -> str:
    url = http_server.serve_file("/csl.json", "csl_base.json")
    result = update_source(store, _source("csl_json", url), fetcher, day=DAY)
    assert result.status == "updated"
    return str(result.snapshot)


def test_a_truncated_download_never_replaces_the_active_snapshot(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    active = _baseline(http_server, store, fetcher)
    stored = set(store.stored_ids())
    state = load_state(store)
    body = (RECORDED / "csl_update.json").read_bytes()
    url = http_server.serve("/csl.json", body, truncate_to=len(body) // 2)
    result = update_source(store, _source("csl_json", url), fetcher, day=DAY)
    assert result.status == "failed"
    assert store.active_ids()["csl"] == active
    assert set(store.stored_ids()) == stored  # nothing imported
    assert load_state(store) == state
    assert not list((store.home / "fetch").glob("csl_json.*"))  # no work folder left


def test_a_complete_but_damaged_file_is_not_activated(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    active = _baseline(http_server, store, fetcher)
    body = (RECORDED / "csl_update.json").read_bytes()
    url = http_server.serve("/csl.json", body[: len(body) // 2])  # consistent length, cut JSON
    result = update_source(store, _source("csl_json", url), fetcher, day=DAY)
    assert result.status == "failed" and "JSON" in (result.error or "")
    assert store.active_ids()["csl"] == active


def test_a_much_shorter_list_is_refused(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    active = _baseline(http_server, store, fetcher)
    doc = json.loads((RECORDED / "csl_base.json").read_text("utf-8"))
    doc["results"] = doc["results"][:1]
    url = http_server.serve("/csl.json", json.dumps(doc))
    result = update_source(store, _source("csl_json", url), fetcher, day=DAY)
    assert result.status == "failed" and "partial" in (result.error or "")
    assert store.active_ids()["csl"] == active
    # a smaller drop than max_drop is a normal update
    doc = json.loads((RECORDED / "csl_base.json").read_text("utf-8"))
    doc["results"] = doc["results"][:4]
    http_server.serve("/csl.json", json.dumps(doc))
    result = update_source(store, _source("csl_json", url), fetcher, day=DAY)
    assert result.status == "updated" and result.diff is not None
    assert len(result.diff.removed) == 1


def test_checksums(http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher) -> None:
    body = (RECORDED / "csl_base.json").read_bytes()
    url = http_server.serve("/csl.json", body)
    bad = http_server.serve("/csl.json.sha256", "0" * 64 + "  consolidated.json\n")
    source = _source("csl_json", {"consolidated.json": url, "consolidated.json.sha256": bad})
    before = store.active_ids()
    result = update_source(store, source, fetcher, day=DAY)
    assert result.status == "failed" and "checksum mismatch" in (result.error or "")
    assert store.active_ids() == before
    http_server.serve("/csl.json.sha256", sha256(body) + "  consolidated.json\n")
    result = update_source(store, source, fetcher, day=DAY)
    assert result.status == "updated"
    assert result.files[0]["sha256"] == sha256(body)


def test_csl_csv(http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher) -> None:
    url = http_server.serve_file("/consolidated.csv", "csl_base.csv")
    result = update_source(store, _source("csl_csv", url), fetcher, day=DAY)
    assert result.status == "updated", result.error
    snap = store.load(store.active_ids()["csl"])
    assert sorted({e.list for e in snap.entries}) == ["DPL", "EL", "SDN"]


def _serve_ofac(http_server: LocalHTTP, etag: bool = False) -> dict[str, str]:
    urls = {}
    for name in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"):
        extra = {"etag": f'"{name}-1"'} if etag else {}
        urls[name] = http_server.serve_file(f"/ofac/{name.upper()}", f"ofac/{name}", **extra)
    return urls


def test_ofac_sdn_files_and_a_partial_304(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    source = _source("ofac_sdn", _serve_ofac(http_server, etag=True))
    first = update_source(store, source, fetcher, day=DAY)
    assert first.status == "updated", first.error
    snap = store.load(store.active_ids()["ofac_sdn"])
    assert {e.name: e.aliases for e in snap.entries}["AEROCARIBBEAN AIRLINES"] == (
        "AERO-CARIBBEAN",
    )
    # only sdn.csv changes: the other three answer 304 and their kept copies are used
    sdn = (
        (RECORDED / "ofac" / "sdn.csv")
        .read_text("utf-8")
        .replace("AEROCARIBBEAN AIRLINES", "AEROCARIBBEAN AIRLINES S.A.")
    )
    http_server.serve("/ofac/SDN.CSV", sdn, etag='"sdn.csv-2"')
    second = update_source(store, source, fetcher, day=DAY)
    assert second.status == "updated", second.error
    assert [f["status"] for f in second.files] == [200, 304, 304, 304]
    assert second.diff is not None and [c.fields for c in second.diff.changed] == [("name",)]
    snap = store.load(store.active_ids()["ofac_sdn"])
    assert {e.name: e.aliases for e in snap.entries}["AEROCARIBBEAN AIRLINES S.A."] == (
        "AERO-CARIBBEAN",
    )


def test_ofac_consolidated_is_its_own_list(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    result = update_source(
        store, _source("ofac_consolidated", _serve_ofac(http_server)), fetcher, day=DAY
    )
    assert result.status == "updated", result.error
    snap = store.load(store.active_ids()["ofac_consolidated"])
    assert {e.id for e in snap.entries} == {"ofac-cons:36", "ofac-cons:173"}
    assert all("Consolidated" in e.list_name and e.list_name != "SDN" for e in snap.entries)


def test_eu_financial_sanctions_file(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    url = http_server.serve_file("/eu.csv", "eu_fsf.csv")
    result = update_source(store, _source("eu_fsf", url), fetcher, day=DAY)
    assert result.status == "updated", result.error
    snap = store.load(store.active_ids()["eu_fsf"])
    assert snap.as_of == dt.date(2026, 11, 28)  # the file's generation date
    by_name = {e.name: e for e in snap.entries}
    org = by_name["Sample Format Trading LLC"]
    assert org.aliases == ("OOO Sample Format Trading",)
    assert org.countries == ("RU",) and org.listed_on == dt.date(2026, 6, 24)
    assert by_name["Ivan Samplevich Formatov"].schema == "Person"


def test_uk_sanctions_list(http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher) -> None:
    url = http_server.serve_file("/uk.csv", "uk_sanctions_list.csv")
    result = update_source(store, _source("uk_sanctions_list", url), fetcher, day=DAY)
    assert result.status == "updated", result.error
    snap = store.load(store.active_ids()["uk_sanctions_list"])
    assert snap.as_of == dt.date(2026, 11, 28)  # the Report Date line
    by_name = {e.name: e for e in snap.entries}
    assert by_name["Sample Format Machine Tools JSC"].aliases == ("SFMT JSC",)
    assert by_name["Sample Format Machine Tools JSC"].listed_on == dt.date(2026, 5, 15)
    assert by_name["Ivan Samplevich FORMATOV"].schema == "Person"


def test_entity_list_from_the_ecfr(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    path = f"/api/versioner/v1/full/{DAY.isoformat()}/title-15.xml"
    http_server.serve_file(path, "ecfr_part744_supp4.xml")
    url = http_server.url + "/api/versioner/v1/full/{date}/title-15.xml"
    result = update_source(store, _source("bis_entity_list", url), fetcher, day=DAY)
    assert result.status == "updated", result.error
    assert http_server.got("GET", path)  # {date} became the day of the fetch
    snap = store.load(store.active_ids()["bis_entity_list"])
    ghoura = {e.name: e for e in snap.entries}["Abdul Satar Ghoura"]
    assert ghoura.list == "EL" and ghoura.countries == ("AF",)
    assert ghoura.listed_on == dt.date(2011, 11, 21)
    assert "744.11" in (ghoura.licence_requirement or "")


def test_japan_end_user_list(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    url = http_server.serve_file("/eul.csv", "jp_meti_eul.csv")
    result = update_source(store, _source("jp_meti_eul", url), fetcher, day=DAY)
    assert result.status == "updated", result.error
    snap = store.load(store.active_ids()["jp_meti_eul"])
    assert len(snap.entries) == 4 and {e.list for e in snap.entries} == {"METI-EUL"}


def test_a_wrong_file_for_a_source_is_not_activated(
    http_server: LocalHTTP, store: SnapshotStore, fetcher: Fetcher
) -> None:
    before = store.active_ids()
    url = http_server.serve_file("/uk.csv", "eu_fsf.csv")
    result = update_source(store, _source("uk_sanctions_list", url), fetcher, day=DAY)
    assert result.status == "failed" and "Unique ID" in (result.error or "")
    assert store.active_ids() == before
