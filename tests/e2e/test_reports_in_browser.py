"""The HTML reports in a real browser (Debian's Chromium, driven by Playwright): no console
errors, no network requests, charts and key figures present, user text shown as text, and
printable to PDF. Skips without Chromium unless VOUCHER_BATCH_REQUIRE_CHROMIUM=1 (CI)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.workbooks import Cli, customer, ready_ledger, request, template, write_workbook
from voucher_batch import services
from voucher_batch.domain.review import APPROVE, REJECT
from voucher_batch.domain.review_checks import ReviewRow
from voucher_batch.ledger import Ledger
from voucher_batch.services import review as reviews

CHROMIUM = "/usr/bin/chromium"
HOSTILE = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("VOUCHER_BATCH_REQUIRE_CHROMIUM") == "1":
            pytest.fail("Chromium is required in CI but /usr/bin/chromium is missing")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


def _open(browser: Any, path: Path, shots: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(shots / f"{path.stem}.png"), full_page=True)
    assert dialogs == []  # no script ran
    others = [u for u in requests if u != path.as_uri()]
    return page, errors, others


def _ledger_with_history(cli: Cli) -> None:
    ready_ledger(cli, quota=20_000)
    folder = cli.folder
    hostile = write_workbook(
        folder / "hostile.xlsx",
        {
            "Customers": [customer("100012340009", HOSTILE)],
            "Templates": [template("Big Offer", 5000, usage="Customer offer")],
            "Requests": [
                request("H-1", "Big Offer", "100012340009", reason=HOSTILE),
                request("H-2", "Starter Trial"),
                request("H-3", "Starter Trial", reason=HOSTILE),
                request(HOSTILE, "Starter Trial", revenue="12.5", reason=HOSTILE),
            ],
        },
    )
    assert cli.ingest(hostile).code == 1
    ctx = services.Context(Ledger(cli.ledger), "ops.lead", date(2026, 11, 9))
    ids = {v.request_id: v.issuance_id for v in services.vouchers_list(ctx)}
    rows = [
        ReviewRow("Review", 2, ids["H-1"], APPROVE, None, "reviewer.one", None),
        ReviewRow("Review", 3, ids["H-2"], REJECT, HOSTILE, "reviewer.one", None),
    ]
    reviews.apply_reviews(ctx, rows, "review.xlsx", "0" * 64)


@pytest.mark.chromium
def test_reports_open_offline_without_errors_and_print(
    cli: Cli, browser: Any, tmp_path: Path
) -> None:
    _ledger_with_history(cli)
    out = tmp_path / "reports"
    monthly = cli(
        "report", "monthly", "--month", "2026-11", "--out-dir", str(out), as_of="2026-11-20"
    )
    assert monthly.code == 0, monthly.stderr
    batch_report = cli.out / "hostile-report.html"
    for path in (out / "quota-2026-11.html", batch_report):
        page, errors, others = _open(browser, path, tmp_path)
        assert errors == [], errors
        assert others == [], others
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html.replace("&lt;script", "")
        for external in ('src="http', 'href="http', "@import", "<link"):
            assert external not in html, external
        assert not re.search(r"url\((?!#)", html)  # only references inside the page
        text = page.inner_text("body")
        assert HOSTILE in text  # shown as text, escaped in the file
        pdf = tmp_path / f"{path.stem}.pdf"
        page.pdf(path=str(pdf), format="A4")
        assert pdf.stat().st_size > 5_000
        page.close()

    page, _e, _o = _open(browser, out / "quota-2026-11.html", tmp_path)
    assert page.locator("svg[role=img]").count() == 4
    assert page.locator("table caption").count() >= 8
    assert page.inner_text("#requested").replace(",", "") == "7000"  # 5000 + 2 x 1000
    assert page.inner_text("#rejected").replace(",", "") == "1000"
    assert page.inner_text("#approved").replace(",", "") == "5000"
    assert "reconciles" in page.inner_text("#reconciliation + .table-wrap table caption")
    page.close()

    page, _e, _o = _open(browser, batch_report, tmp_path)
    link = page.locator("a[href='#refused-requests']")
    assert link.count() == 1
    link.click()  # the summary links to the first refused row of the sheet
    assert page.evaluate("location.hash") == "#refused-requests"
    assert page.locator("tr#refused-requests").count() == 1
    assert page.locator("tr.refused").count() == 1  # the hostile Request ID (12.5 revenue)
    page.close()
    assert (tmp_path / "quota-2026-11.png").stat().st_size > 10_000


PHONE = {"width": 375, "height": 740}


def _fits_a_phone(browser: Any, path: Path) -> tuple[int, int]:
    """(page width, window width) of `path` opened at a phone's width."""
    page = browser.new_page(viewport=PHONE)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.close()
    return int(widths[0]), int(widths[1])


@pytest.mark.chromium
def test_batch_review_and_monthly_reports_never_scroll_sideways_on_a_phone(
    cli: Cli, browser: Any, tmp_path: Path
) -> None:
    from tests.e2e.test_batches import record_three_batches

    ready_ledger(cli)
    inputs = record_three_batches(cli)  # an ingest with refusals, a re-send, a review import
    long_id = "REQ-" + "9" * 36  # 40 characters without a break
    wide = write_workbook(
        cli.folder / "wide.xlsx",
        {"Requests": [request(long_id, reason="x" * 400), request("W-2", tpl="N" * 20)]},
    )
    assert cli.ingest(wide).code == 1
    out = tmp_path / "monthly"
    monthly = cli("report", "monthly", "--month", "2026-11", "--out-dir", str(out))
    assert monthly.code == 0, monthly.stderr
    review = cli.out / f"{inputs[4].stem}-report.html"
    reports = [cli.out / f"{inputs[2].stem}-report.html", cli.out / "wide-report.html", review]
    reports.append(out / "quota-2026-11.html")
    for path in reports:
        page_width, window = _fits_a_phone(browser, path)
        assert window == PHONE["width"]
        assert page_width <= window, f"{path.name} is {page_width}px wide on a {window}px screen"
    review_html = review.read_text(encoding="utf-8")
    assert "<title>Review report:" in review_html and "Batch report" not in review_html
