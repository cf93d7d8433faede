"""End to end: after approval, console vouchers are linked, synced and their usage recorded.

Generated console-style exports (console field names and readable aliases, status codes and
labels, times as text and as date cells) go through the real CLI; the decision workbooks,
`vouchers list --json` and the ledger's figures are checked against sums computed here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from tests.e2e.test_review_loop import export, fill, review_import, start
from tests.workbooks import Cli, Result, SheetData, request, rows_of, write_workbook

UIN1, UIN2, STRANGER = "100012340001", "100012340002", "100099990000"
CONSOLE = [
    "VoucherId", "CustomerUin", "VoucherStatus", "TotalAmount", "RemainingAmount",
    "EffectiveTime", "ExpireTime", "Usage", "PaymentMode", "ProductScope", "ApplyReason",
]  # fmt: skip
READABLE = ["Voucher ID", "Customer UIN", "Voucher Status", "Total Amount", "Remaining Amount",
            "Effective Time", "Expire Time"]  # fmt: skip
USAGE = ["VoucherId", "DealName", "BillId", "Amount", "PayMode", "ProductCode",
         "ProductCodeName", "PayTime", "OwnerUin"]  # fmt: skip
TRIAL = ("2026-11-02 00:00:00", "2026-12-01 23:59:59")  # Starter Trial from the issuance date
GROWTH = (datetime(2026, 11, 3), datetime(2027, 2, 2, 23, 59, 59))  # 3 months from approval


def approved_ledger(cli: Cli) -> dict[str, str]:
    """Four approved issuances: R-1, R-2 (alike: UIN1, 1000, same validity), R-3 (UIN2,
    1000), R-4 (UIN2, Growth Offer 2000); Request ID -> Issuance ID."""
    ids = start(
        cli,
        [
            request("R-1", uin=UIN1, revenue=5000, when=date(2026, 11, 10)),
            request("R-2", uin=UIN1),
            request("R-3", uin=UIN2, revenue=8000, when=date(2026, 11, 15)),
            request("R-4", "Growth Offer", uin=UIN2),
        ],
    )
    book = export(cli, "2026-11-03")
    filled = fill(
        book, cli.folder / "filled.xlsx", {i: {"Decision": "Approve"} for i in ids.values()}
    )
    result, rows, _ = review_import(cli, filled, "2026-11-03")
    assert result.code == 0, result.stderr
    assert {r["Decision"] for r in rows.values()} == {"Approved"}
    return ids


def console_row(
    vid: str, uin: str, status: str, total: int, remaining: int, when: tuple[Any, Any]
) -> list[object]:
    return [vid, uin, status, total, remaining, when[0], when[1], "ProductTrial", "AllPayment",
            "AllProducts", "trial"]  # fmt: skip


def run(
    cli: Cli, what: str, book: Path, as_of: str = "2026-11-20"
) -> tuple[Result, dict[str, list[dict[str, Any]]]]:
    result = cli("vouchers", what, str(book), "--out-dir", str(cli.out), as_of=as_of)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code in (0, 1), result.stderr
    line = [s for s in result.stdout.splitlines() if s.startswith("decisions:")][-1]
    wb = openpyxl.load_workbook(line.split(":", 1)[1].strip())
    return result, {ws.title: rows_of(ws) for ws in wb.worksheets}


def decisions(sheet: list[dict[str, Any]]) -> dict[str, str]:
    key = "VoucherId" if "VoucherId" in sheet[0] else "Voucher ID"
    return {
        str(r[key]) + (f"/{r['BillId']}" if "BillId" in r else ""): r["Decision"] for r in sheet
    }


def test_link_sync_usage_follow_the_console(cli: Cli) -> None:
    ids = approved_ledger(cli)
    quota_before = cli.quota()

    # ---- link by customer, amount and validity: alike -> ambiguous ------------------
    links = write_workbook(
        cli.folder / "voucher-list.xlsx",
        {
            "Vouchers": SheetData(
                header=CONSOLE,
                rows=[
                    console_row("V-1", UIN1, "Issued", 1000, 1000, TRIAL),
                    console_row("V-3", UIN2, "Issued", 1000, 1000, TRIAL),
                    console_row("V-4", UIN2, "Issued", 2000, 2000, GROWTH),
                    console_row("V-X", STRANGER, "Issued", 500, 500, TRIAL),
                ],
            )
        },
    )
    result, out = run(cli, "link", links)
    assert result.code == 1
    rows = {r["VoucherId"]: r for r in out["Vouchers"]}
    assert {k: r["Decision"] for k, r in rows.items()} == {
        "V-1": "Refused", "V-3": "Linked", "V-4": "Linked", "V-X": "No match",
    }  # fmt: skip
    assert ids["R-1"] in rows["V-1"]["Reason"] and ids["R-2"] in rows["V-1"]["Reason"]
    assert rows["V-3"]["Issuance ID"] == ids["R-3"] and rows["V-4"]["Issuance ID"] == ids["R-4"]
    assert [(e["Cell"], e["Column"]) for e in out["Errors"]] == [("A2", "VoucherId")]

    # ---- named issuances: links, and conflicting second links refused ----------------------
    named = write_workbook(
        cli.folder / "named.xlsx",
        {
            "Vouchers": SheetData(
                header=[*CONSOLE, "Issuance ID"],
                rows=[
                    [*console_row("V-1", UIN1, "Issued", 1000, 1000, TRIAL), ids["R-1"]],
                    [*console_row("V-2", UIN1, "Issued", 1000, 1000, TRIAL), ids["R-2"]],
                    [*console_row("V-9", UIN1, "Issued", 1000, 1000, TRIAL), ids["R-1"]],
                    [*console_row("V-3", UIN2, "Issued", 1000, 1000, TRIAL), ids["R-4"]],
                    [*console_row("V-3", UIN2, "Issued", 1000, 1000, TRIAL), ids["R-3"]],
                ],
            )
        },
    )
    result, out = run(cli, "link", named)
    assert result.code == 1
    assert [r["Decision"] for r in out["Vouchers"]] == [
        "Linked", "Linked", "Refused", "Refused", "Unchanged",
    ]  # fmt: skip
    assert "already linked to voucher V-1" in out["Vouchers"][2]["Reason"]
    assert f"already linked to {ids['R-3']}" in out["Vouchers"][3]["Reason"]

    # ---- sync: readable headers, labels, date cells ----------------------------------------
    sync_rows = [
        ["V-1", UIN1, "Issued", 1000, 500, *TRIAL],  # half used
        ["V-2", UIN1, "expired", 1000, 1000, *TRIAL],  # expired unused (a label)
        ["V-3", UIN2, "Issued", 1200, 1200, *TRIAL],  # the console says another amount
        ["V-4", UIN2, "Used", 2000, 0, *GROWTH],  # used up, date cells
        ["V-X", STRANGER, "Issued", 500, 500, *TRIAL],  # not issued through this ledger
    ]
    sync = write_workbook(
        cli.folder / "sync.xlsx", {"Vouchers": SheetData(header=READABLE, rows=sync_rows)}
    )
    result, out = run(cli, "sync", sync)
    assert result.code == 0, result.stderr
    rows = {r["Voucher ID"]: r for r in out["Vouchers"]}
    assert {k: r["Decision"] for k, r in rows.items()} == {
        "V-1": "Updated", "V-2": "Updated", "V-3": "Updated", "V-4": "Updated",
        "V-X": "Unknown voucher",
    }  # fmt: skip
    assert "amount 1,200, the ledger has 1,000" in rows["V-3"]["Flags"]
    assert not rows["V-1"]["Flags"] and not rows["V-4"]["Flags"]
    assert "not issued through this ledger" in rows["V-X"]["Flags"]
    summary = {r["Decision"]: r["Rows"] for r in out["Summary"]}
    assert summary["Updated"] == 4 and summary["Unknown voucher"] == 1

    # the same file again: nothing recorded, every row Unchanged
    result, out = run(cli, "sync", sync)
    assert result.code == 0
    assert set(decisions(out["Vouchers"]).values()) == {"Unchanged"}
    assert "nothing new to record" in result.stderr

    # a status moving backwards is refused; nothing else changes
    back = [list(r) for r in sync_rows]
    back[3][2], back[3][4] = "Issued", 2000
    back_book = write_workbook(
        cli.folder / "back.xlsx", {"Vouchers": SheetData(header=READABLE, rows=back)}
    )
    result, out = run(cli, "sync", back_book)
    assert result.code == 1
    assert decisions(out["Vouchers"])["V-4"] == "Refused"
    assert "back from Used" in out["Vouchers"][3]["Reason"]
    assert [e["Cell"] for e in out["Errors"]] == ["C5"]

    # ---- usage: deals once by (VoucherId, BillId) ----------------------------------------
    deals = [
        ["V-1", "deal a", "B-1", 300, "prepaid", "cvm", "Cloud VM", "2026-11-10 10:00:00", UIN1],
        ["V-1", "deal b", "B-2", 200, "prepaid", "cos", "Storage", "2026-11-11 11:00:00", UIN1],
        ["V-4", "deal c", "B-3", 1500, "postpaid", "cvm", "Cloud VM", "2026-11-12 12:00:00", UIN2],
        ["V-4", "deal c", "B-3", 1500, "postpaid", "cvm", "Cloud VM", "2026-11-12 12:00:00", UIN2],
    ]
    usage = write_workbook(
        cli.folder / "usage.xlsx", {"Usage": SheetData(header=USAGE, rows=deals)}
    )
    result, out = run(cli, "usage", usage)
    assert result.code == 0, result.stderr
    assert [r["Decision"] for r in out["Usage"]] == [
        "Recorded",
        "Recorded",
        "Recorded",
        "Unchanged",
    ]
    # used by deals against TotalAmount - RemainingAmount of the latest sync, computed here
    expected_used = {"V-1": 300 + 200, "V-4": 1500}
    console_used = {r[0]: r[3] - r[4] for r in sync_rows}
    check = {r["Voucher ID"]: r for r in out["Usage Check"]}
    for vid, used in expected_used.items():
        assert check[vid]["Used by Deals"] == used
        assert check[vid]["Used by Console"] == console_used[vid]
        assert check[vid]["Check"] == ("OK" if used == console_used[vid] else "Mismatch")
    assert check["V-4"]["Check"] == "Mismatch"

    result, out = run(cli, "usage", usage)
    assert result.code == 0
    assert set(decisions(out["Usage"]).values()) == {"Unchanged"}

    conflict = write_workbook(
        cli.folder / "usage-conflict.xlsx",
        {"Usage": SheetData(header=USAGE, rows=[[*deals[1][:3], 250, *deals[1][4:]]])},
    )
    result, out = run(cli, "usage", conflict)
    assert result.code == 1
    assert out["Usage"][0]["Decision"] == "Refused"
    assert "recorded with amount 200, not 250" in out["Usage"][0]["Reason"]

    # ---- vouchers list: the contract keys kept, the follow-up keys added ------------------
    listed = cli("vouchers", "list", "--json", as_of="2026-11-20")
    assert listed.code == 0, listed.stderr
    by_id = {v["issuance_id"]: v for v in listed.json()}
    latest = {r[0]: r for r in sync_rows}  # V-4's backwards move was refused
    linked = {"R-1": "V-1", "R-2": "V-2", "R-3": "V-3", "R-4": "V-4"}
    for rid, vid in linked.items():
        got = by_id[ids[rid]]
        assert got["status"] == "approved" and got["request_id"] == rid
        _, _, status, total, remaining, _, expire = latest[vid]
        expire_day = expire.date() if isinstance(expire, datetime) else expire[:10]
        assert (got["voucher_id"], got["console_status"]) == (vid, status.capitalize())
        assert (got["used_amount"], got["remaining_amount"]) == (total - remaining, remaining)
        assert got["expires_on"] == str(expire_day)
    expired = cli("vouchers", "list", "--json", "--console-status", "expired", as_of="2026-11-20")
    assert [v["issuance_id"] for v in expired.json()] == [ids["R-2"]]
    # from 2026-11-20: V-1 and V-3 (Issued) expire 2026-12-01, V-4 is used up
    soon = cli("vouchers", "list", "--json", "--expires-within", "11", as_of="2026-11-20")
    assert sorted(v["issuance_id"] for v in soon.json()) == sorted([ids["R-1"], ids["R-3"]])
    late = cli("vouchers", "list", "--json", "--expires-within", "10", as_of="2026-11-20")
    assert late.json() == []

    # ---- the monthly report against figures computed here ---------------------------------
    check_report(cli, ids, sync_rows)

    # quota figures never move
    assert cli.quota() == quota_before


def check_report(cli: Cli, ids: dict[str, str], sync_rows: list[list[Any]]) -> None:
    """`report monthly --json` (and its workbook and HTML) against an independent sum."""
    as_of = date(2026, 11, 20)  # before the month's end: the cutoff
    result = cli("report", "monthly", "--month", "2026-11", "--json", "--out-dir",
                 str(cli.out), as_of=as_of.isoformat())  # fmt: skip
    assert result.code == 0, result.stderr
    got = result.json()
    assert {"month", "opening_quota", "closing_remaining", "approved"} <= set(got)  # contract
    issuance = {"V-1": "R-1", "V-2": "R-2", "V-3": "R-3", "V-4": "R-4"}
    amount = {"R-1": 1000, "R-2": 1000, "R-3": 1000, "R-4": 2000}
    template = {"R-1": "Starter Trial", "R-2": "Starter Trial", "R-3": "Starter Trial",
                "R-4": "Growth Offer"}  # fmt: skip
    used = {issuance[r[0]]: r[3] - r[4] for r in sync_rows if r[0] in issuance}
    assert got["approved_amount"] == sum(amount.values())
    assert got["used_amount"] == sum(used.values())
    by_template: dict[str, list[int]] = {}
    for rid, tpl in template.items():
        by_template.setdefault(tpl, [0, 0])
        by_template[tpl][0] += amount[rid]
        by_template[tpl][1] += used[rid]
    assert {u["key"]: [u["approved"], u["used"]] for u in got["utilisation_by_template"]} == (
        by_template
    )
    # unused balance of vouchers still Issued, expiring within 30 days after the cutoff
    balance = {
        issuance[r[0]]: r[4]
        for r in sync_rows
        if r[0] in issuance
        and r[2] == "Issued"
        and as_of < _day(r[6]) <= as_of + timedelta(days=30)
    }
    [within30] = [e for e in got["unused_expiring"] if e["within_days"] == 30]
    assert within30["amount"] == sum(balance.values()) == 500 + 1200
    assert {v["issuance_id"] for v in within30["vouchers"]} == {ids[r] for r in balance}
    assert within30["by_customer"][0] == {"customer_uin": UIN2, "amount": 1200}
    assert [v["issuance_id"] for v in got["expired_unused"]] == [ids["R-2"]]
    # past their estimated conversion date by the cutoff: R-3 (unused, 8,000) before R-1
    follow = [(v["issuance_id"], v["used"], v["estimated_revenue"]) for v in
              got["conversion_follow_up"]]  # fmt: skip
    assert follow == [(ids["R-3"], False, 8000), (ids["R-1"], True, 5000)]
    wb = openpyxl.load_workbook(cli.out / "quota-2026-11.xlsx")
    conv = rows_of(wb["Conversion follow-up"])
    assert [r["Issuance ID"] for r in conv] == [ids["R-3"], ids["R-1"]]
    html = (cli.out / "quota-2026-11.html").read_text()
    for section in ("utilisation", "unused-expiring", "expired-unused", "conversion"):
        assert f'id="{section}"' in html


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(value[:10])


def test_bad_console_cells_are_refused_with_file_sheet_cell_and_rule(cli: Cli) -> None:
    approved_ledger(cli)
    book = write_workbook(
        cli.folder / "bad.xlsx",
        {
            "Vouchers": SheetData(
                header=READABLE,
                rows=[
                    ["V-1", UIN1, "Spent", 1000, 500, *TRIAL],
                    ["V-2", UIN1, "Issued", 1000, 1500, *TRIAL],
                    ["V-3", UIN1, "Issued", "12.5", 5, "03/04/2026", TRIAL[1]],
                ],
            )
        },
    )
    result, out = run(cli, "sync", book)
    assert result.code == 1
    assert [r["Decision"] for r in out["Vouchers"]] == ["Refused"] * 3
    cells = {(e["Cell"], e["Column"]) for e in out["Errors"]}
    assert {("C2", "Voucher Status"), ("E3", "Remaining Amount"), ("D4", "Total Amount"),
            ("F4", "Effective Time")} <= cells  # fmt: skip
    assert "nothing new to record" in result.stderr

    missing = write_workbook(
        cli.folder / "missing.xlsx", {"Vouchers": SheetData(header=["Voucher ID"], rows=[["V-1"]])}
    )
    result = cli("vouchers", "sync", str(missing), "--out-dir", str(cli.out))
    assert result.code == 2
    assert "missing.xlsx" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_review_workbook_links_a_named_voucher_once(cli: Cli) -> None:
    ids = start(cli, [request(f"R-{n}", uin=UIN1) for n in range(1, 5)])
    i1, i2, i3, i4 = (ids[f"R-{n}"] for n in range(1, 5))
    book = export(cli, "2026-11-03")
    filled = fill(
        book,
        cli.folder / "filled.xlsx",
        {
            i1: {"Decision": "Approve", "Voucher ID": "V-100"},
            i2: {"Decision": "Reject", "Review Comment": "no budget", "Voucher ID": "V-200"},
            i3: {"Decision": "Approve", "Voucher ID": "V-100"},  # V-100 is R-1's
            i4: {"Decision": "Approve"},
        },
    )
    result, rows, errors = review_import(cli, filled, "2026-11-03")
    assert result.code == 1
    assert {i: r["Decision"] for i, r in rows.items()} == {
        i1: "Approved", i2: "Refused", i3: "Refused", i4: "Approved",
    }  # fmt: skip
    assert "only with the Decision Approve" in rows[i2]["Reason"]
    assert f"also named for {i1}" in rows[i3]["Reason"]
    assert {e["Column"] for e in errors} == {"Voucher ID"}

    def linked() -> dict[str, Any]:
        listed = cli("vouchers", "list", "--json")
        return {v["issuance_id"]: v["voucher_id"] for v in listed.json()}

    assert linked() == {i1: "V-100", i2: None, i3: None, i4: None}
    # the same workbook again: nothing twice
    result, rows, _ = review_import(cli, filled, "2026-11-04")
    assert rows[i1]["Decision"] == "Unchanged" and rows[i4]["Decision"] == "Unchanged"
    assert linked() == {i1: "V-100", i2: None, i3: None, i4: None}
    # an approved issuance already linked cannot take another voucher
    again = fill(
        book, cli.folder / "other.xlsx", {i1: {"Decision": "Approve", "Voucher ID": "V-9"}}
    )
    result, rows, _ = review_import(cli, again, "2026-11-04")
    assert (
        rows[i1]["Decision"] == "Refused"
        and "already linked to voucher V-100" in rows[i1]["Reason"]
    )

    # a review workbook without the column (made before it existed) still imports
    old = openpyxl.load_workbook(export(cli, "2026-11-05", name="second"))
    ws = old["Review"]
    header = [c.value for c in ws[4]]
    ws.delete_cols(header.index("Voucher ID") + 1)
    for r in range(5, ws.max_row + 1):
        ws.cell(r, header.index("Decision") + 1).value = "Approve"
    old.save(cli.folder / "old.xlsx")
    result = cli("review", "import", str(cli.folder / "old.xlsx"), "--out-dir", str(cli.out),
                 "--reviewer", "reviewer.one", as_of="2026-11-05")  # fmt: skip
    assert result.code == 0, result.stderr
    listed = {
        v["issuance_id"]: v["status"]
        for v in cli("vouchers", "list", "--json", as_of="2026-11-05").json()
    }
    assert listed == dict.fromkeys((i1, i2, i3, i4), "approved")


def test_ctrl_c_while_writing_the_decisions_says_the_sync_was_recorded(cli: Cli) -> None:
    """R18 in a real process: interrupted once the import is committed, the run says it WAS
    recorded (exit 1) and how to get the decisions; the same command again records nothing."""
    assert cli("init").code == 0
    rows = [["V-1", UIN1, "Issued", 1000, 1000, *TRIAL]]
    book = write_workbook(
        cli.folder / "late.xlsx", {"Vouchers": SheetData(header=READABLE, rows=rows)}
    )
    env = {**os.environ, "VOUCHER_BATCH_LEDGER": cli.ledger, "VOUCHER_BATCH_AS_OF": "2026-11-20",
           "VOUCHER_BATCH_OPERATOR": "ops.lead", "VOUCHER_BATCH_PAUSE_AT": "replacing",
           "VOUCHER_BATCH_PAUSE_SECONDS": "30"}  # fmt: skip
    env.pop("VOUCHER_BATCH_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "voucher_batch", "vouchers", "sync", str(book), "--out-dir", "out"],
        cwd=cli.folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "paused at replacing" in line, line
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "WAS recorded" in err and "vouchers sync" in err, err
    result, out = run(cli, "sync", book)
    assert result.code == 0 and decisions(out["Vouchers"]) == {"V-1": "Unchanged"}
