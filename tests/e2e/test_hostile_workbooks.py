"""The bad-input catalogue: every hostile or messy workbook gets exit 2 or its row refused,
one line naming the file (and sheet, cell, rule where they apply), nothing recorded, no
traceback. Each case builds its own small file here; nothing is a binary fixture."""

from __future__ import annotations

import io
import re
import resource
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.properties import CalcProperties

from tests.workbooks import (
    REQUEST_HEADERS,
    Cli,
    customer,
    ready_ledger,
    request,
    rows_of,
    write_workbook,
)

QUOTA = 10_000


@pytest.fixture
def ready(cli: Cli) -> Cli:
    ready_ledger(cli, quota=QUOTA)
    return cli


def _refused_whole(cli: Cli, path: Path, *needles: str, process: bool = False, **env: str) -> str:
    """`ingest` (in a real process with `process`) exits 2 with one line and records nothing."""
    before = cli.quota()
    result = (cli.as_process() if process else cli).ingest(path, **env)
    assert result.code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert path.name in lines[0]
    for needle in needles:
        assert needle.casefold() in lines[0].casefold(), lines[0]
    assert cli.quota() == before
    return lines[0]


def _valid_bytes(tmp: Path) -> bytes:
    path = write_workbook(tmp / "valid.xlsx", {"Requests": [request("R-1")]})
    return path.read_bytes()


