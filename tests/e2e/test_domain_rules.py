"""End-to-end checks of the domain rules (CONTRACTS.md R1-R9, R13) and the ingest outputs.

Every test drives the real CLI on generated .xlsx files and re-opens the outputs.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.workbooks import (
    TEMPLATE_HEADERS,
    Cli,
    SheetData,
    customer,
    ready_ledger,
    request,
    rows_of,
    template,
    write_workbook,
)

UIN1, UIN2 = "100012340001", "100012340002"
TEMPLATE_KEYS = {
    "name", "usage", "payment_mode", "amount", "validity_period", "validity_start",
    "locked", "issued_count",
}  # fmt: skip
FOLLOW_UP_KEYS = {"voucher_id", "console_status", "used_amount", "remaining_amount", "expires_on"}
VOUCHER_KEYS = {
    "issuance_id", "request_id", "template_name", "customer_uin", "amount", "status",
    "requested_on", "decided_on", "valid_from", "valid_until",
}  # fmt: skip
FULL_TEMPLATE_HEADERS = [
    "Template Name", "Cost Bearer", "Usage", "Product Scope", "Payment Mode", "Voucher Type",
    "Amount", "Validity Period", "Validity Start", "Description",
]  # fmt: skip
OUTPUT_SHEETS = {"Errors", "Summary"}


# ---- helpers ---------------------------------------------------------------------------


def ingest(cli: Cli, name: str, sheets: dict[str, Any], *extra: str) -> tuple[int, Any]:
    """Write and ingest a workbook; check the refused-row invariants; return (exit, book)."""
    book = write_workbook(cli.folder / f"{name}.xlsx", sheets)
    result = cli.ingest(book, *extra)
    assert result.code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    out = cli.decisions(book)
    check_refusals(out)
    return result.code, out


def check_refusals(book: openpyxl.Workbook) -> None:
    """Every Refused row has a Reason and at least one Errors row pointing at one of its cells."""
    errors = rows_of(book["Errors"])
    for name in book.sheetnames:
        if name in OUTPUT_SHEETS:
            continue
        for row in rows_of(book[name]):
            if row["Decision"] != "Refused":
                continue
            assert row["Reason"], f"{name} row {row['Row']} refused without a reason"
            mine = [e for e in errors if e["Sheet"] == name and e["Row"] == row["Row"]]
            assert mine, f"{name} row {row['Row']} refused without an Errors row"
            for e in mine:
                assert re.fullmatch(rf"[A-Z]{{1,3}}{row['Row']}", str(e["Cell"])), e
                assert e["Column"] and e["Problem"], e


def by_key(book: openpyxl.Workbook, sheet: str, key: str) -> dict[Any, dict[str, Any]]:
    rows = rows_of(book[sheet])
    return {r[key]: r for r in rows}


def decisions(book: openpyxl.Workbook, sheet: str) -> list[str]:
    return [r["Decision"] for r in rows_of(book[sheet])]


def errors_for(book: openpyxl.Workbook, sheet: str, row: int) -> list[dict[str, Any]]:
    return [e for e in rows_of(book["Errors"]) if e["Sheet"] == sheet and e["Row"] == row]


def templates_json(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli("templates", "list", "--json", *args)
    assert result.code == 0, result.stderr
    data: list[dict[str, Any]] = result.json()
    return data


def vouchers_json(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli("vouchers", "list", "--json", *args)
    assert result.code == 0, result.stderr
    data: list[dict[str, Any]] = result.json()
    return data


def full_template(name: str, **kw: object) -> list[object]:
    """A row under FULL_TEMPLATE_HEADERS; blank single-valued fields by default."""
    values: dict[str, object] = {
        "Template Name": name, "Cost Bearer": None, "Usage": "Product trial",
        "Product Scope": None, "Payment Mode": "All", "Voucher Type": None, "Amount": 1000,
        "Validity Period": "30 days", "Validity Start": "From the validity date",
        "Description": None,
    }  # fmt: skip
    values.update({k.replace("_", " ").title(): v for k, v in kw.items()})
    return [values[h] for h in FULL_TEMPLATE_HEADERS]


def summary_figure(book: openpyxl.Workbook, *words: str) -> Any:
    """The Summary value whose label holds all `words` (and no other quota figure name)."""
    figures = {"quota", "issued", "remaining"}
    found = []
    for row in book["Summary"].iter_rows(values_only=True):
        label = str(row[0] or "").casefold()
        if all(w in label for w in words) and not (figures - set(words)) & set(
            re.findall(r"[a-z]+", label)
        ):
            found.append(row[1])
    assert len(found) == 1, (words, found)
    return found[0]


# ---- R1 quota --------------------------------------------------------------------------


def test_quota_starts_at_zero_grant_reclaim_and_refusals(cli: Cli) -> None:
    assert cli("init").code == 0
    assert cli.quota() == dict.fromkeys(
        ("quota", "pending", "approved", "rejected", "issued", "remaining"), 0
    )
    assert cli("quota", "grant", "3000", "--by", "sales.rep", "--ref", "T-1").code == 0
    assert cli.quota()["quota"] == 3000
    assert cli("quota", "reclaim", "500", "--by", "sales.rep").code == 0
    assert cli.quota()["quota"] == 2500
    setup = {
        "Customers": [customer(UIN1)],
        "Templates": [template("Starter Trial", 1000)],
        "Requests": [request("R-1"), request("R-2")],
    }
    assert ingest(cli, "setup", setup)[0] == 0
    before = cli.quota()
    assert before["issued"] == 2000
    refused = cli("quota", "reclaim", "501", "--by", "sales.rep")
    assert refused.code == 2
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert cli.quota() == before
    for kind in ("grant", "reclaim"):
        for bad in ("0", "-5", "1.5"):
            result = cli("quota", kind, "--by", "sales.rep", "--", bad)
            assert result.code == 2, (kind, bad, result.stdout)
    assert cli.quota() == before
    assert cli("quota", "reclaim", "500", "--by", "sales.rep").code == 0  # down to issued
    assert cli.quota()["remaining"] == 0


# ---- R2 / R8 first fit -----------------------------------------------------------------


def test_first_fit_refuses_what_does_not_fit_and_accepts_later_rows(cli: Cli) -> None:
    ready_ledger(cli, quota=2500)
    sheets = {
        "Templates": [template("Half Trial", 500)],
        "Requests": [request(f"R-{i}") for i in (1, 2, 3, 4)] + [request("R-5", "Half Trial")],
    }
    code, out = ingest(cli, "batch", sheets)
    assert code == 1
    rows = rows_of(out["Requests"])
    assert [r["Decision"] for r in rows] == [
        "Pending approval", "Pending approval", "Refused", "Refused", "Pending approval",
    ]  # fmt: skip
    assert "quota" in rows[2]["Reason"].casefold()
    assert [r["Remaining Quota"] for r in rows] == [1500, 500, 500, 500, 0]
    assert [r["Amount"] for r in rows if r["Decision"] != "Refused"] == [1000, 1000, 500]
    assert all(r["Issuance ID"] for r in rows if r["Decision"] != "Refused")
    assert not any(r["Issuance ID"] for r in rows if r["Decision"] == "Refused")
    figures = cli.quota()
    assert figures["issued"] == 2500 == figures["pending"]
    assert figures["issued"] <= figures["quota"]
    assert figures["remaining"] == 0


# ---- R4 template names -----------------------------------------------------------------


def test_template_names_letters_any_script_unique_case_insensitive(cli: Cli) -> None:
    ready_ledger(cli)
    names = {
        "  Prueba   Señal ": "Created",
        "试用券": "Created",
        "A" * 20: "Created",
        "Trial 2026": "Refused",
        "Trial-Offer": "Refused",
        "Trial.": "Refused",
        "B" * 21: "Refused",
        "STARTER   trial": "Unchanged",
    }
    code, out = ingest(cli, "names", {"Templates": [template(n, 1000) for n in names]})
    assert code == 1
    assert decisions(out, "Templates") == list(names.values())
    listed = {t["name"] for t in templates_json(cli)}
    assert {"Prueba Señal", "试用券", "A" * 20} <= listed
    assert not {n for n in listed if any(c.isdigit() or c in "-." for c in n)}
    assert "B" * 21 not in listed
    # a later workbook names the same template differently: it updates, never duplicates
    code, out = ingest(cli, "rename", {"Templates": [template("  starter TRIAL", 1200)]})
    assert (code, decisions(out, "Templates")) == (0, ["Updated"])
    starters = [t for t in templates_json(cli) if t["name"].casefold() == "starter trial"]
    assert len(starters) == 1 and starters[0]["amount"] == 1200
    assert len(templates_json(cli)) == len(listed)


# ---- R5 template fields ----------------------------------------------------------------


def test_template_field_rules(cli: Cli) -> None:
    ready_ledger(cli)
    singles = {"cost_bearer": "Tencent", "product_scope": "AllProducts"}
    codes = {"usage": "CustomerOffer", "payment_mode": "Pay-as-you-go"}
    table: list[tuple[str, dict[str, object], str]] = [
        ("Blank Singles", {}, "Created"),
        ("Explicit Singles", {**singles, "voucher_type": "Balance deduction"}, "Created"),
        ("Partner Paid", {"cost_bearer": "Partner"}, "Refused"),
        ("Code Trial", {"usage": "ProductTrial", "payment_mode": "AllPayment"}, "Created"),
        ("Code Offer", codes, "Created"),
        ("Zero Amount", {"amount": 0}, "Refused"),
        ("Huge Amount", {"amount": 1_000_001}, "Refused"),
        ("Min Amount", {"amount": 1}, "Created"),
        ("Max Amount", {"amount": 1_000_000}, "Created"),
        ("Zero Days", {"validity_period": "0 days"}, "Refused"),
        ("Too Many Days", {"validity_period": "367 days"}, "Refused"),
        ("Too Many Months", {"validity_period": "13 months"}, "Refused"),
        ("Two Weeks", {"validity_period": "2 weeks"}, "Refused"),
        ("Max Days", {"validity_period": "366 days"}, "Created"),
        ("Max Months", {"validity_period": "12 months"}, "Created"),
        ("Long Text", {"description": "d" * 201}, "Refused"),
        ("Full Text", {"description": "d" * 200}, "Created"),
    ]
    cases = [(full_template(name, **kw), expected) for name, kw, expected in table]
    sheet = SheetData(header=FULL_TEMPLATE_HEADERS, rows=[row for row, _ in cases])
    code, out = ingest(cli, "fields", {"Templates": sheet})
    assert code == 1
    rows = rows_of(out["Templates"])
    assert [(r["Template Name"], r["Decision"]) for r in rows] == [
        (row[0], expected) for row, expected in cases
    ]
    partner = rows[2]["Reason"]
    assert "Tencent" in partner and "only" in partner.casefold(), partner
    assert errors_for(out, "Templates", 4)[0]["Cell"] == "B4"  # Cost Bearer is column B
    assert errors_for(out, "Templates", 4)[0]["Value"] == "Partner"
    listed = {t["name"]: t for t in templates_json(cli)}
    created = {str(row[0]) for row, expected in cases if expected == "Created"}
    refused = {str(row[0]) for row, expected in cases if expected == "Refused"}
    assert created <= set(listed) and not refused & set(listed)
    modes = {n: (t["usage"], t["payment_mode"]) for n, t in listed.items()}
    assert modes["Code Trial"] == ("ProductTrial", "AllPayment")
    assert modes["Code Offer"] == ("CustomerOffer", "Postpaid")
    assert listed["Max Amount"]["amount"] == 1_000_000 and listed["Min Amount"]["amount"] == 1


# ---- R6 template edits -----------------------------------------------------------------


def test_template_edit_lock_and_listing(cli: Cli) -> None:
    ready_ledger(cli)
    first = {"Templates": [template("Starter Trial", 1200), template("Gold Offer", 3000)]}
    code, out = ingest(cli, "edit", first)
    assert (code, decisions(out, "Templates")) == (0, ["Updated", "Created"])
    code, out = ingest(cli, "again", first)
    assert (code, decisions(out, "Templates")) == (0, ["Unchanged", "Unchanged"])
    assert ingest(cli, "use", {"Requests": [request("R-1")]})[0] == 0
    later = {
        "Templates": [
            template("Starter Trial", 1200),
            template("Starter Trial", 1500),
            template("Gold Offer", 3500),
        ]
    }
    code, out = ingest(cli, "locked", later)
    assert code == 1
    rows = rows_of(out["Templates"])
    assert [r["Decision"] for r in rows] == ["Unchanged", "Refused", "Updated"]
    assert "new template" in rows[1]["Reason"].casefold()
    listed = templates_json(cli)
    assert all(set(t) == TEMPLATE_KEYS for t in listed)
    state = {t["name"]: (t["locked"], t["issued_count"], t["amount"]) for t in listed}
    assert state == {"Starter Trial": (True, 1, 1200), "Gold Offer": (False, 0, 3500)}
    assert [t["name"] for t in templates_json(cli, "--locked")] == ["Starter Trial"]
    assert [t["name"] for t in templates_json(cli, "--editable")] == ["Gold Offer"]


# ---- R7 issuance -----------------------------------------------------------------------


def test_request_field_and_ledger_rules(cli: Cli) -> None:
    ready_ledger(cli, quota=100_000)
    # (row, expected decision, column the problem is reported in, its letter)
    cases: list[tuple[list[object], str, str | None]] = [
        (request("R-UNKNOWN", uin="999999999"), "Refused", "C"),
        (request("R-UNBOUND", uin="100012340003"), "Refused", "C"),
        (request("R-NO-TPL", tpl="No Such Template"), "Refused", "B"),
        (request("R-CASE", tpl="  starter    TRIAL "), "Pending approval", None),
        (request("R-NEG", revenue=-1), "Refused", "D"),
        (request("R-ZERO", revenue=0), "Pending approval", None),
        (request("R-PAST", when=date(2026, 11, 1)), "Refused", "E"),
        (request("R-TODAY", when=date(2026, 11, 2)), "Pending approval", None),
        (request("R-NO-REASON", reason=None), "Refused", "F"),
        (request("R-LONG-REASON", reason="x" * 501), "Refused", "F"),
        (request("R-MAX-REASON", reason="x" * 500), "Pending approval", None),
        (request("X" * 41), "Refused", "A"),
        (request("Y" * 40), "Pending approval", None),
    ]
    sheets = {
        "Customers": [customer("100012340003", "Gone Co", "Unbound")],
        "Requests": [row for row, _, _ in cases],
    }
    code, out = ingest(cli, "requests", sheets)
    assert code == 1
    assert decisions(out, "Customers") == ["Added"]
    rows = rows_of(out["Requests"])
    assert [r["Decision"] for r in rows] == [d for _, d, _ in cases]
    for r, (_, _, letter) in zip(rows, cases, strict=True):
        if letter:
            cells = {e["Cell"] for e in errors_for(out, "Requests", r["Row"])}
            assert f"{letter}{r['Row']}" in cells, (r["Request ID"], cells)
    accepted = sum(d == "Pending approval" for _, d, _ in cases)
    assert cli.quota()["issued"] == 1000 * accepted
    ids = {v["request_id"] for v in vouchers_json(cli)}
    assert ids == {str(row[0]) for row, d, _ in cases if d == "Pending approval"}


def test_blank_requested_by_is_the_operator(cli: Cli) -> None:
    ready_ledger(cli)
    assert ingest(cli, "first", {"Requests": [request("R-1", by=None)]})[0] == 0
    code, out = ingest(cli, "explicit", {"Requests": [request("R-1", by="ops.lead")]})
    assert (code, decisions(out, "Requests")) == (0, ["Already submitted"])
    code, out = ingest(cli, "other", {"Requests": [request("R-1", by="someone.else")]})
    assert (code, decisions(out, "Requests")) == (1, ["Refused"])
    assert cli.quota()["issued"] == 1000


# ---- R9 idempotency --------------------------------------------------------------------


def test_reingest_is_idempotent_and_conflicts_are_refused(cli: Cli) -> None:
    ready_ledger(cli)
    sheets = {"Requests": [request("R-1"), request("R-2", uin=UIN2)]}
    code, first = ingest(cli, "batch", sheets)
    assert code == 0
    after_first = cli.quota()
    code, again = ingest(cli, "batch", sheets)
    assert code == 0
    assert decisions(again, "Requests") == ["Already submitted"] * 2
    assert [r["Issuance ID"] for r in rows_of(again["Requests"])] == [
        r["Issuance ID"] for r in rows_of(first["Requests"])
    ]
    assert cli.quota() == after_first
    code, out = ingest(cli, "changed", {"Requests": [request("R-1", revenue=9999)]})
    assert code == 1
    row = rows_of(out["Requests"])[0]
    assert row["Decision"] == "Refused"
    assert cli.quota() == after_first
    assert len(vouchers_json(cli)) == 2
    assert "conflict" in row["Reason"].casefold(), row["Reason"]


# ---- Customers sheet -------------------------------------------------------------------


def test_customers_sheet_added_updated_unchanged(cli: Cli) -> None:
    ready_ledger(cli)
    sheets = {
        "Customers": [
            customer(UIN1),
            customer(UIN2, "Second Co", "Unbound"),
            customer("100012340009", "New Co"),
        ],
        "Requests": [request("R-1", uin=UIN2), request("R-2", uin="100012340009")],
    }
    code, out = ingest(cli, "customers", sheets)
    assert code == 1
    assert decisions(out, "Customers") == ["Unchanged", "Updated", "Added"]
    assert decisions(out, "Requests") == ["Refused", "Pending approval"]


# ---- --dry-run and --all-or-nothing (R13) ----------------------------------------------


def test_dry_run_decides_but_records_nothing(cli: Cli) -> None:
    ready_ledger(cli, quota=2500)
    sheets = {
        "Templates": [template("Half Trial", 500)],
        "Requests": [request(f"R-{i}") for i in (1, 2, 3)] + [request("R-4", "Half Trial")],
    }
    before, names = cli.quota(), templates_json(cli)
    code, dry = ingest(cli, "batch", sheets, "--dry-run")
    assert code == 1
    expected = ["Pending approval", "Pending approval", "Refused", "Pending approval"]
    assert decisions(dry, "Requests") == expected
    assert decisions(dry, "Templates") == ["Created"]
    assert cli.quota() == before
    assert templates_json(cli) == names
    assert vouchers_json(cli) == []
    code, real = ingest(cli, "batch", sheets)
    assert code == 1
    assert decisions(real, "Requests") == expected
    assert cli.quota()["issued"] == 2500


def test_all_or_nothing(cli: Cli) -> None:
    ready_ledger(cli, quota=1500)
    before, names = cli.quota(), templates_json(cli)
    sheets = {
        "Templates": [template("Half Trial", 500)],
        "Requests": [request("R-1"), request("R-2")],
    }
    code, out = ingest(cli, "mixed", sheets, "--all-or-nothing")
    assert code == 2
    assert decisions(out, "Requests") == ["Pending approval", "Refused"]
    assert cli.quota() == before
    assert templates_json(cli) == names
    assert vouchers_json(cli) == []
    code, _ = ingest(cli, "clean", {"Requests": [request("R-1")]}, "--all-or-nothing")
    assert code == 0
    assert cli.quota()["issued"] == 1000
    assert [v["request_id"] for v in vouchers_json(cli)] == ["R-1"]


# ---- outputs ---------------------------------------------------------------------------


def test_decision_workbook_summary_and_escaped_report(cli: Cli) -> None:
    ready_ledger(cli)
    script = "<script>alert(1)</script>"
    book = write_workbook(
        cli.folder / "mixed.xlsx",
        {
            "Customers": [customer("100012340005", "Fifth Co")],
            "Templates": [template("Gold Offer", 2000), template("Bad 1", 10)],
            "requests": [request("R-1"), request(script, uin="999999999", reason=script)],
        },
    )
    result = cli.ingest(book)
    assert result.code == 1, result.stderr
    out = cli.decisions(book)
    check_refusals(out)
    assert set(out.sheetnames) == {"Customers", "Templates", "requests", "Errors", "Summary"}
    inputs = {
        "Customers": ["Customer UIN", "Customer Name", "Bound Since", "Status"],
        "Templates": TEMPLATE_HEADERS,
        "requests": [
            "Request ID", "Template Name", "Customer UIN", "Estimated Revenue",
            "Estimated Conversion Date", "Application Reason", "Requested By",
        ],
    }  # fmt: skip
    for name, header in inputs.items():
        got = [c.value for c in out[name][1]]
        extra = ["Row", "Decision", "Reason"]
        if name == "requests":
            extra += ["Issuance ID", "Amount", "Remaining Quota"]
        assert got == header + extra, (name, got)
    requests = rows_of(out["requests"])
    assert [r["Row"] for r in requests] == [2, 3]
    assert requests[1]["Request ID"] == script and requests[1]["Application Reason"] == script
    assert requests[0]["Reason"] in (None, "")
    assert [r["Remaining Quota"] for r in requests] == [9000, 9000]
    errors = rows_of(out["Errors"])
    assert set(errors[0]) == {"Sheet", "Row", "Cell", "Column", "Value", "Problem"}
    bad_name = [e for e in errors if e["Sheet"] == "Templates"]
    assert [(e["Row"], e["Cell"], e["Column"], e["Value"]) for e in bad_name] == [
        (3, "A3", "Template Name", "Bad 1")
    ]
    assert any(e["Cell"] == "C3" and e["Column"] == "Customer UIN" for e in errors)
    assert summary_figure(out, "quota", "before") == 10_000
    assert summary_figure(out, "quota", "after") == 10_000
    assert summary_figure(out, "issued", "before") == 0
    assert summary_figure(out, "issued", "after") == 1000
    assert summary_figure(out, "remaining", "before") == 10_000
    assert summary_figure(out, "remaining", "after") == 9000
    assert summary_figure(out, "customers", "added") == 1
    assert summary_figure(out, "templates", "created") == 1
    assert summary_figure(out, "templates", "refused") == 1
    assert summary_figure(out, "requests", "pending approval") == 1
    assert summary_figure(out, "requests", "refused") == 1
    report = cli.out / "mixed-report.html"
    assert report.exists()
    html = report.read_text(encoding="utf-8")
    assert script not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_vouchers_list_json_and_filters(cli: Cli) -> None:
    ready_ledger(cli)
    sheets = {
        "Templates": [template("Gold Offer", 2000)],
        "Requests": [
            request("R-1"),
            request("R-2", "Gold Offer", uin=UIN2),
            request("R-3", uin=UIN2),
        ],
    }
    assert ingest(cli, "batch", sheets)[0] == 0
    listed = vouchers_json(cli)
    # the contract keys, then the console follow-up keys (null before a voucher is linked)
    assert all(set(v) == VOUCHER_KEYS | FOLLOW_UP_KEYS for v in listed)
    assert all(v[k] is None for v in listed for k in FOLLOW_UP_KEYS - {"expires_on"})
    assert sorted(v["request_id"] for v in listed) == ["R-1", "R-2", "R-3"]
    for v in listed:
        assert v["status"] == "pending" and v["decided_on"] is None
        assert v["requested_on"] == "2026-11-02"
        assert v["amount"] == (2000 if v["request_id"] == "R-2" else 1000)

    def ids(*args: str) -> list[str]:
        return sorted(v["request_id"] for v in vouchers_json(cli, *args))

    assert ids("--status", "pending") == ["R-1", "R-2", "R-3"]
    assert ids("--status", "approved") == []
    assert ids("--customer", UIN2) == ["R-2", "R-3"]
    assert ids("--template", "gold   OFFER") == ["R-2"]
    assert ids("--template", "Starter Trial", "--customer", UIN2) == ["R-3"]


# ---- missing ledger, exit codes --------------------------------------------------------


def test_missing_ledger_is_not_created_and_init_is_idempotent(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "typo.sqlite3"
    missing.parent.mkdir()
    result = cli("--ledger", str(missing), "quota", "show", "--json")
    assert result.code == 2
    assert "init" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not missing.exists()
    assert list(missing.parent.iterdir()) == []
    assert cli("--ledger", str(missing), "init").code == 0
    assert cli("--ledger", str(missing), "init").code == 0
    assert cli("--ledger", str(missing), "quota", "show", "--json").json()["quota"] == 0


@pytest.mark.parametrize("bad_date", ["2026-02-30", "02/11/2026"])
def test_invalid_business_date_is_a_usage_error(cli: Cli, bad_date: str) -> None:
    ready_ledger(cli)
    before = cli.quota()
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    result = cli.ingest(book, as_of=bad_date)
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert cli.quota() == before
    assert vouchers_json(cli) == []
