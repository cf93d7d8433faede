"""End-to-end checks of the review loop (CONTRACTS.md R3, R10, R11, R12; sections 2-4).

`review export` writes a real workbook; the tests fill it with openpyxl (and re-save it with
LibreOffice where a reviewer would), `review import` it through the real CLI and re-open
the decision workbook, `quota show --json` and `vouchers list --json`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from tests.pg import pg_schema_url
from tests.workbooks import AS_OF, Cli, Result, customer, request, rows_of, template
from tests.workbooks import write_workbook as write_book

UIN1, UIN2 = "100012340001", "100012340002"
HEADER_ROW = 4  # Excel row of the Review header: title, note, blank line, header
REVIEW_COLUMNS = [
    "Issuance ID", "Request ID", "Template Name", "Customer UIN", "Customer Name", "Amount",
    "Estimated Revenue", "Estimated Conversion Date", "Application Reason", "Requested By",
    "Requested On", "Business Days Waiting", "Decision", "Review Comment", "Reviewer",
    "Decision Date", "Voucher ID",
]  # fmt: skip
EDITABLE = {"Decision", "Review Comment", "Reviewer", "Decision Date", "Voucher ID"}
Edit = Callable[[Worksheet, dict[str, int], dict[str, int]], None]


# ---- helpers ---------------------------------------------------------------------------


@pytest.fixture
def other(cli: Cli, tmp_path: Path) -> Iterator[Cli]:
    """A second, independent ledger on the same engine as `cli`."""
    folder = tmp_path / "other"
    folder.mkdir()
    if cli.ledger.startswith("postgresql"):
        for url in pg_schema_url():
            yield Cli(folder, ledger=url)
    else:
        yield Cli(folder)


def start(cli: Cli, requests: list[list[object]], as_of: str = AS_OF) -> dict[str, str]:
    """init, a 10,000 grant, two customers, two templates and `requests`; Request ID ->
    Issuance ID. 'Starter Trial' 1000 for 30 days from the issuance date; 'Growth Offer'
    2000 for 3 months from the validity (approval) date."""
    assert cli("init").code == 0
    # the grant is dated with the requests: a quota granted later does not count before (R14)
    assert cli("quota", "grant", "10000", "--by", "sales.rep", as_of=as_of).code == 0
    return ingest(
        cli,
        "setup",
        requests,
        as_of,
        Customers=[customer(UIN1), customer(UIN2, "Second Co")],
        Templates=[
            template("Starter Trial", 1000),
            template("Growth Offer", 2000, period="3 months", start="From the validity date"),
        ],
    )


def ingest(cli: Cli, name: str, requests: list[list[object]], as_of: str, **sheets: Any) -> dict:
    book = write_book(cli.folder / f"{name}.xlsx", {**sheets, "Requests": requests})
    result = cli.ingest(book, as_of=as_of)
    assert result.code == 0, result.stderr
    return {r["Request ID"]: r["Issuance ID"] for r in rows_of(cli.decisions(book)["Requests"])}


def export(cli: Cli, as_of: str, *extra: str, name: str = "export") -> Path:
    out = cli.folder / name
    result = cli("review", "export", "--out-dir", str(out), *extra, as_of=as_of)
    assert result.code == 0, result.stderr
    path = out / f"review-{as_of}.xlsx"
    assert path.is_file(), result.stdout
    return path


def columns(ws: Worksheet) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[HEADER_ROW] if c.value is not None}


def edit_review(src: Path, dst: Path, change: Edit) -> Path:
    """Open an exported workbook with openpyxl, let `change(ws, cols, row_of_id)` edit the
    Review sheet, save to `dst`."""
    book = openpyxl.load_workbook(src)
    ws = book["Review"]
    cols = columns(ws)
    ids = {
        str(ws.cell(r, cols["Issuance ID"]).value): r
        for r in range(HEADER_ROW + 1, ws.max_row + 1)
        if ws.cell(r, cols["Issuance ID"]).value
    }
    change(ws, cols, ids)
    book.save(dst)
    return dst


def fill(src: Path, dst: Path, cells: dict[str, dict[str, object]]) -> Path:
    """Set cells by Issuance ID: {issuance_id: {column: value}}."""

    def change(ws: Worksheet, cols: dict[str, int], ids: dict[str, int]) -> None:
        for iid, values in cells.items():
            for column, value in values.items():
                ws.cell(ids[iid], cols[column]).value = value

    return edit_review(src, dst, change)


def review_import(
    cli: Cli, book: Path, as_of: str, reviewer: str | None = "reviewer.one"
) -> tuple[Result, dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Run `review import`; (result, decision rows by Issuance ID, Errors rows)."""
    args = ["review", "import", str(book), "--out-dir", str(cli.out)]
    result = cli(*args, *(["--reviewer", reviewer] if reviewer else []), as_of=as_of)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code in (0, 1), result.stderr
    out = cli.decisions(book)  # the workbook this run wrote (a re-import gets a new name)
    header = [c.value for c in out["Review"][1]]
    # the input columns (the reviewer's Decision among them), then Row, Decision, Reason;
    # rows_of keeps the last of the two Decision columns: the tool's decision
    assert header == [*REVIEW_COLUMNS, "Row Check", "Row", "Decision", "Reason"], header
    rows = {str(r["Issuance ID"]): r for r in rows_of(out["Review"])}
    return result, rows, rows_of(out["Errors"])


