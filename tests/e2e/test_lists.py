"""Lists for people and scripts (CONTRACTS §4): `templates list`, `vouchers list`,
`customers list`, `quota history` as a table, `--json` and `--csv`; `--as-of` on read-only
commands as of that business date; the `--json` results of `ingest`, `review export`,
`review import` and `report monthly`.

One ledger, built through the real command line over four business dates, with grants,
a reclaim, requests, approvals and rejections; the expected figures are computed in the
test from the events it recorded, not read back from the tool.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.e2e.test_review_loop import export, fill
from tests.workbooks import Cli, Result, customer, request, rows_of, template, write_workbook
from voucher_batch.services import outputs as batch_outputs

D1, D2, D3, D4 = date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 6), date(2026, 11, 9)
NOW = str(D4)  # the harness always sets an as-of: the tests name the day they mean
UIN1, UIN2 = "100012340001", "100012340002"

TEMPLATE_KEYS = {
    "name", "usage", "payment_mode", "amount", "validity_period", "validity_start", "locked",
    "issued_count",
}  # fmt: skip
CONSOLE_KEYS = {"voucher_id", "console_status", "used_amount", "remaining_amount", "expires_on"}
VOUCHER_KEYS = {
    "issuance_id", "request_id", "template_name", "customer_uin", "amount", "status",
    "requested_on", "decided_on", "valid_from", "valid_until",
}  # fmt: skip
STATUS_LABEL = {"pending": "Pending approval", "approved": "Approved", "rejected": "Rejected"}
USAGE_LABEL = {"ProductTrial": "Product trial", "CustomerOffer": "Customer offer"}
MODE_LABEL = {"AllPayment": "All", "Prepaid": "Prepaid", "Postpaid": "Postpaid"}


@dataclass
class Story:
    """What the test recorded, to compute the expected figures on its own."""

    quota: list[tuple[date, int]] = field(default_factory=list)  # signed changes
    requests: dict[str, tuple[int, date]] = field(default_factory=dict)  # id -> amount, day
    decisions: dict[str, tuple[str, date]] = field(default_factory=dict)  # id -> status, day
    ids: dict[str, str] = field(default_factory=dict)  # request id -> issuance id

    def status_on(self, rid: str, day: date) -> str | None:
        _amount, requested = self.requests[rid]
        if requested > day:
            return None
        status, decided = self.decisions.get(rid, ("pending", day))
        return status if decided <= day else "pending"

    def balance_on(self, day: date) -> dict[str, int]:
        quota = sum(delta for when, delta in self.quota if when <= day)
        by: dict[str, int] = {"pending": 0, "approved": 0, "rejected": 0}
        for rid, (amount, _) in self.requests.items():
            status = self.status_on(rid, day)
            if status is not None:
                by[status] += amount
        issued = by["pending"] + by["approved"]
        return {"quota": quota, **by, "issued": issued, "remaining": quota - issued}


def ok(result: Result) -> Result:
    assert result.code == 0, result.stderr
    return result


def ingest_json(cli: Cli, name: str, sheets: dict[str, Any], day: date, *extra: str) -> Any:
    book = write_workbook(cli.folder / f"{name}.xlsx", sheets)
    result = cli.ingest(book, "--json", *extra, as_of=day.isoformat())
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout)  # stdout holds the JSON document and nothing else
    assert document["exit_code"] == result.code
    return document


def review(cli: Cli, day: date, decisions: dict[str, str], story: Story) -> Any:
    """Export on `day`, decide the named requests (Approve | Reject), import with --json."""
    exported = export(cli, day.isoformat(), name=f"export-{day}")
    cells: dict[str, dict[str, object]] = {}
    for rid, verdict in decisions.items():
        cells[story.ids[rid]] = {"Decision": verdict, "Review Comment": "checked"}
        story.decisions[rid] = ("approved" if verdict == "Approve" else "rejected", day)
    filled = fill(exported, cli.folder / f"filled-{day}.xlsx", cells)
    result = cli(
        "review", "import", str(filled), "--out-dir", str(cli.out), "--reviewer",
        "reviewer.one", "--json", as_of=day.isoformat(),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    return result.json()


@pytest.fixture
def story(cli: Cli) -> Story:
    """Four business dates: grants on D1 and D2, a reclaim on D4; R-1, R-2 requested on D1,
    R-3, R-4 on D2; R-1 approved and R-2 rejected on D3; R-4 approved, R-3 rejected on D4."""
    s = Story()
    ok(cli("init"))
    ok(cli("quota", "grant", "10000", "--by", "sales.rep", "--ref", "G-1", as_of=str(D1)))
    s.quota.append((D1, 10_000))
    setup = {
        "Customers": [customer(UIN1), customer(UIN2, "Second Co", "Unbound")],
        "Templates": [
            template("Starter Trial", 1000),
            template("Growth Offer", 2500, usage="Customer offer", mode="Prepaid"),
        ],
        "Requests": [request("R-1"), request("R-2", tpl="Growth Offer")],
    }
    first = ingest_json(cli, "first", setup, D1)
    assert first["recorded"] is True and first["exit_code"] == 0
    s.requests.update({"R-1": (1000, D1), "R-2": (2500, D1)})
    ok(
        cli(
            "quota",
            "grant",
            "5000",
            "--by",
            "finance.lead",
            "--ref",
            "G-2",
            "--note",
            '=HYPERLINK("x")',
            as_of=str(D2),
        )
    )
    s.quota.append((D2, 5000))
    second = {"Requests": [request("R-3"), request("R-4", tpl="growth offer")]}
    ingest_json(cli, "second", second, D2)
    s.requests.update({"R-3": (1000, D2), "R-4": (2500, D2)})
    listed = ok(cli("vouchers", "list", "--json", as_of=str(D2))).json()
    s.ids = {v["request_id"]: v["issuance_id"] for v in listed}
    review(cli, D3, {"R-1": "Approve", "R-2": "Reject"}, s)
    ok(cli("quota", "reclaim", "1000", "--by", "finance.lead", "--ref", "C-1", as_of=str(D4)))
    s.quota.append((D4, -1000))
    review(cli, D4, {"R-3": "Reject", "R-4": "Approve"}, s)
    return s


# ---- --as-of on read-only commands ---------------------------------------------------------


def test_quota_show_as_of_each_day_matches_an_independent_computation(
    cli: Cli, story: Story
) -> None:
    for offset in range(-1, (D4 - D1).days + 2):
        day = D1 + timedelta(days=offset)
        shown = ok(cli("quota", "show", "--json", as_of=day.isoformat())).json()
        assert shown == story.balance_on(day), day
    # the option after the command name means the same as the variable
    on_d3 = ok(cli("quota", "show", "--json", "--as-of", str(D3), as_of=str(D4))).json()
    assert on_d3 == story.balance_on(D3)
    # without any --as-of: the ledger as it stands
    plain = ok(cli("quota", "show", "--json", VOUCHER_BATCH_AS_OF=None))  # unset: no as-of
    assert plain.json() == story.balance_on(D4)
    # a date after every entry: the same figures as now
    assert ok(cli("quota", "show", "--json", as_of="2099-12-31")).json() == story.balance_on(D4)


def test_vouchers_list_as_of_shows_the_status_on_that_day(cli: Cli, story: Story) -> None:
    for day in (D1 - timedelta(days=1), D1, D2, D3, D4):
        listed = ok(cli("vouchers", "list", "--json", as_of=day.isoformat())).json()
        expected = {
            rid: story.status_on(rid, day) for rid in story.requests if story.status_on(rid, day)
        }
        assert {v["request_id"]: v["status"] for v in listed} == expected, day
        for v in listed:
            if v["status"] == "pending":  # decided later: nothing of the decision shows yet
                assert v["decided_on"] is None and v["valid_from"] is None


def test_templates_and_customers_as_of(cli: Cli, story: Story) -> None:
    before = ok(cli("templates", "list", "--json", as_of=str(D1 - timedelta(days=1))))
    assert before.json() == []
    assert "no templates" in cli("templates", "list", as_of=str(D1 - timedelta(days=1))).stderr
    assert ok(cli("customers", "list", "--json", as_of="2026-11-01")).json() == []
    on_d1 = {t["name"]: t for t in ok(cli("templates", "list", "--json", as_of=str(D1))).json()}
    assert on_d1["Starter Trial"]["issued_count"] == 1 and on_d1["Growth Offer"]["locked"]
    on_d2 = {t["name"]: t for t in ok(cli("templates", "list", "--json", as_of=str(D2))).json()}
    assert on_d2["Starter Trial"]["issued_count"] == 2
    listed = ok(cli("customers", "list", "--json", as_of=str(D1))).json()
    assert listed == [
        {"customer_uin": UIN1, "customer_name": "Example Co", "bound_since": "2025-01-06",
         "status": "Bound"},
        {"customer_uin": UIN2, "customer_name": "Second Co", "bound_since": "2025-01-06",
         "status": "Unbound"},
    ]  # fmt: skip


def test_quota_history_lists_every_change_and_honours_as_of(cli: Cli, story: Story) -> None:
    history = ok(cli("quota", "history", "--json", as_of=NOW)).json()
    assert [(h["kind"], h["amount"], h["by"], h["ref"], h["business_date"]) for h in history] == [
        ("grant", 10000, "sales.rep", "G-1", str(D1)),
        ("grant", 5000, "finance.lead", "G-2", str(D2)),
        ("reclaim", 1000, "finance.lead", "C-1", str(D4)),
    ]
    assert history[1]["note"] == '=HYPERLINK("x")' and history[0]["operator"] == "ops.lead"
    assert all(h["recorded_at"].endswith("+00:00") for h in history)
    assert len(ok(cli("quota", "history", "--json", as_of=str(D3))).json()) == 2
    table = ok(cli("quota", "history", as_of=NOW)).stdout.splitlines()
    assert table[0].split() == [
        "Business", "Date", "Kind", "Amount", "By", "Reference", "Note", "Operator", "Recorded",
        "At",
    ]  # fmt: skip
    assert "Grant" in table[1] and "10,000" in table[1] and "Reclaim" in table[3]
    rows = list(csv.DictReader(io.StringIO(ok(cli("quota", "history", "--csv", as_of=NOW)).stdout)))
    assert [r["Amount"] for r in rows] == ["10000", "5000", "1000"]
    # a note a spreadsheet would run as a formula is written as text
    assert rows[1]["Note"] == '\'=HYPERLINK("x")'


# ---- tables, JSON, CSV --------------------------------------------------------------------


def _columns_line_up(lines: list[str]) -> None:
    """Every line of an aligned table has its columns at the header's positions."""
    header = lines[0]
    starts = [i for i in range(2, len(header)) if header[i - 2 : i] == "  " and header[i] != " "]
    assert starts
    for line in lines[1:]:
        for start in starts:
            if start < len(line):
                assert line[start - 1] == " ", (line, start)


