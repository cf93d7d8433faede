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
    assert "reconciles" in page.inner_text("#reconciliation ~ table caption")
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
