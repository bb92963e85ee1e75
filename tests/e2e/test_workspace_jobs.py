"""More of the workspace in headless Chromium: an order of several lines and parties, a file
of counterparties screened, the coalition timeline with its chart and the products behind a
cell, the law's text compared between two dates, and the administrator's and the letters'
pages. Each by keyboard where a user would type, checked with axe-core, saved as a
screenshot (see test_workspace)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Server, sign_in
from tests.e2e.test_workspace import RECORD_URL, problems_free, shot, wait_for_record

CSV = "name,country,address\nHuawei Technologies,China,\nZeta Photonics Unlisted GmbH,Germany,\n"


def test_an_order_of_several_lines_and_parties(page: Any, server: Server) -> None:
    sign_in(page, server, "/check")
    page.focus("input[name=destination]")
    page.keyboard.type("Taiwan")
    page.fill("input[name=as_of]", "2024-06-01")
    page.select_option("select[name=line-0-product]", "NVIDIA H100 SXM5 80GB")
    page.fill("input[name=line-0-quantity]", "8")
    page.fill("input[name=line-0-value]", "250000")
    # a second line, added from the keyboard; the new line takes the focus
    page.focus("#add-line")
    page.keyboard.press("Enter")
    page.locator("#line-1").wait_for()
    expect(page.locator("select[name=line-1-product]")).to_be_focused()
    page.select_option("select[name=line-1-kind]", "integrated_circuit")
    page.locator("#line-1-figures details").wait_for()  # the kind's figures, in words
    page.focus("#line-1-figures summary")
    page.keyboard.press("Enter")  # opens the figures
    assert "processing performance" in page.inner_text("#line-1-figures").lower()
    page.fill("input[name='line-1-p:die_area_mm2']", "814")
    page.fill("input[name=line-1-name]", "Prototype accelerator")
    page.fill("input[name=line-1-quantity]", "2")
    # a third line, then removed again
    page.click("#add-line")
    page.locator("#line-2").wait_for()
    page.click("#line-2 button")
    page.locator("#line-2").wait_for(state="detached")
    expect(page.locator("#add-line")).to_be_focused()
    page.fill("input[name=party-0-name]", "Acme Compute Ltd")
    page.fill("input[name=party-0-country]", "Taiwan (TW)")
    page.click("#add-party")
    page.locator("#party-1").wait_for()
    page.select_option("select[name=party-1-role]", "purchaser")
    page.fill("input[name=party-1-name]", "Lion City Distribution Pte")
    page.focus("input[name=party-1-country]")
    page.keyboard.type("Singapore")
    assert problems_free(page)
    shot(page, "check-several-lines")
    page.focus("#check-submit")
    page.keyboard.press("Enter")
    wait_for_record(page)
    asked = page.inner_text(".input-summary")
    assert "NVIDIA H100 SXM5 80GB" in asked and "Prototype accelerator" in asked
    assert "quantity 8" in asked and "250,000 USD" in asked
    assert "Taiwan" in asked and "Singapore" in asked and "Purchaser" in asked.title()
    assert page.locator(".input-summary ol > li").count() == 2
    assert "814" in asked  # the figure given on the line
    assert problems_free(page)
    shot(page, "record-several-lines")


def test_screen_a_file_of_counterparties(page: Any, server: Server) -> None:
    sign_in(page, server, "/screen")
    page.set_input_files(
        "#parties-file", {"name": "parties.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.locator("#parties-csv").wait_for()
    # app.js copies the file's text into the form (the page posts text, not a file)
    for _ in range(50):
        if page.input_value("#parties-csv").strip():
            break
        page.wait_for_timeout(100)
    assert "Zeta Photonics" in page.input_value("#parties-csv")
    page.focus("#screen-file-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(RECORD_URL)
    assert page.inner_text("#screening-count").startswith("1 of 2")
    table = page.locator("table.hits").first.inner_text()
    assert "Huawei Technologies Co., Ltd." in table and "Entity List" in table
    assert page.locator("table.hits mark").count() >= 1  # what matched is highlighted
    assert "No matching listed party" in page.inner_text("table.screened")
    assert problems_free(page)
    shot(page, "screen-file-result")


def test_timeline_with_its_chart_and_the_products_behind_a_cell(page: Any, server: Server) -> None:
    sign_in(page, server, "/timeline")
    page.set_default_timeout(300_000)
    page.fill("input[name=destination]", "China")
    page.fill("input[name=from]", "2023-01-01")
    page.fill("input[name=to]", "2024-06-30")
    page.click("#timeline-form details summary")
    page.check("input[name=capability][value=arfi_dco_1_5]")
    page.focus("#timeline-form button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("#timeline-heading").wait_for()
    # Japan's control of immersion ArF scanners took effect on 23 July 2023 (METI Ordinance
    # amending the Export Trade Control Order, promulgated 23 May 2023); the Netherlands'
    # on 1 Sept. 2023: between the two, a gap (blocked in Japan, free elsewhere).
    gaps = page.inner_text("section.gap")
    assert "2023-07-23" in gaps and "Japan" in gaps
    chart = page.locator("#timeline-chart")
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_js_property("complete", True, timeout=300_000)
    assert chart.evaluate("img => img.naturalWidth") > 0  # the SVG drawn and loaded
    assert problems_free(page)
    shot(page, "timeline")
    twin = page.request.get(page.url + "&format=json")
    assert twin.status == 200 and json.loads(twin.text())["status"] == "done"
    # the products behind a cell: the matrix on that date for that capability
    page.locator("table.timeline tbody td a").last.click()
    page.wait_for_url(re.compile(r"/coalition\?.*capability=arfi_dco_1_5"))
    row = page.inner_text("#cap-arfi_dco_1_5")
    assert "TWINSCAN NXT" in row
    assert problems_free(page)
    shot(page, "coalition-one-capability")


def test_the_law_compared_between_two_dates_in_its_own_words(page: Any, server: Server) -> None:
    sign_in(page, server, "/rules/diff")
    page.fill("input[name=from]", "2023-01-01")
    page.fill("input[name=to]", "2024-01-01")
    page.select_option("#diff-form select[name=jurisdiction]", "US")
    page.fill("#diff-form input[name=q]", "3A090")
    page.press("#diff-form input[name=q]", "Enter")
    page.locator("#diff-count").wait_for()
    assert not page.inner_text("#diff-count").startswith("0 ")
    first = page.locator("section.change").first
    text = first.inner_text()
    assert "3A090" in text and "Amended" in text  # 88 FR 73458 amended the 3A090 controls
    assert first.locator("blockquote.legal").count() == 2  # the old and the new text
    assert first.locator("blockquote.legal ins, blockquote.legal del").count() > 0
    where = page.locator("section.change h2 .muted").all_inner_texts()
    assert where and set(where) == {"United States"}  # the jurisdiction filter
    assert problems_free(page)
    shot(page, "rules-diff-text")


def test_users_keys_sessions_and_letters(page: Any, server: Server, browser: Any) -> None:
    viewer = server.svc.create_user("vera", "viewer", actor="test")["api_key"]
    sign_in(page, server, "/admin")
    page.fill("#user-form input[name=name]", "ana")
    page.select_option("#user-form select[name=role]", "analyst")
    page.click("#user-form button[type=submit]")
    key = page.inner_text("#new-key-value").strip()
    assert key.startswith("cck_")
    assert server.svc.authenticate(key).role == "analyst"
    key_id = key.split("_")[1]
    page.click(f"#key-{key_id} button")
    page.wait_for_url(re.compile(r"/admin$"))
    assert "revoked" in page.inner_text(f"#key-{key_id}")
    # a session opened elsewhere, ended from here
    server.svc.sign_in(viewer)
    page.reload()
    rows = page.locator("table.sessions tbody tr")
    assert rows.count() == 2
    other = page.locator("table.sessions tbody tr", has_text="vera")
    other.locator("button").click()
    page.wait_for_url(re.compile(r"/admin$"))
    assert page.locator("table.sessions tbody tr", has_text="vera").count() == 0
    assert problems_free(page)
    shot(page, "admin")

    page.goto("/letters")
    page.fill("#letter-form input[name=reference]", "BIS letter of 2023-10-20 (example)")
    page.select_option("#letter-form select[name=basis]", "744.23(b)")
    page.fill("#letter-form input[name=effective]", "2023-10-20")
    page.fill("#letter-form textarea[name=exporters]", "Example Chips Inc.")
    page.fill("#letter-form input[name=products]", "MI3*")
    page.fill("#letter-form input[name=destinations]", "CN, MO")
    page.click("#letter-form button[type=submit]")
    page.wait_for_url(re.compile(r"/letters#letter-"))
    row = page.locator("table.letters tbody tr").first
    assert "MI3*" in row.inner_text() and "China" in row.inner_text()
    row.locator("input[name=reason]").fill("lifted by BIS")
    row.locator("button").click()
    page.wait_for_url(re.compile(r"revoked=1"))
    assert "lifted by BIS" in page.inner_text("table.letters")
    assert problems_free(page)
    shot(page, "letters")

    # a viewer is told before filling a form, and the admin pages are refused as in the API
    context = browser.new_context(base_url=server.url)
    try:
        tab = context.new_page()
        tab.goto("/letters")
        tab.fill("input[name=api_key]", viewer)
        tab.click("button[type=submit]")
        tab.wait_for_url(re.compile(r"/letters$"))
        assert "viewer" in tab.inner_text("#role-note")
        assert tab.locator("#letter-form button[type=submit]").is_disabled()
        assert tab.locator("nav a[href='/admin']").count() == 0
        refused = tab.goto("/admin")
        assert refused is not None and refused.status == 403
        assert "admin" in tab.inner_text("main")
    finally:
        context.close()