def _rezip(
    src: bytes, dest: Path, edit: dict[str, bytes | None], extra: dict[str, bytes] | None = None
) -> Path:
    """Copy a workbook package, replacing (or dropping, with None) some members."""
    with (
        zipfile.ZipFile(io.BytesIO(src)) as zin,
        zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            if info.filename in edit:
                if edit[info.filename] is not None:
                    zout.writestr(info.filename, edit[info.filename])  # type: ignore[arg-type]
            else:
                zout.writestr(info, zin.read(info.filename))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dest


# ---- 1. not a workbook ------------------------------------------------------------------


def test_password_protected_workbook(ready: Cli, tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(_valid_bytes(tmp_path))
    encrypted = tmp_path / "locked.xlsx"
    with encrypted.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)
    _refused_whole(ready, encrypted, "password")


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048, ".xls"),
        ("notes.xlsx", b"Request ID;Amount\nR-1;100\n", "not a zip"),
        ("empty.xlsx", b"", "not a zip"),
    ],
)
def test_not_a_workbook(ready: Cli, tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    _refused_whole(ready, path, needle)


# ---- 2. zip bomb, 3. XML attacks, 4. size ------------------------------------------------


def test_zip_bomb_is_refused_before_parsing_with_bounded_memory(ready: Cli, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    src = _valid_bytes(tmp_path)
    with (
        zipfile.ZipFile(io.BytesIO(src)) as zin,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, zin.read(info.filename))
        with zout.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(600):  # 600 MiB of white space, about 600 KiB compressed
                member.write(block)
    assert bomb.stat().st_size < 5 * 2**20
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # in a real process: its peak memory is measured as a child's
    _refused_whole(ready, bomb, "limit", "MiB", process=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert max(before, peak_kib) < 400 * 1024  # no child process came near inflating it


@pytest.mark.parametrize(
    "doctype",
    [
        # billion laughs
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
        # external entity
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_xml_entities_are_refused(ready: Cli, tmp_path: Path, doctype: str) -> None:
    src = _valid_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "R-1" in sheet
    start = sheet.index("<worksheet")
    entity = "&lol3;" if "lol" in doctype else "&xxe;"
    evil = sheet[:start] + doctype + sheet[start:].replace("R-1", entity)
    path = _rezip(src, tmp_path / "entities.xlsx", {"xl/worksheets/sheet1.xml": evil.encode()})
    line = _refused_whole(ready, path, "entit")
    assert "root:" not in line


def test_sheet_above_the_row_limit_is_refused_even_if_its_dimension_lies(
    ready: Cli, tmp_path: Path
) -> None:
    path = write_workbook(
        tmp_path / "big.xlsx", {"Requests": [request(f"R-{n}") for n in range(30)]}
    )
    src = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    lying = re.sub(r'<dimension ref="A1:G31"\s*/>', '<dimension ref="A1:G2"/>', sheet)
    assert lying != sheet
    path = _rezip(src, tmp_path / "lying.xlsx", {"xl/worksheets/sheet1.xml": lying.encode()})
    _refused_whole(ready, path, "Requests", "20", VOUCHER_BATCH_MAX_ROWS="20")
    # within the limit the same file is fine
    within = ready.ingest(path, VOUCHER_BATCH_MAX_ROWS="100")
    assert within.code == 1 and within.stderr == ""  # read; 10 of the 30 fit the quota


# ---- 5. structure -----------------------------------------------------------------------


def test_duplicate_headers_list_the_expected_headers(ready: Cli, tmp_path: Path) -> None:
    headers = [*REQUEST_HEADERS, "request_id"]
    path = write_workbook(
        tmp_path / "dup.xlsx",
        {"Requests": [*[]], **{}},
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requests"
    ws.append(headers)
    ws.append([*request("R-1"), "R-2"])
    wb.save(path)
    _refused_whole(ready, path, "Requests", "Request ID", "twice")


# ---- 6. cells ---------------------------------------------------------------------------


def test_cell_catalogue(ready: Cli, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requests"
    ws.append(REQUEST_HEADERS)
    ws.append(request("C-ok"))
    ws.append(request("C-ext"))
    ws["D3"] = "=[1]Sheet1!A1*2"  # a formula pointing at another workbook
    ws.append(request("C-zeros", uin=12345678))
    ws["C4"].number_format = "000000000000"  # shows 000012345678: the zeros are lost
    ws.append(request("C-bool", revenue=True))
    ws.append(request("C-dup", reason="first"))
    ws.append(request("C-dup", reason="second"))
    ws.append(request("C-\u0661\u0662", revenue="\u0664\u0665\u0660"))  # Arabic-Indic digits
    path = tmp_path / "cells.xlsx"
    wb.save(path)
    result = ready.ingest(path)
    assert result.code == 1 and "Traceback" not in result.stderr
    decided = {r["Row"]: r for r in rows_of(ready.decisions(path)["Requests"])}
    assert decided[2]["Decision"] == "Pending approval"
    assert decided[3]["Decision"] == "Refused" and "another workbook" in decided[3]["Reason"]
    assert decided[4]["Decision"] == "Refused" and "leading zeros" in decided[4]["Reason"]
    assert decided[5]["Decision"] == "Refused" and "TRUE/FALSE" in decided[5]["Reason"]
    assert decided[6]["Decision"] == "Pending approval"
    assert decided[7]["Decision"] == "Refused"
    assert "row 6" in decided[7]["Reason"] and "row 7" in decided[7]["Reason"]
    assert decided[8]["Decision"] == "Pending approval"
    errors = rows_of(ready.decisions(path)["Errors"])
    assert {e["Cell"] for e in errors} >= {"D3", "C4", "D5", "A7"}
    listed = {v["request_id"]: v for v in ready("vouchers", "list", "--json").json()}
    assert set(listed) == {"C-ok", "C-dup", "C-\u0661\u0662"}


def test_1904_date_system_and_early_dates_read_correctly(ready: Cli, tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "mac.xlsx",
        {
            "Customers": [customer("100012340077", "Early Co")],
            "Requests": [request("M-1", uin="100012340077", when=datetime(2027, 3, 31))],
        },
    )
    wb = openpyxl.load_workbook(path)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.calculation = CalcProperties()
    wb["Customers"]["C2"] = date(1900, 2, 27)  # before 1900-03-01, where Excel's 1900 bug sits
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        assert b"date1904" in z.read("xl/workbook.xml")
    result = ready.ingest(path)
    assert result.code == 0, result.stderr
    out = ready.decisions(path)
    assert rows_of(out["Customers"])[0]["Bound Since"] == datetime(1900, 2, 27)
    [voucher] = [v for v in ready("vouchers", "list", "--json").json() if v["request_id"] == "M-1"]
    assert voucher["amount"] == 1000
    # the conversion date was read as 2027-03-31, not four years off
    replay = ready.ingest(
        write_workbook(tmp_path / "again.xlsx", {"Requests": [request("M-1", uin="100012340077")]})
    )
    assert replay.code == 0  # same content (date 2027-03-31) -> Already submitted


# ---- 7. safe outputs --------------------------------------------------------------------

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "#N/A",
    "#REF!",
]


def test_user_text_is_text_in_every_workbook_the_tool_writes(ready: Cli, tmp_path: Path) -> None:
    rows = [request(f"S-{n}", reason=text) for n, text in enumerate(DANGEROUS)]
    customers = [customer(f"10001234{n:04d}", text) for n, text in enumerate(DANGEROUS)]
    path = write_workbook(tmp_path / "texts.xlsx", {"Customers": customers, "Requests": rows})
    wb = openpyxl.load_workbook(path)
    for r in range(2, 2 + len(DANGEROUS)):  # make openpyxl store them as plain strings
        for col in ("B",):
            wb["Customers"][f"{col}{r}"].data_type = "s"
        wb["Requests"][f"F{r}"].data_type = "s"
    wb.save(path)
    assert ready.ingest(path).code == 0
    review = ready("review", "export", "--out-dir", str(tmp_path / "review"), as_of="2026-11-03")
    assert review.code == 0, review.stderr
    monthly = ready("report", "monthly", "--month", "2026-11", "--out-dir", str(tmp_path / "m"))
    assert monthly.code == 0, monthly.stderr
    outputs = [
        ready.out / "texts-decisions.xlsx",
        tmp_path / "review" / "review-2026-11-03.xlsx",
        tmp_path / "m" / "quota-2026-11.xlsx",
    ]
    for output in outputs:
        found = set()
        for ws in openpyxl.load_workbook(output).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type not in ("f", "e"), (output.name, cell.coordinate)
                    text = cell.value if isinstance(cell.value, str) else ""
                    hits = [d for d in DANGEROUS if text.startswith(d)]
                    if hits:  # as written, or a customer shown as "name (UIN)"
                        assert cell.data_type == "s"
                        found.update(hits)
        assert found, output.name


# ---- 8. outputs that cannot be written ---------------------------------------------------


def test_outputs_lost_after_the_commit_are_regenerated_by_ingesting_again(
    ready: Cli, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys

    path = write_workbook(tmp_path / "late.xlsx", {"Requests": [request("L-1"), request("L-2")]})
    env = {
        **os.environ,
        "VOUCHER_BATCH_LEDGER": ready.ledger,
        "VOUCHER_BATCH_AS_OF": "2026-11-02",
        "VOUCHER_BATCH_OPERATOR": "ops.lead",
        "VOUCHER_BATCH_PAUSE_AT": "committed",
        "VOUCHER_BATCH_PAUSE_SECONDS": "3",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "voucher_batch", "ingest", str(path), "--out-dir", str(ready.out)],
        cwd=ready.folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    assert "paused at committed" in proc.stderr.readline()
    shutil.rmtree(ready.out)
    ready.out.write_text("the disk is full")  # the output folder is gone
    code = proc.wait(timeout=60)
    err = proc.stderr.read()
    assert code == 1 and "WAS recorded" in err and "Traceback" not in err
    assert "ingest" in err  # the message names the command that rewrites the outputs
    assert ready.quota()["issued"] == 2000
    ready.out.unlink()
    again = ready.ingest(path)
    assert again.code == 0
    assert {r["Decision"] for r in rows_of(ready.decisions(path)["Requests"])} == {
        "Already submitted"
    }
    assert ready.quota()["issued"] == 2000
    del signal


def test_macro_enabled_workbook_is_read_for_values(ready: Cli, tmp_path: Path) -> None:
    src = _valid_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        types = z.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    path = _rezip(
        src,
        tmp_path / "macros.xlsm",
        {"[Content_Types].xml": types},
        extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512},
    )
    result = ready.ingest(path)
    assert result.code == 0, result.stderr
    assert rows_of(ready.decisions(path)["Requests"])[0]["Decision"] == "Pending approval"