def test_vouchers_table_for_people(cli: Cli, story: Story) -> None:
    lines = ok(cli("vouchers", "list", as_of=str(D3))).stdout.splitlines()
    assert lines[0].split() == [
        "Issuance", "ID", "Request", "ID", "Template", "Name", "Customer", "UIN", "Amount",
        "Status", "Requested", "On", "Decided", "On", "Valid", "From", "Valid", "Until",
    ]  # fmt: skip
    body = "\n".join(lines[1:])
    assert "Approved" in body and "Rejected" in body and "Pending approval" in body
    assert "2,500" in body and "pending" not in body
    _columns_line_up(lines)


def test_templates_table_shows_the_workbook_labels(cli: Cli, story: Story) -> None:
    lines = ok(cli("templates", "list", as_of=NOW)).stdout.splitlines()
    assert lines[0].startswith("Template Name")
    growth = next(line for line in lines if line.startswith("Growth Offer"))
    assert "Customer offer" in growth and "Prepaid" in growth and "2,500" in growth
    starter = next(line for line in lines if line.startswith("Starter Trial"))
    assert "Product trial" in starter and "ProductTrial" not in starter
    _columns_line_up(lines)


def test_json_keys_are_the_contract_and_csv_matches_json(cli: Cli, story: Story) -> None:
    vouchers = ok(cli("vouchers", "list", "--json", as_of=NOW)).json()
    # the contract's keys, then the console follow-up's (vouchers link / sync / usage)
    assert vouchers and all(set(v) == VOUCHER_KEYS | CONSOLE_KEYS for v in vouchers)
    assert all(v[k] is None for v in vouchers for k in CONSOLE_KEYS - {"expires_on"})
    assert {v["status"] for v in vouchers} == {"approved", "rejected"}
    rows = list(csv.DictReader(io.StringIO(ok(cli("vouchers", "list", "--csv", as_of=NOW)).stdout)))
    assert len(rows) == len(vouchers)
    for v, r in zip(vouchers, rows, strict=True):
        assert r["Issuance ID"] == v["issuance_id"] and r["Request ID"] == v["request_id"]
        assert r["Template Name"] == v["template_name"] and r["Customer UIN"] == v["customer_uin"]
        assert int(r["Amount"]) == v["amount"] and r["Status"] == STATUS_LABEL[v["status"]]
        dates = {"Requested On": "requested_on", "Decided On": "decided_on",
                 "Valid From": "valid_from", "Valid Until": "valid_until"}  # fmt: skip
        for header, key in dates.items():
            assert r[header] == (v[key] or "")
    templates = ok(cli("templates", "list", "--json", as_of=NOW)).json()
    assert templates and all(set(t) == TEMPLATE_KEYS for t in templates)
    assert {t["usage"] for t in templates} == {"ProductTrial", "CustomerOffer"}
    rows = list(
        csv.DictReader(io.StringIO(ok(cli("templates", "list", "--csv", as_of=NOW)).stdout))
    )
    for t, r in zip(templates, rows, strict=True):
        assert r["Template Name"] == t["name"] and r["Usage"] == USAGE_LABEL[t["usage"]]
        assert r["Payment Mode"] == MODE_LABEL[t["payment_mode"]]
        assert int(r["Amount"]) == t["amount"] and int(r["Issued"]) == t["issued_count"]
        assert r["Locked"] == ("Yes" if t["locked"] else "No")
    customers = ok(cli("customers", "list", "--json", as_of=NOW)).json()
    rows = list(
        csv.DictReader(io.StringIO(ok(cli("customers", "list", "--csv", as_of=NOW)).stdout))
    )
    assert [r["Customer UIN"] for r in rows] == [c["customer_uin"] for c in customers]
    both = cli("vouchers", "list", "--json", "--csv")
    assert both.code == 2 and both.stdout == ""


