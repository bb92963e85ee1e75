"""The workspace pages in headless Chromium: every page reachable, usable with the keyboard,
checked for accessibility (axe-core, shipped inside the axe-playwright-python package; a
small built-in check of labels, alt text and landmarks where it is missing), free of raw
identifiers in what a user reads first, and saved as a screenshot for review under
`out/e2e-screenshots/` (or $CHIPCONTROLS_TEST_OUTPUT)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, sign_in

OUT = Path(os.environ.get("CHIPCONTROLS_TEST_OUTPUT", "out")) / "e2e-screenshots"
RECORD_URL = re.compile(r"/records/(rec-[0-9a-f]{16})(\?previous=rec-[0-9a-f]{16})?$")
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # licence_required, die_area_mm2
# axe rules a page must pass; colour contrast is judged by the reviewer on the screenshots.
AXE_SKIP = {"color-contrast"}

PAGES = [
    ("dashboard", "/dashboard"),
    ("check", "/check"),
    ("classify", "/classify?kind=integrated_circuit"),
    ("screen", "/screen"),
    ("assess", "/assess"),
    ("catalog", "/catalog"),
    ("coalition-form", "/coalition"),
    ("records", "/records"),
    ("rules", "/rules?q=3A090"),
    ("rules-diff", "/rules/diff"),
    ("rules-diff-3a090", "/rules/diff?from=2023-01-01&to=2024-01-01&q=3A090"),
    ("timeline-form", "/timeline"),
    ("letters", "/letters"),
    ("admin", "/admin"),
    ("review", "/review"),
    ("lists", "/lists"),
    ("audit", "/audit"),
]


def wait_for_record(page: Any, timeout: int = 300_000) -> None:
    """The record page after a submission (a determination, the first on a cold server,
    can take minutes on a busy machine); on an error page, fail with what it said."""
    try:
        page.wait_for_url(RECORD_URL, timeout=timeout)
    except Exception:
        shot(page, "failed-submission")
        raise AssertionError(page.inner_text("main")[:2000]) from None


def shot(page: Any, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _axe_source() -> str | None:
    try:
        import axe_playwright_python
    except ImportError:
        return None
    path = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    return path.read_text(encoding="utf-8") if path.exists() else None


def accessibility_problems(page: Any) -> list[str]:
    """axe-core's violations (serious and critical), or the built-in check's findings."""
    source = _axe_source()
    if source is not None:
        page.evaluate(source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in result["violations"]
            if v["id"] not in AXE_SKIP and v.get("impact") in ("serious", "critical")
        ]
    found: list[str] = page.evaluate(
        """() => {
        const out = [];
        if (!document.querySelector('main')) out.push('no <main> landmark');
        if (!document.documentElement.lang) out.push('no lang on <html>');
        for (const img of document.querySelectorAll('img:not([alt])')) out.push('img without alt');
        for (const el of document.querySelectorAll('input, select, textarea')) {
          if (el.type === 'hidden') continue;
          const labelled = el.closest('label') || el.getAttribute('aria-label') ||
            (el.id && document.querySelector(`label[for="${el.id}"]`));
          if (!labelled) out.push(`unlabelled ${el.tagName} ${el.name}`);
        }
        return out;
      }"""
    )
    return found


def first_words(page: Any) -> str:
    """What a user reads first: the heading and the first paragraph of the page."""
    heading = page.inner_text("main h1")
    lead = page.locator("main h1 ~ p, main h1 ~ div.summary").first
    return heading + "\n" + (lead.inner_text() if lead.count() else "")


def test_every_page_is_accessible_without_raw_identifiers_and_has_a_json_twin(
    page: Any, server: Server
) -> None:
    sign_in(page, server)
    for name, path in PAGES:
        page.goto(path)
        assert page.locator("main h1").count() == 1, path
        words = first_words(page)
        assert not IDENTIFIER.search(words), f"{path} opens with an identifier: {words!r}"
        problems = accessibility_problems(page)
        assert not problems, f"{path}: {problems}"
        shot(page, name)
        twin = page.request.get(path + ("&" if "?" in path else "?") + "format=json")
        assert twin.ok, path
        assert isinstance(json.loads(twin.text()), dict), path


def test_check_by_keyboard_with_country_names_answer_in_place_and_print(
    page: Any, server: Server
) -> None:
    sign_in(page, server, "/check")
    page.select_option("select[name=line-0-kind]", "integrated_circuit")
    page.focus("input[name=line-0-name]")
    page.keyboard.type("Prototype accelerator")
    page.keyboard.press("Tab")
    page.keyboard.type("United States")  # made in, by name
    page.focus("input[name=destination]")
    page.keyboard.type("Taiwan")  # the field once cut this to "Ta"
    assert page.input_value("input[name=destination]") == "Taiwan"
    page.fill("input[name=party-0-name]", "Acme Compute Ltd")
    page.fill("input[name=party-0-country]", "Taiwan (TW)")  # as the picker offers it
    page.fill("input[name=as_of]", "2024-06-01")
    page.focus("#check-submit")
    page.keyboard.press("Enter")
    wait_for_record(page)
    first = RECORD_URL.search(page.url).group(1)  # type: ignore[union-attr]
    summary = page.inner_text("#summary")
    assert "United States" in summary and not IDENTIFIER.search(summary.split("Identifiers")[0])
    asked = page.inner_text(".input-summary")
    assert "Taiwan" in asked and "Acme Compute Ltd" in asked and "{" not in asked
    questions = page.inner_text("#questions")
    assert "What is the chip's dense throughput" in questions  # not "the item's tpp"
    assert problems_free(page)
    shot(page, "record-with-questions")

    # Answer in the unit of a datasheet: dense FP16 TFLOPS (H100 SXM5: 989.4 dense FP16).
    tops = page.locator("input[name$=':tops']").first
    tops.fill("989.4")
    page.click("#questions button[type=submit]", no_wait_after=True)
    page.wait_for_url(re.compile(rf"\?previous={first}$"), timeout=300_000)
    second = RECORD_URL.search(page.url).group(1)  # type: ignore[union-attr]
    assert second != first
    assert "throughput" in page.inner_text(".input-summary").lower()
    # the new verdicts beside the ones the answers replaced
    changes = page.inner_text("#answer-changes")
    assert "Before your answers" in changes and "Now" in changes
    assert page.locator(f"#answer-changes a[href='/records/{first}']").count() == 1
    assert problems_free(page)
    shot(page, "record-after-answer")

    page.goto(f"/records/{second}/print")
    printed = page.inner_text("body")
    assert "What was asked" in printed and "Taiwan" in printed
    assert '"export_from"' not in printed  # a readable summary, not JSON
    assert problems_free(page)
    shot(page, "print")


def problems_free(page: Any) -> bool:
    problems = accessibility_problems(page)
    assert not problems, problems
    return True


def test_a_viewer_is_told_before_filling_a_form(page: Any, server: Server) -> None:
    viewer = server.svc.create_user("vera", "viewer", actor="test")["api_key"]
    page.goto("/check")
    page.fill("input[name=api_key]", viewer)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/check$"))
    assert "viewer" in page.inner_text("#role-note")
    assert page.locator("#check-form button[type=submit]").is_disabled()
    for path in ("/classify", "/screen", "/assess"):
        page.goto(path)
        assert page.locator("#role-note").is_visible(), path
    shot(page, "viewer-assess")
    # the same rule as the API: a viewer's POST is refused
    denied = page.request.post(
        "/check", form={"csrf": "x", "kind": "integrated_circuit", "destination": "CN"}
    )
    assert denied.status in (403, 400)


def test_screen_one_name_hits_beside_the_listed_entry(page: Any, server: Server) -> None:
    sign_in(page, server, "/screen")
    page.fill("input[name=name]", "Huawei Technologies")
    page.fill("input[name=country]", "China")
    page.press("input[name=country]", "Enter")
    page.wait_for_url(RECORD_URL)
    table = page.locator("table.hits").first
    assert "You gave" in table.inner_text() and "Listed entry" in table.inner_text()
    assert "Huawei Technologies Co., Ltd." in table.inner_text()
    assert page.locator("table.hits mark").count() >= 1  # what matched is highlighted
    assert "Entity List" in table.inner_text()
    shot(page, "screen-result")


def test_classify_a_catalog_product_and_figures_with_units(page: Any, server: Server) -> None:
    sign_in(page, server, "/classify")
    page.select_option("select[name=product]", "NVIDIA H100 SXM5 80GB")
    page.click("#classify-form button[type=submit]")
    page.wait_for_url(RECORD_URL)
    body = page.inner_text("main")
    assert "3A090" in body and "Meets the entry" in body
    shot(page, "classify-product")

    page.goto("/classify")
    page.select_option("#kind-select", "integrated_circuit")
    page.click("#kind-form button[type=submit]")
    page.wait_for_url(re.compile(r"kind=integrated_circuit"))
    page.fill("input[name='p:tpp']", "15832")
    page.fill("input[name='p:die_area_mm2']", "814")
    page.fill("input[name='p:memory_bandwidth_gbps']", "3.35 TB/s")  # a unit, converted
    page.select_option("select[name='p:datacenter']", "true")
    page.click("#classify-form button[type=submit]")
    page.wait_for_url(RECORD_URL)
    assert "3A090" in page.inner_text("main")
    shot(page, "classify-figures")


def test_assess_the_example_deal(page: Any, server: Server) -> None:
    sign_in(page, server, "/assess")
    if page.locator("#assess-form button[type=submit]").is_disabled():
        pytest.skip("investment assessment is not installed")
    page.fill("input[name=as_of]", "2024-06-01")
    page.click("#assess-form button[type=submit]")
    wait_for_record(page)
    verdicts = page.inner_text("table.verdicts")
    assert "notification" in verdicts.lower() or "determined" in verdicts.lower()
    assert not IDENTIFIER.search(page.inner_text("#summary").split("Identifiers")[0])
    shot(page, "assess-result")


def test_records_search_catalog_filter_and_rulebook_filter(page: Any, server: Server) -> None:
    sign_in(page, server, "/screen")
    page.fill("input[name=name]", "Zeta Photonics Unlisted GmbH")
    page.click("#screen-form button[type=submit]")
    page.wait_for_url(RECORD_URL)
    page.goto("/records")
    page.fill("input[name=party]", "zeta photonics")
    page.press("input[name=party]", "Enter")
    page.wait_for_url(re.compile(r"party=zeta"))
    assert page.inner_text("#records-count").startswith("1 ")
    page.fill("input[name=party]", "nobody at all")
    page.press("input[name=party]", "Enter")
    page.wait_for_url(re.compile(r"party=nobody"))
    assert page.inner_text("#records-count").startswith("0 ")
    shot(page, "records-search")

    page.goto("/catalog")
    page.fill("input[name=q]", "H100")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q=H100"))
    names = page.inner_text("table.catalog")
    assert "H100" in names and "ASML" not in names
    shot(page, "catalog-search")

    page.goto("/rules")
    total = int(page.inner_text("#rules-count").split(" of ")[1].split()[0])
    page.fill("input[name=q]", "3A090")
    page.select_option("select[name=jurisdiction]", "US")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"q=3A090"))
    shown = int(page.inner_text("#rules-count").split()[0])
    assert 0 < shown < total
    assert "3A090" in page.locator("table.rules tbody tr").first.inner_text()
    shot(page, "rules-filtered")


def test_coalition_matrix_with_the_products_behind_each_cell(page: Any, server: Server) -> None:
    sign_in(page, server, "/coalition")
    page.set_default_timeout(240_000)
    page.fill("input[name=destination]", "China")
    page.fill("input[name=as_of]", "2025-01-15")
    page.click("#coalition-form button[type=submit]")
    page.wait_for_selector("table.coalition")
    heading = page.inner_text("#coalition-heading")
    assert "China" in heading and "Netherlands" in heading
    table = page.inner_text("table.coalition")
    assert "EUV lithography" in table and "Licence required" in table
    assert page.locator("table.coalition details").count() > 0  # products behind each cell
    assert problems_free(page)
    shot(page, "coalition")
