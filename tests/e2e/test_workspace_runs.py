"""The longer workflows in headless Chromium: a what-if scenario, a file of order lines
checked with its results downloaded, the kept parties screened again, and a list update
brought in from a file. Each page tells the role it needs before the form is filled, opens
with words rather than identifiers, is driven by keyboard where a user would type, checked
with axe-core and saved as a screenshot (see test_workspace). Nothing is fetched from the
network: the list update is a file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Server, sign_in
from tests.e2e.test_workspace import IDENTIFIER, first_words, problems_free, shot

# Fictitious: a made-up company and a made-up list entry, for the re-screening only.
KEPT_PARTY = "Zeta Photonics Unlisted GmbH"
LIST_UPDATE = json.dumps(
    {
        "total": 1,
        "sources_used": [],
        "results": [
            {
                "id": "test-entry-zeta-0001",
                "source": "Entity List (EL) - Bureau of Industry and Security",
                "name": KEPT_PARTY,
                "addresses": [{"address": "1 Example Strasse", "city": "Berlin", "country": "DE"}],
                "start_date": "2024-01-02",
                "license_requirement": "For all items subject to the EAR.",
                "license_policy": "Presumption of denial.",
                "federal_register_notice": "test fixture, not a real notice",
                "alt_names": [],
                "programs": [],
            }
        ],
    },
    indent=1,
)
ORDERS = (
    "line_id,kind,name,tpp,die_area_mm2,datacenter,export_from,destination,made_in\n"
    "SO-1,integrated_circuit,Accelerator A,4800,800,true,US,NL,US\n"
    "SO-2,integrated_circuit,Accelerator B,1000,800,true,US,,US\n"
)


def opens_with_words(page: Any) -> None:
    assert page.locator("main h1").count() == 1
    words = first_words(page)
    assert not IDENTIFIER.search(words), words
    expect(page.locator("#role-need")).to_be_visible()


def fill_from_file(page: Any, file_input: str, text_area: str, name: str, text: str) -> None:
    """Choose a file; app.js copies its text into the form (the page posts text)."""
    page.set_input_files(
        file_input, {"name": name, "mimeType": "text/plain", "buffer": text.encode()}
    )
    for _ in range(50):
        if page.input_value(text_area).strip():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text_area} was not filled from the file")


def keep_party(server: Server, name: str, country: str) -> None:
    """A party screened earlier (and so kept for re-screening)."""
    server.svc.run(
        "screening", {"parties": [{"name": name, "country": country}]}, as_of=None, actor="test"
    )


def test_scenario_page_shows_what_a_rule_change_would_change(page: Any, server: Server) -> None:
    sign_in(page, server, "/scenario")
    opens_with_words(page)
    assert "nothing is recorded" in page.inner_text("#role-need").lower()
    page.focus("#scenario-choice")
    page.select_option("#scenario-choice", "japan-lifts-arfi")
    page.focus("input[name=as_of]")
    page.fill("input[name=as_of]", "2025-08-01")
    assert problems_free(page)
    shot(page, "scenario-form")
    page.set_default_timeout(300_000)
    page.focus("#scenario-submit")
    page.keyboard.press("Enter")
    page.locator("#report").wait_for()
    # examples/scenarios/japan-lifts-arfi.yaml removes Japan's ArF immersion control
    # (貨物等省令 第六条第十七号ヲ, in force 23 July 2023) from 1 July 2025.
    assert "Removes an entry from the law" in page.inner_text("#scenario-changes")
    law = page.inner_text("table.law-changes")
    assert "Japan" in law and "Removed" in law
    products = page.inner_text("table.product-changes")
    assert "Licence required" in products and "Free to export" in products
    assert "licence_required" not in products
    assert problems_free(page)
    shot(page, "scenario-result")
    # bad input: the field is named, the form kept
    page.select_option("#scenario-choice", "")
    page.fill("#scenario-text", "name: [unclosed")
    page.click("#scenario-submit")
    error = page.inner_text("#form-error")
    assert error.startswith("scenario_text") and page.input_value("#scenario-text")


def test_batch_page_checks_a_file_and_offers_the_results(
    page: Any, server: Server, tmp_path: Path
) -> None:
    sign_in(page, server, "/batch")
    opens_with_words(page)
    assert "analyst" in page.inner_text("#role-need")
    fill_from_file(page, "#batch-file", "#orders-csv", "june-orders.csv", ORDERS)
    assert page.input_value("#batch-file-name") == "june-orders.csv"
    page.focus("input[name=as_of]")
    page.fill("input[name=as_of]", "2024-06-01")
    assert problems_free(page)
    shot(page, "batch-form")
    page.set_default_timeout(300_000)
    page.focus("#batch-submit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/batch\?run=[0-9a-f]{24}"))
    counts = page.inner_text("#batch-counts")
    assert counts.startswith("1 checked, 1 could not be checked"), counts
    bad = page.inner_text("table.bad-lines tbody")
    assert "2" in bad and "SO-2" in bad and "destination" in bad and "empty" in bad
    assert "United States" in page.inner_text("table.batch-verdicts")
    assert problems_free(page)
    shot(page, "batch-result")
    with page.expect_download() as found:
        page.focus("#download")
        page.keyboard.press("Enter")
    download = found.value
    assert download.suggested_filename == "june-orders.results.csv"
    saved = tmp_path / "results.csv"
    download.save_as(str(saved))
    lines = saved.read_text("utf-8").splitlines()
    assert lines[0].startswith("line_id,") and len(lines) == 3
    assert ",ok," in lines[1] and ",error," in lines[2]
    # the run is listed, and a file too large for the browser is refused with its field
    assert "june-orders.csv" in page.inner_text("table.batch-recent")
    big = "export_from,destination,kind\n" + "US,NL,integrated_circuit\n" * 600
    page.fill("#orders-csv", big)
    page.click("#batch-submit")
    assert page.inner_text("#form-error").startswith("orders_csv")


def test_rescreen_page_shows_new_hits_with_links_to_the_review_queue(
    page: Any, server: Server
) -> None:
    keep_party(server, KEPT_PARTY, "DE")
    # the list changes without a re-screening (as `chipcontrols lists import` leaves it)
    listed = server.home / "update.json"
    listed.write_text(LIST_UPDATE, "utf-8")
    server.svc.snapshots.import_file(listed, dataset="test_update", activate=True)
    sign_in(page, server, "/rescreen")
    opens_with_words(page)
    assert page.inner_text("#last-run") == "never"
    assert page.inner_text("#kept-parties") == "1"
    assert problems_free(page)
    shot(page, "rescreen-form")
    page.set_default_timeout(300_000)
    page.focus("#rescreen-submit")
    page.keyboard.press("Enter")
    page.locator("#result").wait_for()
    assert page.inner_text("#last-run") != "never"
    hits = page.inner_text("table.rescreen-hits")
    assert KEPT_PARTY in hits and "New hit" in hits and "(EL)" in hits
    assert problems_free(page)
    shot(page, "rescreen-result")
    link = page.locator("table.rescreen-hits a", has_text="review queue").first
    href = link.get_attribute("href")
    assert href and href.startswith("/review#hit-")
    link.click()
    page.wait_for_url(re.compile(r"/review"))
    assert KEPT_PARTY in page.inner_text("#" + href.split("#", 1)[1])


def test_watch_page_shows_the_sources_and_takes_a_list_update_from_a_file(
    page: Any, server: Server
) -> None:
    keep_party(server, KEPT_PARTY, "DE")
    sign_in(page, server, "/watch")
    opens_with_words(page)
    assert "administrator" in page.inner_text("#role-need")
    csl = page.inner_text("#source-csl_json")
    assert "Consolidated Screening List" in csl and "never" in csl
    assert "csl" in page.inner_text("table.datasets")
    fill_from_file(page, "#list-file", "#list-text", "update.json", LIST_UPDATE)
    page.focus("input[name=dataset]")
    page.keyboard.type("test_update")
    assert problems_free(page)
    shot(page, "watch-form")
    page.set_default_timeout(300_000)
    page.focus("#import-submit")
    page.keyboard.press("Enter")
    page.locator("#result").wait_for()
    status = page.inner_text("#update-status")
    assert status.startswith("test_update: Updated")
    hits = page.inner_text("table.rescreen-hits")
    assert KEPT_PARTY in hits and "New hit" in hits
    assert "test_update" in page.inner_text("table.datasets")
    assert problems_free(page)
    shot(page, "watch-result")
    # a viewer reads the page but is told, before filling it, that it is not for them
    viewer = server.svc.create_user("vera", "viewer", actor="test")["api_key"]
    page.context.clear_cookies()
    page.goto("/watch")
    page.fill("input[name=api_key]", viewer)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/watch$"))
    expect(page.locator("#role-note")).to_be_visible()
    expect(page.locator("#import-submit")).to_be_disabled()