# ---- vouchers list filters ----------------------------------------------------------------


def _ids(cli: Cli, *args: str) -> list[str]:
    return sorted(
        v["request_id"] for v in ok(cli("vouchers", "list", "--json", *args, as_of=NOW)).json()
    )


def test_each_vouchers_filter(cli: Cli, story: Story) -> None:
    assert _ids(cli, "--status", "APPROVED") == ["R-1", "R-4"]
    assert _ids(cli, "--status", "Rejected") == ["R-2", "R-3"]
    assert _ids(cli, "--template", "growth  OFFER") == ["R-2", "R-4"]
    assert _ids(cli, "--customer", UIN1) == ["R-1", "R-2", "R-3", "R-4"]
    assert _ids(cli, "--customer", UIN2) == []
    assert _ids(cli, "--requested-from", str(D2)) == ["R-3", "R-4"]
    assert _ids(cli, "--requested-to", str(D1)) == ["R-1", "R-2"]
    assert _ids(cli, "--requested-from", str(D1), "--requested-to", str(D1)) == ["R-1", "R-2"]
    assert _ids(cli, "--decided-from", str(D4)) == ["R-3", "R-4"]
    assert _ids(cli, "--decided-to", str(D3)) == ["R-1", "R-2"]
    assert _ids(cli, "--decided-to", str(D3), "--status", "approved") == ["R-1"]
    # as of D3, R-3 and R-4 are still pending: a decision range finds only
    assert _ids(cli, "--decided-from", str(D1), "--as-of", str(D3)) == ["R-1", "R-2"]
    for bad in (
        ("--requested-from", "2026/11/02"),
        ("--decided-to", "yesterday"),
        ("--status", "pending approval"),
        ("--requested-from", str(D4), "--requested-to", str(D1)),
    ):
        result = cli("vouchers", "list", *bad)
        assert result.code == 2 and result.stdout == "" and "Traceback" not in result.stderr


