"""Rules no spelling or business date can dodge (R14, R15, R16), through the real CLI on
SQLite and PostgreSQL, with real workbooks re-opened after the tool wrote them."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.test_review_loop import UIN1, export, fill, review_import, start
from tests.workbooks import Cli, ready_ledger, request, rows_of, write_workbook

# ---- R14: business dates cannot run the quota backwards -------------------------------


def test_a_request_dated_before_a_later_grant_is_refused_with_the_day(cli: Cli) -> None:
    ready_ledger(cli, quota=0)  # setup recorded on 2026-11-02, no quota yet
    assert cli("quota", "grant", "50,000", "--by", "sales.rep", as_of="2026-11-27").code == 0
    book = write_workbook(cli.folder / "early.xlsx", {"Requests": [request("REQ-1")]})
    result = cli.ingest(book, as_of="2026-11-02")
    assert result.code == 1, result.stderr
    [row] = rows_of(cli.decisions(book)["Requests"])
    assert row["Decision"] == "Refused"
    assert "remaining quota on 2026-11-02 is 0" in row["Reason"]
    assert "R14" in row["Reason"]
    assert cli.quota()["issued"] == 0
    # the same request on the grant's date fits
    assert cli.ingest(book, as_of="2026-11-27").code == 0
    assert cli.quota()["pending"] == 1000


def test_a_backdated_reclaim_is_refused_when_a_later_day_would_go_negative(cli: Cli) -> None:
    ready_ledger(cli, quota=0)
    assert cli("quota", "grant", "3000", "--by", "sales.rep", as_of="2026-11-01").code == 0
    book = write_workbook(cli.folder / "r.xlsx", {"Requests": [request("REQ-1"), request("REQ-2")]})
    assert cli.ingest(book, as_of="2026-11-20").code == 0  # 2,000 reserved on the 20th
    assert cli("quota", "grant", "5000", "--by", "sales.rep", as_of="2026-11-30").code == 0
    assert cli.quota()["remaining"] == 6000  # today's balance would allow a reclaim of 1,500
    early = cli("quota", "reclaim", "1500", "--by", "sales.rep", as_of="2026-11-10")
    assert early.code == 2
    assert "remaining quota on 2026-11-20 is 1,000" in early.stderr and "R14" in early.stderr
    assert "Traceback" not in early.stderr
    assert cli.quota()["quota"] == 8000
    assert cli("quota", "reclaim", "1500", "--by", "sales.rep", as_of="2026-11-30").code == 0
    assert cli("quota", "reclaim", "1000", "--by", "sales.rep", as_of="2026-11-10").code == 0
    assert cli.quota()["remaining"] == 3500
    verify = cli("ledger", "verify", "--json")
    assert verify.code == 0 and verify.json()["sound"], verify.stdout


def test_the_monthly_report_never_shows_a_negative_remaining(cli: Cli) -> None:
    ready_ledger(cli, quota=0)
    assert cli("quota", "grant", "2000", "--by", "sales.rep", as_of="2026-11-27").code == 0
    for day, rid in (("2026-11-03", "A"), ("2026-11-27", "B"), ("2026-11-28", "C")):
        book = write_workbook(cli.folder / f"{rid}.xlsx", {"Requests": [request(rid)]})
        cli.ingest(book, as_of=day)
    out = cli.folder / "monthly"
    result = cli(
        "report", "monthly", "--month", "2026-11", "--out-dir", str(out), "--json",
        as_of="2026-12-01",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    figures = result.json()
    assert figures["requested"] == 2000  # A was refused: nothing on 2026-11-03
    assert figures["closing_remaining"] == 0
    assert min(figures["opening_remaining"], figures["closing_remaining"]) >= 0


# ---- R15: identities compare as people mean them --------------------------------------


def test_a_request_id_resent_in_another_spelling_is_already_submitted(cli: Cli) -> None:
    ready_ledger(cli)
    first = write_workbook(cli.folder / "first.xlsx", {"Requests": [request("REQ-001")]})
    assert cli.ingest(first).code == 0
    again = write_workbook(
        cli.folder / "again.xlsx",
        {
            "Requests": [
                request("ＲＥＱ－００１", by="OPS.ANALYST"),  # full width, other case
                request("req-001 "),
            ]
        },
    )
    result = cli.ingest(again)
    assert result.code == 1
    rows = rows_of(cli.decisions(again)["Requests"])
    assert [r["Decision"] for r in rows] == ["Already submitted", "Refused"]
    assert rows[0]["Issuance ID"] == "ISS-000001"
    assert "row 2" in rows[1]["Reason"]  # the same ID twice in one sheet
    other = write_workbook(
        cli.folder / "other.xlsx", {"Requests": [request("Req-001", revenue=9999)]}
    )
    assert cli.ingest(other).code == 1
    [row] = rows_of(cli.decisions(other)["Requests"])
    assert "conflicts" in row["Reason"] and "Estimated Revenue" in row["Reason"]
    assert cli.quota()["pending"] == 1000  # issued once


def test_four_eyes_holds_whatever_the_spelling(cli: Cli) -> None:
    ids = start(cli, [request("R1", by="ops.analyst"), request("R2", by="ops.analyst")])
    book = export(cli, "2026-11-03")
    filled = fill(
        book,
        cli.folder / "filled.xlsx",
        {
            ids["R1"]: {"Decision": "Approve", "Reviewer": "Ｏｐｓ．Ａｎａｌｙｓｔ"},
            ids["R2"]: {"Decision": "Approve", "Reviewer": " OPS.LEAD\u200b "},  # the operator
        },
    )
    result, rows, _errors = review_import(cli, filled, "2026-11-04", reviewer=None)
    assert result.code == 1
    assert rows[ids["R1"]]["Decision"] == "Refused"
    assert "four eyes" in rows[ids["R1"]]["Reason"]
    assert rows[ids["R2"]]["Decision"] == "Refused"
    assert "ingested" in rows[ids["R2"]]["Reason"]
    assert cli.quota()["approved"] == 0


def test_control_and_bidi_characters_are_refused_in_identifiers(cli: Cli) -> None:
    ready_ledger(cli)
    book = write_workbook(
        cli.folder / "bidi.xlsx",
        {"Requests": [request("REQ\u202e100"), request("REQ-2", by="ops\u2066.analyst")]},
    )
    assert cli.ingest(book).code == 1
    rows = rows_of(cli.decisions(book)["Requests"])
    assert [r["Decision"] for r in rows] == ["Refused", "Refused"]
    assert "U+202E" in rows[0]["Reason"] and "R15" in rows[0]["Reason"]
    assert "U+2066" in rows[1]["Reason"]
    errors = rows_of(cli.decisions(book)["Errors"])
    assert {e["Cell"] for e in errors} == {"A2", "G3"}
    forged = cli("quota", "show", operator="ops.lead\u202e")
    assert forged.code == 2 and "U+202E" in forged.stderr
    assert cli("quota", "grant", "5", "--by", "sales\x1b[31m.rep").code == 2
    assert cli.quota()["pending"] == 0


# ---- R16: retries are safe; sums stay inside what every engine holds -------------------


def test_a_quota_change_retried_with_its_ref_is_recorded_once(cli: Cli) -> None:
    assert cli("init").code == 0
    first = cli("quota", "grant", "5000", "--by", "sales.rep", "--ref", "Q-2026-11")
    assert first.code == 0 and "Already recorded" not in first.stdout
    again = cli("quota", "grant", "5,000", "--by", "sales.rep", "--ref", " q-2026-11 ")
    assert again.code == 0, again.stderr
    assert "Already recorded" in again.stdout
    assert cli.quota()["quota"] == 5000
    other = cli("quota", "grant", "6000", "--by", "sales.rep", "--ref", "Q-2026-11")
    assert other.code == 2 and "already recorded" in other.stderr
    as_reclaim = cli("quota", "reclaim", "5000", "--by", "sales.rep", "--ref", "Q-2026-11")
    assert as_reclaim.code == 2
    assert cli.quota()["quota"] == 5000
    # without a reference every call is a new change
    assert cli("quota", "reclaim", "100", "--by", "sales.rep").code == 0
    assert cli("quota", "reclaim", "100", "--by", "sales.rep").code == 0
    assert cli.quota()["quota"] == 4800


def test_no_stored_sum_can_pass_ten_to_the_fifteenth(cli: Cli) -> None:
    assert cli("init").code == 0
    too_big = cli("quota", "grant", str(10**15 + 1), "--by", "sales.rep")
    assert too_big.code == 2 and "10^15" in too_big.stderr
    assert cli("quota", "grant", str(10**15 - 2000), "--by", "sales.rep").code == 0
    over = cli("quota", "grant", "2001", "--by", "sales.rep")
    assert over.code == 2 and "R16" in over.stderr
    assert cli("quota", "grant", "2000", "--by", "sales.rep").code == 0
    assert cli.quota()["quota"] == 10**15
    ready = write_workbook(
        cli.folder / "setup.xlsx",
        {
            "Customers": [[UIN1, "Example Co", date(2025, 1, 6), "Bound"]],
            "Templates": [["Starter Trial", "Product trial", "All", 1000, "30 days",
                           "From the issuance date"]],
        },
    )  # fmt: skip
    assert cli.ingest(ready).code == 0
    book = write_workbook(
        cli.folder / "revenue.xlsx",
        {
            "Requests": [
                request("R1", revenue=str(10**15 - 10)),  # as text: exact
                request("R2", revenue="11"),  # the total would pass the ceiling
                request("R3", revenue=2.0**53 + 2),  # a number beyond 2^53: precision lost
                request("R4", revenue="10"),
            ]
        },
    )
    assert cli.ingest(book).code == 1
    rows = rows_of(cli.decisions(book)["Requests"])
    assert [r["Decision"] for r in rows] == [
        "Pending approval", "Refused", "Refused", "Pending approval",
    ]  # fmt: skip
    assert "10^15" in rows[1]["Reason"] and "R16" in rows[1]["Reason"]
    assert "precision lost" in rows[2]["Reason"]
    vouchers = cli("vouchers", "list", "--json").json()
    assert len(vouchers) == 2
    verify = cli("ledger", "verify", "--json")
    assert verify.code == 0 and verify.json()["sound"]


def test_an_exact_large_revenue_survives_the_review_round_trip(cli: Cli) -> None:
    revenue = "999,999,999,990,000"  # 15 digits, typed as text
    ids = start(cli, [request("BIG", revenue=revenue), request("SMALL")])
    book = export(cli, "2026-11-03")
    filled = fill(book, cli.folder / "filled.xlsx", {ids["BIG"]: {"Decision": "Approve"}})
    result, rows, errors = review_import(cli, filled, "2026-11-04")
    assert result.code == 0, (result.stderr, errors)
    assert rows[ids["BIG"]]["Decision"] == "Approved"
    assert rows[ids["SMALL"]]["Decision"] == "Not reviewed"
    assert errors == []


def test_no_file_name_or_cell_can_forge_what_the_tool_prints(cli: Cli) -> None:
    ready_ledger(cli)
    name = cli.folder / "batch\x1b[2J\nrecorded; remaining quota 1,000,000.xlsx"
    result = cli.ingest(name)
    assert result.code == 2
    assert "\x1b" not in result.stderr and result.stderr.count("\n") == 1
    assert "batch\\u001b[2J recorded" in result.stderr


def test_a_file_name_cannot_forge_the_lines_a_recorded_batch_prints(cli: Cli) -> None:
    ready_ledger(cli)
    name = "evil\nrecorded; remaining quota 0 -> 999\x1b[31m.xlsx"
    book = write_workbook(cli.folder / name, {"Requests": [request("FORGE-1")]})
    result = cli.ingest(book)
    assert result.code == 0, result.stderr
    assert "\x1b" not in result.stdout
    lines = result.stdout.splitlines()
    assert not any(line.startswith("recorded; remaining quota 0 -> 999") for line in lines)
    assert "evil\\u000arecorded" in result.stdout
    listed = cli("batches", "list")
    assert "\x1b" not in listed.stdout and "evil\\u000a" in listed.stdout


def test_a_quota_change_that_fails_after_its_commit_says_it_was_recorded(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R18 for quota changes: printing the balance fails once the grant is committed (a full
    disk on stdout): the command says the grant WAS recorded, exit 1, never "nothing"."""
    assert cli("init").code == 0

    def full_disk(_balance: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("voucher_batch.cli.quota.print_balance", full_disk)
    result = cli("quota", "grant", "5000", "--by", "sales.rep", "--ref", "Q-FULL")
    monkeypatch.undo()
    assert result.code == 1, result.stderr
    assert "WAS recorded" in result.stderr and "nothing was recorded" not in result.stderr
    assert "--ledger" in result.stderr and "quota show" in result.stderr
    assert cli.quota()["quota"] == 5000


@pytest.mark.parametrize("amount", ["1,5", ",,7,", "1,0000", "５", "0", "-5"])
def test_a_quota_amount_is_never_guessed(cli: Cli, amount: str) -> None:
    assert cli("init").code == 0
    result = cli("quota", "grant", amount, "--by", "sales.rep")
    assert result.code == 2
    assert cli.quota()["quota"] == 0