def decided(rows: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {iid: r["Decision"] for iid, r in rows.items()}


def refused_on(rows: dict[str, dict[str, Any]], errors: list[dict[str, Any]], iid: str) -> set:
    """The columns the Errors sheet names for the row of `iid` (which must be Refused with a
    Reason)."""
    row = rows[iid]
    assert row["Decision"] == "Refused" and row["Reason"], row
    return {e["Column"] for e in errors if e["Sheet"] == "Review" and e["Row"] == row["Row"]}


def vouchers(cli: Cli) -> dict[str, dict[str, Any]]:
    """Every issuance as the ledger stands (no as-of: whatever the dates it was decided on)."""
    result = cli("vouchers", "list", "--json", VOUCHER_BATCH_AS_OF=None)
    assert result.code == 0, result.stderr
    return {v["issuance_id"]: v for v in result.json()}


def resave_with_libreoffice(src: Path, out_dir: Path) -> Path:
    """Open and save `src` as .xlsx with LibreOffice (as a reviewer on LibreOffice would)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir.parent / "lo-profile"
    proc = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{profile}",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(src)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    converted = out_dir / f"{src.stem}.xlsx"
    assert proc.returncode == 0 and converted.is_file(), proc.stdout + proc.stderr
    return converted


def need_soffice() -> None:
    if shutil.which("soffice") is None:
        if os.environ.get("VOUCHER_BATCH_REQUIRE_SOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")


# ---- the loop --------------------------------------------------------------------------


@pytest.mark.soffice
def test_full_loop_through_libreoffice_matches_openpyxl(cli: Cli, other: Cli) -> None:
    """R3, R10, R11: approve, reject, leave blank; LibreOffice re-save changes nothing."""
    need_soffice()
    reqs = [
        request("R1", "Growth Offer"),
        request("R2", "Growth Offer"),
        request("R3", "Starter Trial"),
        request("R4", "Growth Offer", uin=UIN2),
    ]
    d1, d2 = "2026-11-04", "2026-11-06"
    ids = start(cli, reqs)
    assert start(other, reqs) == ids  # twin ledger: same issuance IDs
    i1, i2, i3, i4 = (ids[r] for r in ("R1", "R2", "R3", "R4"))
    cells: dict[str, dict[str, object]] = {
        i1: {"Decision": "Approve"},
        i2: {"Decision": "Reject", "Review Comment": "Customer already converted"},
        i3: {"Decision": "Approve"},
    }
    filled = fill(export(cli, d1), cli.folder / "filled.xlsx", cells)
    twin = fill(export(other, d1), other.folder / "filled.xlsx", cells)
    via_lo = resave_with_libreoffice(filled, cli.folder / "lo")
    assert cli.quota()["issued"] == 7000

    assert not openpyxl.load_workbook(via_lo)["Review"].protection.sheet
    result, rows, errors = review_import(cli, via_lo, d2)
    assert result.code == 0, result.stderr + result.stdout
    expected = {i1: "Approved", i2: "Rejected", i3: "Approved", i4: "Not reviewed"}
    assert decided(rows) == expected and errors == []
    assert "note:" not in result.stdout  # the manifest survived LibreOffice
    assert (cli.out / "filled-report.html").is_file()
    assert {iid: r["Row"] for iid, r in rows.items()} == {i1: 5, i2: 6, i3: 7, i4: 8}
    # R3: the rejected 2000 no longer counts, right after the import
    assert cli.quota() == {
        "quota": 10000, "pending": 2000, "approved": 3000, "rejected": 2000,
        "issued": 5000, "remaining": 5000,
    }  # fmt: skip
    v = vouchers(cli)
    assert [v[i]["status"] for i in (i1, i2, i3, i4)] == [
        "approved", "rejected", "approved", "pending",
    ]  # fmt: skip
    assert v[i1]["decided_on"] == v[i2]["decided_on"] == v[i3]["decided_on"] == d2
    assert v[i4]["decided_on"] is None
    # R11: from the approval date for 'From the validity date', 3 months, end inclusive
    assert (v[i1]["valid_from"], v[i1]["valid_until"]) == (d2, "2027-02-05")
    # ... from the request date for 'From the issuance date': 2026-11-02 + 30 days - 1
    assert (v[i3]["valid_from"], v[i3]["valid_until"]) == (AS_OF, "2026-12-01")
    assert v[i4]["valid_from"] is None and v[i4]["valid_until"] is None
    assert cli("ledger", "verify").code == 0

    # the same fill saved by openpyxl only, into the twin ledger: the same decisions
    result, twin_rows, _ = review_import(other, twin, d2)
    assert result.code == 0, result.stderr
    assert decided(twin_rows) == decided(rows)
    assert vouchers(other) == v


def test_tampered_and_added_rows_are_refused(cli: Cli) -> None:
    """R10: the row check catches an edited cell, a copied row check and a row added by hand."""
    ids = start(cli, [request(f"R{n}") for n in range(1, 5)])
    exported = export(cli, AS_OF)
    late = ingest(cli, "late", [request("R5")], AS_OF)["R5"]  # pending, not in the export
    i1, i2, i3, i4 = (ids[f"R{n}"] for n in range(1, 5))

    def tamper(ws: Worksheet, cols: dict[str, int], at: dict[str, int]) -> None:
        for iid in (i1, i2, i3, i4):
            ws.cell(at[iid], cols["Decision"]).value = "Approve"
        ws.cell(at[i1], cols["Amount"]).value = 999
        check = cols["Row Check"]
        ws.cell(at[i2], check).value = ws.cell(at[i3], check).value
        for added, iid in enumerate((late, "ISS-999999"), start=ws.max_row + 1):
            for c in range(1, ws.max_column + 1):
                ws.cell(added, c).value = ws.cell(at[i4], c).value
            ws.cell(added, cols["Issuance ID"]).value = iid

    book = edit_review(exported, cli.folder / "tampered.xlsx", tamper)
    result, rows, errors = review_import(cli, book, AS_OF)
    assert result.code == 1, result.stderr
    assert decided(rows) == {
        i1: "Refused", i2: "Refused", i3: "Approved", i4: "Approved",
        late: "Refused", "ISS-999999": "Refused",
    }  # fmt: skip
    assert "Amount" in refused_on(rows, errors, i1) and "Amount" in rows[i1]["Reason"]
    assert "Row Check" in refused_on(rows, errors, i2)
    assert "Issuance ID" in refused_on(rows, errors, late)
    assert "Issuance ID" in refused_on(rows, errors, "ISS-999999")
    status = {iid: v["status"] for iid, v in vouchers(cli).items()}
    assert status == {
        i1: "pending", i2: "pending", i3: "approved", i4: "approved", late: "pending",
    }  # fmt: skip
    assert cli.quota()["approved"] == 2000


def test_four_eyes_and_reject_comment(cli: Cli) -> None:
    """R10: a rejection needs a comment; neither the requester nor the ingesting operator
    may review (Reviewer cell, else --reviewer, else the operator)."""
    ids = start(cli, [request(f"R{n}") for n in range(1, 6)])
    i1, i2, i3, i4, i5 = (ids[f"R{n}"] for n in range(1, 6))
    cells: dict[str, dict[str, object]] = {
        i1: {"Decision": "Reject", "Reviewer": "reviewer.one"},
        i2: {"Decision": "Approve", "Reviewer": "ops.analyst"},  # the requester
        i3: {"Decision": "Approve", "Reviewer": "Ops.Lead"},  # who ingested, other case
        i4: {"Decision": "Approve"},  # no --reviewer: the operator, ops.lead
        i5: {"Decision": "Approve", "Reviewer": "reviewer.two"},
    }
    book = fill(export(cli, AS_OF), cli.folder / "four-eyes.xlsx", cells)
    result, rows, errors = review_import(cli, book, "2026-11-03", reviewer=None)
    assert result.code == 1, result.stderr
    assert decided(rows) == {i1: "Refused", i2: "Refused", i3: "Refused", i4: "Refused",
                             i5: "Approved"}  # fmt: skip
    assert "Review Comment" in refused_on(rows, errors, i1)
    for iid in (i2, i3, i4):
        assert "Reviewer" in refused_on(rows, errors, iid), rows[iid]["Reason"]
    assert cli.quota() == {
        "quota": 10000, "pending": 4000, "approved": 1000, "rejected": 0,
        "issued": 5000, "remaining": 5000,
    }  # fmt: skip


def test_reimport_is_unchanged_and_a_changed_decision_is_refused(cli: Cli) -> None:
    """R10: the same decision again is Unchanged (whatever its date); a different one is
    refused and nothing moves."""
    ids = start(cli, [request("R1"), request("R2"), request("R3")])
    i1, i2, i3 = ids["R1"], ids["R2"], ids["R3"]
    cells: dict[str, dict[str, object]] = {
        i1: {"Decision": "Approve"},
        i2: {"Decision": "Reject", "Review Comment": "Duplicate of R1"},
    }
    exported = export(cli, AS_OF)
    book = fill(exported, cli.folder / "decided.xlsx", cells)
    result, rows, _ = review_import(cli, book, "2026-11-03")
    assert result.code == 0 and decided(rows) == {i1: "Approved", i2: "Rejected",
                                                  i3: "Not reviewed"}  # fmt: skip
    after_first = cli.quota()
    before_vouchers = vouchers(cli)

    result, rows, errors = review_import(cli, book, "2026-11-10")
    assert result.code == 0, result.stderr + result.stdout
    assert decided(rows) == {i1: "Unchanged", i2: "Unchanged", i3: "Not reviewed"}
    assert errors == [] and cli.quota() == after_first

    change = {i1: {"Decision": "Reject", "Review Comment": "Changed my mind"}}
    flipped = fill(book, cli.folder / "flipped.xlsx", change)
    result, rows, errors = review_import(cli, flipped, "2026-11-10")
    assert result.code == 1, result.stderr
    assert decided(rows) == {i1: "Refused", i2: "Unchanged", i3: "Not reviewed"}
    assert "Decision" in refused_on(rows, errors, i1)
    assert cli.quota() == after_first and vouchers(cli) == before_vouchers


def test_sorted_rows_and_decision_spellings(cli: Cli) -> None:
    """Rows are matched by Issuance ID, not position; Decision spellings are normalised."""
    ids = start(cli, [request(f"R{n}") for n in range(1, 7)])
    i = [ids[f"R{n}"] for n in range(1, 7)]
    spelled = ["approve", " APPROVE ", "pass", "reject", "yes", None]
    cells: dict[str, dict[str, object]] = {
        iid: {"Decision": word} for iid, word in zip(i, spelled, strict=True)
    }
    cells[i[3]]["Review Comment"] = "Not eligible"
    cells[i[4]]["Review Comment"] = "Looks fine"
    filled = fill(export(cli, AS_OF), cli.folder / "spelled.xlsx", cells)

    def reverse(ws: Worksheet, cols: dict[str, int], at: dict[str, int]) -> None:
        first, last = min(at.values()), max(at.values())
        data = [[c.value for c in ws[r]] for r in range(first, last + 1)]
        for r, values in enumerate(reversed(data), start=first):
            for c, value in enumerate(values, start=1):
                ws.cell(r, c).value = value

    book = edit_review(filled, cli.folder / "sorted.xlsx", reverse)
    sheet = openpyxl.load_workbook(book)["Review"]
    assert sheet.cell(HEADER_ROW + 1, 1).value == i[-1]  # really reversed
    result, rows, errors = review_import(cli, book, AS_OF)
    assert result.code == 1, result.stderr
    outcome = ["Approved"] * 3 + ["Rejected", "Refused", "Not reviewed"]
    assert decided(rows) == dict(zip(i, outcome, strict=True))
    assert {iid: r["Row"] for iid, r in rows.items()} == {
        iid: HEADER_ROW + 6 - n for n, iid in enumerate(i)
    }
    assert "Decision" in refused_on(rows, errors, i[4])
    status = {iid: v["status"] for iid, v in vouchers(cli).items()}
    assert [status[iid] for iid in i] == ["approved"] * 3 + ["rejected"] + ["pending"] * 2


# ---- the exported workbook --------------------------------------------------------------


def test_export_layout_business_days_and_overdue(cli: Cli) -> None:
    """Section 2 (Review), R12: protected sheet, dropdown, hidden sheets, Mon-Fri and CN
    business days, overdue rows highlighted."""
    old = start(cli, [request("R1")], as_of="2026-09-28")["R1"]
    plain = openpyxl.load_workbook(export(cli, "2026-10-09", name="plain"))["Review"]
    china = openpyxl.load_workbook(export(cli, "2026-10-09", "--calendar", "CN", name="cn"))
    cn = holidays.country_holidays("CN", years=[2026])

    def cn_working(day: date) -> bool:
        return day in cn.weekend_workdays or (day.weekday() < 5 and day not in cn)

    days = [date(2026, 9, 28) + timedelta(n) for n in range(1, 12)]
    expected_cn = sum(cn_working(d) for d in days)
    waiting = columns(plain)["Business Days Waiting"]
    assert plain.cell(HEADER_ROW + 1, waiting).value == 9  # Tue 29 Sep .. Fri 9 Oct
    assert expected_cn != 9  # National Day week
    assert china["Review"].cell(HEADER_ROW + 1, waiting).value == expected_cn

    monday = ingest(cli, "monday", [request("R2")], "2026-11-02")["R2"]
    thursday = ingest(cli, "thursday", [request("R3")], "2026-11-05")["R3"]
    book = openpyxl.load_workbook(export(cli, "2026-11-09"))
    assert book.sheetnames[0] == "Instructions"
    assert {s.title: s.sheet_state for s in book.worksheets} == {
        "Instructions": "visible", "Review": "visible", "Lists": "hidden",
        "Manifest": "veryHidden",
    }  # fmt: skip
    ws = book["Review"]
    assert [c.value for c in ws[HEADER_ROW]] == [*REVIEW_COLUMNS, "Row Check"]
    cols = columns(ws)
    at = {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    assert set(at) == {old, monday, thursday}
    assert ws.cell(at[monday], cols["Business Days Waiting"]).value == 5
    assert ws.cell(at[thursday], cols["Business Days Waiting"]).value == 2

    def fill_of(r: int) -> str:
        return str(ws.cell(r, cols["Request ID"]).fill.fgColor.rgb)

    assert fill_of(at[old]) == fill_of(at[monday]) != fill_of(at[thursday])

    decision = openpyxl.utils.get_column_letter(cols["Decision"])
    dvs = [dv for dv in ws.data_validations.dataValidation if f"{decision}5" in dv.sqref]
    assert len(dvs) == 1 and dvs[0].type == "list" and dvs[0].showErrorMessage
    # not protected: Excel cannot sort a protected range holding locked cells (the row
    # check is the control); the white cells stay unlocked for a reviewer who protects it
    assert not ws.protection.sheet
    guide = {r[0]: r[1] for r in book["Instructions"].iter_rows(values_only=True)}
    assert "not protected" in guide["Sort and filter"]
    assert "Excel and LibreOffice" in guide["Sort and filter"]
    for r in at.values():
        for name, c in cols.items():
            assert ws.cell(r, c).protection.locked is (name not in EDITABLE), (r, name)
    assert [c.value for c in book["Lists"]["A"]] == ["Approve", "Reject"]


def test_workbook_from_another_ledger_records_nothing(cli: Cli, other: Cli) -> None:
    """R10/section 4: a review workbook exported by another ledger -> exit 2, one plain
    sentence on stderr, nothing recorded, even where the Issuance IDs coincide."""
    reqs = [request("R1"), request("R2")]
    ids = start(other, reqs)
    assert start(cli, reqs) == ids
    cells: dict[str, dict[str, object]] = {iid: {"Decision": "Approve"} for iid in ids.values()}
    foreign = fill(export(other, AS_OF), cli.folder / "foreign.xlsx", cells)
    args = ["review", "import", str(foreign), "--out-dir", str(cli.out), "--reviewer", "rev.one"]
    result = cli(*args)
    assert result.code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "foreign.xlsx" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    balance = cli.quota()
    assert (balance["pending"], balance["approved"]) == (2000, 0)
    assert {v["status"] for v in vouchers(cli).values()} == {"pending"}


def test_a_review_export_keeps_its_row_files_in_a_scratch_folder(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its row files go to a private folder of the write (removed when it ends, and by the
    next run if a kill leaves it), never loose in TMPDIR where no run would find them."""
    from tests.workbooks import ready_ledger
    from voucher_batch.workbook import review_book, writer

    ready_ledger(cli)
    book = write_book(cli.folder / "b.xlsx", {"Requests": [request("R-1")]})
    assert cli.ingest(book).code == 0
    folders: list[Path] = []
    real = review_book.new_book

    def spy(path: Path, constant_memory: bool = False, tmpdir: Path | None = None) -> Any:
        assert tmpdir is not None
        folders.append(tmpdir)
        return real(path, constant_memory, tmpdir)

    monkeypatch.setattr(review_book, "new_book", spy)
    result = cli("review", "export", "--out-dir", str(cli.folder / "r"))
    assert result.code == 0, result.stderr
    [folder] = folders
    assert folder.name.startswith(writer.SCRATCH) and not folder.exists()