# ---- --json results of the commands that record -------------------------------------------


def test_ingest_json_on_refused_dry_run_and_all_or_nothing_runs(cli: Cli, story: Story) -> None:
    balance = story.balance_on(D4)
    sheets = {"Requests": [request("R-5"), request("R-6", uin="100099990000")]}
    dry = ingest_json(cli, "third", sheets, D4, "--dry-run")
    assert (dry["recorded"], dry["not_recorded_reason"], dry["batch_id"]) == (
        False,
        "dry_run",
        None,
    )
    assert dry["before"] == balance and dry["after"] == balance and dry["exit_code"] == 1
    held = ingest_json(cli, "third", sheets, D4, "--all-or-nothing")
    assert held["recorded"] is False and held["not_recorded_reason"] == "all_or_nothing"
    assert held["exit_code"] == 2
    done = ingest_json(cli, "third", sheets, D4)
    assert done["recorded"] is True and done["not_recorded_reason"] is None
    assert isinstance(done["batch_id"], int) and done["exit_code"] == 1
    assert done["counts"]["Requests"] == {"Pending approval": 1, "Already submitted": 0,
                                          "Refused": 1}  # fmt: skip
    assert done["before"] == balance
    assert done["after"]["pending"] == balance["pending"] + 1000
    assert ok(cli("quota", "show", "--json", as_of=str(D4))).json() == done["after"]
    book = openpyxl.load_workbook(done["outputs"]["decisions"])
    assert [r["Decision"] for r in rows_of(book["Requests"])] == ["Pending approval", "Refused"]
    assert Path(done["outputs"]["report"]).is_file()


