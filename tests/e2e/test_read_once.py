"""A batch's input file is opened once, and the sha256 its batch keeps is that of the bytes
that were read: ingest and review import, on both engines."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.test_batches import fill_review
from tests.workbooks import AS_OF, Cli, customer, ready_ledger, request, rows_of, write_workbook

_watched: list[tuple[Path, list[str]]] = []  # (file, modes it was opened with) while watched


def _on_event(event: str, args: tuple[object, ...]) -> None:
    if event != "open" or not _watched or not isinstance(args[0], str | bytes | os.PathLike):
        return
    target, opened = _watched[-1]
    try:
        if Path(os.fsdecode(args[0])).resolve() == target:
            opened.append(str(args[1]))
    except (OSError, ValueError):
        return


sys.addaudithook(_on_event)  # audit hooks cannot be removed: this one only counts


@contextmanager
def opens_of(path: Path) -> Iterator[list[str]]:
    """Every time `path` is opened (by any means: open, os.open, zipfile) inside the block."""
    opened: list[str] = []
    _watched.append((path.resolve(), opened))
    try:
        yield opened
    finally:
        _watched.pop()


def recorded_sha256(cli: Cli, batch_id: int) -> str:
    shown = cli("batches", "show", str(batch_id), "--json", "--out-dir", str(cli.folder / "shown"))
    assert shown.code == 0, shown.stderr
    digest: str = shown.json()["file_sha256"]
    return digest


def test_ingest_opens_its_workbook_once_and_keeps_the_hash_of_what_it_read(cli: Cli) -> None:
    ready_ledger(cli)
    book = write_workbook(
        cli.folder / "book.xlsx",
        {"Customers": [customer("100012340003")], "Requests": [request("R-1"), request("R-2")]},
    )
    with opens_of(book) as opened:
        result = cli.ingest(book)
    assert result.code == 0, result.stderr
    assert len(opened) == 1, opened
    assert recorded_sha256(cli, 2) == hashlib.sha256(book.read_bytes()).hexdigest()


def test_review_import_opens_its_workbook_once_and_keeps_the_hash_of_what_it_read(
    cli: Cli,
) -> None:
    ready_ledger(cli)
    book = write_workbook(cli.folder / "book.xlsx", {"Requests": [request("R-1")]})
    assert cli.ingest(book).code == 0
    [issued] = [r["Issuance ID"] for r in rows_of(cli.decisions(book)["Requests"])]
    export = cli("review", "export", "--out-dir", str(cli.folder / "export"), as_of=AS_OF)
    assert export.code == 0, export.stderr
    filled = fill_review(
        cli.folder / "export" / f"review-{AS_OF}.xlsx",
        cli.folder / "reviewed.xlsx",
        {issued: ("Approve", None)},
    )
    with opens_of(filled) as opened:
        result = cli(
            "review", "import", str(filled), "--out-dir", str(cli.out), "--reviewer", "reviewer.one"
        )
    assert result.code == 0, result.stderr
    assert len(opened) == 1, opened
    assert recorded_sha256(cli, 3) == hashlib.sha256(filled.read_bytes()).hexdigest()
