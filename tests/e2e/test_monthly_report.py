"""report monthly: every JSON figure checked against values computed here, independently,
over a ledger that spans several months (grants, reclaims, requests, approvals, rejections,
pending across month ends); the reconciliation identity for every month."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import openpyxl

from tests.workbooks import Cli, customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.domain.review import APPROVE, REJECT
from voucher_batch.domain.review_checks import ReviewRow
from voucher_batch.ledger import Ledger
from voucher_batch.services import review as reviews

AMOUNTS = {"Small": 300, "Big": 2000}


def ctx(cli: Cli, day: str, operator: str = "ops.lead") -> services.Context:
    return services.Context(Ledger(cli.ledger), operator, date.fromisoformat(day))


class Book:
    """What the test did, to compute the expected figures independently."""

    def __init__(self) -> None:
        self.quota: list[tuple[date, int]] = []  # signed amounts
        self.requests: dict[str, tuple[date, int]] = {}
        self.decisions: dict[str, tuple[date, str]] = {}


def build(cli: Cli, folder: Path) -> tuple[Book, dict[str, str]]:
    book = Book()
    assert cli("init").code == 0
    setup = write_workbook(
        folder / "setup.xlsx",
        {
            "Customers": [
                customer("100012340001", "Alpha Co"),
                customer("100012340002", "Beta Co"),
            ],
            "Templates": [
                template("Small", 300, period="1 months", start="From the validity date"),
                template("Big", 2000, usage="Customer offer", mode="Prepaid", period="60 days"),
            ],
        },
    )
    services.ingest(ctx(cli, "2026-08-31"), setup, folder / "out")
    ids: dict[str, str] = {}

    def grant(day: str, amount: int) -> None:
        services.quota_change(ctx(cli, day), "grant", amount, "sales.rep", "", "")
        book.quota.append((date.fromisoformat(day), amount))

    def reclaim(day: str, amount: int) -> None:
        services.quota_change(ctx(cli, day), "reclaim", amount, "sales.rep", "", "")
        book.quota.append((date.fromisoformat(day), -amount))

    def ingest(day: str, rows: list[tuple[str, str, str]]) -> None:
        wb = write_workbook(
            folder / f"r-{day}.xlsx",
            {
                "Requests": [
                    request(rid, tpl, uin, when=date(2027, 6, 30)) for rid, tpl, uin in rows
                ]
            },
        )
        result = services.ingest(ctx(cli, day), wb, folder / "out")
        assert result.refused == 0
        for rid, tpl, _uin in rows:
            book.requests[rid] = (date.fromisoformat(day), AMOUNTS[tpl])
        for v in services.vouchers_list(ctx(cli, day)):
            ids[v.request_id] = v.issuance_id

    def decide(day: str, decisions: dict[str, str]) -> None:
        rows = [
            ReviewRow(
                "Review",
                n + 2,
                ids[rid],
                APPROVE if d == "approved" else REJECT,
                None if d == "approved" else "no budget",
                "reviewer.one",
                None,
            )
            for n, (rid, d) in enumerate(decisions.items())
        ]
        result = reviews.apply_reviews(ctx(cli, day), rows, "review.xlsx", "0" * 64)
        assert result.outcome.refused == 0, [p.reason for p in result.outcome.decisions]
        for rid, d in decisions.items():
            book.decisions[rid] = (date.fromisoformat(day), d)

    # September
    grant("2026-09-01", 10_000)
    ingest(
        "2026-09-10",
        [
            ("S1", "Big", "100012340001"),
            ("S2", "Small", "100012340002"),
            ("S3", "Big", "100012340002"),
        ],
    )
    reclaim("2026-09-20", 2_000)
    decide("2026-09-25", {"S1": "approved", "S2": "rejected"})
    # October: S3 still pending across the month end, decided in October
    grant("2026-10-05", 5_000)
    ingest(
        "2026-10-12",
        [
            ("O1", "Small", "100012340001"),
            ("O2", "Big", "100012340001"),
            ("O3", "Small", "100012340002"),
        ],
    )
    decide("2026-10-14", {"S3": "approved", "O2": "rejected"})
    decide("2026-10-30", {"O1": "approved"})
    # November: O3 pending since October (overdue), a new request, a reclaim
    ingest("2026-11-03", [("N1", "Big", "100012340002")])
    reclaim("2026-11-10", 1_000)
    decide("2026-11-12", {"N1": "rejected"})
    return book, ids


def expected(book: Book, month: str) -> dict[str, int]:
    first = date.fromisoformat(f"{month}-01")
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)

    def quota_before(day: date) -> int:
        return sum(a for d, a in book.quota if d < day)

    def issued_before(day: date) -> int:
        total = sum(a for d, a in book.requests.values() if d < day)
        return total - sum(
            book.requests[r][1]
            for r, (d, s) in book.decisions.items()
            if s == "rejected" and d < day
        )

    def decided_in(status: str) -> int:
        return sum(
            book.requests[r][1]
            for r, (d, s) in book.decisions.items()
            if s == status and first <= d < nxt
        )

    pending_end = sum(
        a
        for r, (d, a) in book.requests.items()
        if d < nxt and not (r in book.decisions and book.decisions[r][0] < nxt)
    )
    return {
        "opening_quota": quota_before(first),
        "granted": sum(a for d, a in book.quota if first <= d < nxt and a > 0),
        "reclaimed": -sum(a for d, a in book.quota if first <= d < nxt and a < 0),
        "closing_quota": quota_before(nxt),
        "requested": sum(a for d, a in book.requests.values() if first <= d < nxt),
        "approved": decided_in("approved"),
        "rejected": decided_in("rejected"),
        "pending_end": pending_end,
        "opening_remaining": quota_before(first) - issued_before(first),
        "closing_remaining": quota_before(nxt) - issued_before(nxt),
    }


def test_monthly_figures_match_an_independent_computation(cli: Cli, tmp_path: Path) -> None:
    book, _ids = build(cli, tmp_path)
    totals: dict[str, int] = defaultdict(int)
    for month in ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12"):
        result = cli(
            "report",
            "monthly",
            "--month",
            month,
            "--json",
            "--out-dir",
            str(tmp_path / "reports"),
            as_of="2026-12-15",
        )
        assert result.code == 0, result.stderr
        got = result.json()
        want = expected(book, month)
        assert {k: got[k] for k in want} == want, month
        assert got["month"] == month
        assert got["closing_remaining"] == (
            got["opening_remaining"]
            + got["granted"]
            - got["reclaimed"]
            - got["requested"]
            + got["rejected"]
        )
        for key in ("granted", "reclaimed", "requested", "approved", "rejected"):
            totals[key] += got[key]
        assert (tmp_path / "reports" / f"quota-{month}.html").is_file()
    assert totals["requested"] == sum(a for _d, a in book.requests.values())
    # overdue pending at the end of October (cutoff = month end, before the as-of date):
    # O3 requested 2026-10-12 (Mon) is pending on 2026-10-31 -> 14 business days -> overdue
    october = cli(
        "report",
        "monthly",
        "--month",
        "2026-10",
        "--json",
        "--out-dir",
        str(tmp_path / "reports"),
        as_of="2026-12-15",
    ).json()
    assert (october["overdue_pending"], october["overdue_pending_amount"]) == (1, 300)
    # with an as-of inside the month, overdue is counted at the as-of date
    early = cli(
        "report",
        "monthly",
        "--month",
        "2026-10",
        "--json",
        "--out-dir",
        str(tmp_path / "early"),
        as_of="2026-10-15",
    ).json()
    # S3 was decided on 10-14; O1, O2(rejected 10-14), O3 requested 10-12: 3 business days
    assert early["overdue_pending"] == 0


def test_monthly_workbook_holds_the_same_figures(cli: Cli, tmp_path: Path) -> None:
    build(cli, tmp_path)
    out = tmp_path / "reports"
    result = cli(
        "report",
        "monthly",
        "--month",
        "2026-10",
        "--json",
        "--out-dir",
        str(out),
        as_of="2026-12-15",
    )
    figures = result.json()
    wb = openpyxl.load_workbook(out / "quota-2026-10.xlsx")
    assert {
        "Summary",
        "By template",
        "By customer",
        "By usage",
        "By payment mode",
        "Expiring",
        "Trend",
        "Burn-down",
    } <= set(wb.sheetnames)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    # the same human labels as the HTML report, never the JSON keys
    for key, label in (
        ("opening_quota", "Opening quota"),
        ("granted", "Granted"),
        ("reclaimed", "Reclaimed"),
        ("closing_quota", "Closing quota"),
        ("requested", "Requested"),
        ("approved", "Approved"),
        ("rejected", "Rejected (returned)"),
        ("pending_end", "Pending at month end"),
        ("overdue_pending", "Overdue pending (requests)"),
        ("overdue_pending_amount", "Overdue pending amount"),
        ("opening_remaining", "Opening remaining"),
        ("closing_remaining", "Closing remaining"),
    ):
        assert summary[label] == figures[key], key
    assert not any("_" in str(label) for label in summary)
    for row in wb["Summary"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    by_template = {r[0]: r for r in wb["By template"].iter_rows(min_row=2, values_only=True)}
    # October requests: Small (O1, O3) 600, Big (O2) 2000
    assert by_template["Small"][1:3] == (2, 600)
    assert by_template["Big"][1:3] == (1, 2000)
    trend = list(wb["Trend"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 12 and trend[-1][0] == "2026-10"


def test_monthly_workbook_reads_and_prints_like_a_report(cli: Cli, tmp_path: Path) -> None:
    build(cli, tmp_path)
    out = tmp_path / "reports"
    result = cli(
        "report", "monthly", "--month", "2026-10", "--out-dir", str(out), as_of="2026-12-15"
    )
    assert result.code == 0, result.stderr
    wb = openpyxl.load_workbook(out / "quota-2026-10.xlsx")
    summary = {r[0].value: r[1] for r in wb["Summary"].iter_rows(min_row=2)}
    # October: S3 and O1 approved, O2 rejected -> 2 of 3 decided approved
    rate = summary["Approval rate"]
    assert rate.value == 2 / 3 and rate.number_format == "0.0%"
    assert summary["Opening quota"].number_format == "#,##0"
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        # one page wide (1 is the file format's default, left out), any number of pages tall
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title  # the header row on every page
    # approved vouchers expiring within 90 days of the cutoff 2026-10-31, listed (R11):
    # S1, S3 Big (60 days from the issuance date 2026-09-10), O1 Small (1 month from its
    # approval on 2026-10-30)
    listed = list(wb["Expiring vouchers"].iter_rows(min_row=2, values_only=True))
    assert [r[:5] for r in listed] == [
        (datetime(2026, 11, 8), "100012340001", "Alpha Co", "Big", 2000),
        (datetime(2026, 11, 8), "100012340002", "Beta Co", "Big", 2000),
        (datetime(2026, 11, 29), "100012340001", "Alpha Co", "Small", 300),
    ]
    html = (out / "quota-2026-10.html").read_text(encoding="utf-8")
    table = html[html.index('id="expiring-vouchers"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr>") == 1 + 3  # the header and one row per voucher
    assert "2026-11-29" in table and "Alpha Co" in table and "Small" in table


def test_burn_down_marks_reclaims(cli: Cli, tmp_path: Path) -> None:
    build(cli, tmp_path)
    out = tmp_path / "reports"
    result = cli(
        "report", "monthly", "--month", "2026-09", "--out-dir", str(out), as_of="2026-12-15"
    )
    assert result.code == 0, result.stderr
    html = (out / "quota-2026-09.html").read_text(encoding="utf-8")
    chart = html[html.index('id="burndown"') : html.index('id="trend"')]
    assert "\u22122,000" in chart and "quota reclaimed" in chart  # reclaimed on 2026-09-20
    assert "+10,000" in chart and "quota granted" in chart
    burn = list(
        openpyxl.load_workbook(out / "quota-2026-09.xlsx")["Burn-down"].iter_rows(values_only=True)
    )
    assert burn[0] == ("Day", "Remaining", "Granted", "Reclaimed")
    moves = {r[0].date(): (r[2], r[3]) for r in burn[1:] if r[2] or r[3]}
    assert moves == {date(2026, 9, 1): (10_000, 0), date(2026, 9, 20): (0, 2_000)}