def test_review_and_report_json(cli: Cli, story: Story, tmp_path: Path) -> None:
    ingest_json(cli, "more", {"Requests": [request("R-7")]}, D4)
    exported = json.loads(
        ok(
            cli("review", "export", "--out-dir", str(tmp_path / "x"), "--json", as_of=str(D4))
        ).stdout
    )
    assert exported["pending"] == 1 and Path(exported["outputs"]["review"]).is_file()
    monthly = ok(cli("report", "monthly", "--month", "2026-11", "--out-dir", str(tmp_path),
                     "--json", as_of=str(D4))).json()  # fmt: skip
    assert monthly["granted"] == 15000 and monthly["reclaimed"] == 1000
    assert Path(monthly["outputs"]["html"]).is_file() and monthly["exit_code"] == 0


def test_ingest_json_after_a_failure_past_the_commit_says_recorded(
    cli: Cli, story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kw: object) -> None:
        raise OSError(28, "No space left on device")

    # the run's own writer fails (no second process writes ahead: the patch would not reach it)
    monkeypatch.setenv("VOUCHER_BATCH_BACKGROUND_WRITE_ROWS", str(10**9))
    monkeypatch.setattr(batch_outputs, "write_workbook", broken)
    book = write_workbook(cli.folder / "late.xlsx", {"Requests": [request("R-8")]})
    result = cli.ingest(book, "--json", as_of=NOW)
    assert result.code == 1
    [line] = result.stderr.strip().splitlines()
    assert "WAS recorded" in line
    document = result.json()
    assert document["recorded"] is True and document["error"] == "outputs_failed"
    assert document["exit_code"] == 1 and f"batch {document['batch_id']}" in line
    listed = ok(cli("vouchers", "list", "--json", "--status", "pending", as_of=NOW)).json()
    assert "R-8" in {v["request_id"] for v in listed}


def test_a_template_and_customer_edited_later_show_as_they_were(cli: Cli) -> None:
    ok(cli("init"))
    first = {"Customers": [customer(UIN1, "Old Name")], "Templates": [template("Edu", 1000)]}
    ingest_json(cli, "first", first, D1)
    later = {"Customers": [customer(UIN1, "New Name")], "Templates": [template("Edu", 1500)]}
    edited = ingest_json(cli, "later", later, D3)
    assert edited["counts"]["Templates"]["Updated"] == 1
    for day, amount, name in ((D2, 1000, "Old Name"), (D3, 1500, "New Name")):
        [tpl] = ok(cli("templates", "list", "--json", as_of=str(day))).json()
        assert tpl["amount"] == amount and tpl["locked"] is False, day
        [cust] = ok(cli("customers", "list", "--json", as_of=str(day))).json()
        assert cust["customer_name"] == name, day
