"""The batch report people read: refusals grouped by their kind with counts before any row,
accepted rows with their Issuance IDs, every list bounded with a pointer to the decision
workbook; the review import's report titled as a review. Through the command line, the HTML
re-read and checked against counts the test makes itself."""

from __future__ import annotations

import re
from html import unescape

from tests.e2e.test_batches import record_three_batches
from tests.workbooks import Cli, ready_ledger, request, rows_of, write_workbook

FITS = 10  # the quota of 10,000 holds ten 1,000 requests


def _table(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</table>", start)]


def _cells(row_html: str) -> list[str]:
    return [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]


def test_refusals_are_grouped_by_reason_and_lists_are_bounded(cli: Cli) -> None:
    ready_ledger(cli, quota=10_000)
    rows = [request(f"Q-{i}") for i in range(1_100)]  # 10 fit, the rest exceed the quota
    unknown = [request(f"T-{i}", tpl="No Such Template") for i in range(7)]
    fractional = [request(f"F-{i}", revenue="12.5") for i in range(5)]
    book = write_workbook(cli.folder / "big.xlsx", {"Requests": rows + unknown + fractional})
    result = cli.ingest(book)
    assert result.code == 1, result.stderr
    expected = {"quota_exceeded": 1_100 - FITS, "unknown_template": 7, "not_whole_number": 5}
    refused_total = sum(expected.values())

    html = (cli.out / "big-report.html").read_text(encoding="utf-8")
    reasons = _table(html, '<table class="reasons"')
    counted = {
        code: int(n.replace(",", ""))
        for code, n in re.findall(r'data-code="([a-z_]+)">([0-9,]+)<', reasons)
    }
    assert counted == expected
    assert f"{refused_total:,} refused row(s) by reason" in reasons
    assert "Does not fit the remaining quota (R8)" in reasons
    # the counts come before any row
    assert html.index('class="reasons"') < html.index('<tr class="refused"')

    refused = _table(html, "<caption>Refused rows of Requests")
    assert refused.count('<tr class="refused"') == 1_000  # bounded
    assert f"Showing the first 1,000 of {refused_total:,} rows" in html
    assert 'id="refused-requests"' in refused  # the summary's link lands on the first

    decided = rows_of(cli.decisions(book)["Requests"])
    issued = {r["Request ID"]: r["Issuance ID"] for r in decided if r["Issuance ID"]}
    assert len(issued) == FITS
    accepted = _table(html, '<table class="rows accepted"')
    listed = {
        cells[1]: cells[3]
        for cells in map(_cells, re.findall(r"<tr>(.*?)</tr>", accepted, re.S))
        if cells
    }
    assert listed == issued
    assert "Batch report: big.xlsx" in html


def test_the_review_import_report_is_titled_as_a_review(cli: Cli) -> None:
    ready_ledger(cli)
    inputs = record_three_batches(cli)
    review = (cli.out / f"{inputs[4].stem}-report.html").read_text(encoding="utf-8")
    assert "<title>Review report: reviewed.xlsx</title>" in review
    assert "<h1>Review report: reviewed.xlsx</h1>" in review
    assert "Batch report" not in review and "Ingest" not in review
    ingest = (cli.out / f"{inputs[2].stem}-report.html").read_text(encoding="utf-8")
    assert "<title>Batch report: first.xlsx</title>" in ingest
