"""The `--json` result of the commands that record or write: `ingest`, `review import`,
`review export` (and the output paths `report monthly` adds to its figures).

Every document has the same shape where it applies (an export records no batch, so it has
no counts, balance or batch) - `command`, `counts` (sheet ->
decision -> rows), `recorded`, `not_recorded_reason` (None or a stable code), `batch_id`,
`before`/`after` (the balance), `outputs` (absolute paths) and `exit_code` - so a script
reads one shape. The README lists every key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..services import after_commit
from ..services.ingest import IngestResult
from ..services.quota import Balance
from ..services.review import ExportResult, ImportResult
from .app import say

# the stable code of a failure once the batch was recorded (R18)
OUTPUTS_FAILED = "outputs_failed"


def _path(path: Path) -> str:
    return str(path.resolve())


def _balance(balance: Balance | None) -> dict[str, int] | None:
    return balance.as_dict() if balance is not None else None


def print_json(document: dict[str, Any]) -> None:
    say(json.dumps(document, ensure_ascii=False))


def ingest_document(result: IngestResult) -> dict[str, Any]:
    return {
        "command": "ingest",
        "file": result.file_name,
        "counts": result.counts,
        "refused": result.refused,
        "recorded": result.recorded,
        "not_recorded_reason": result.not_recorded_code,
        "batch_id": result.batch_id,
        "before": _balance(result.before),
        "after": _balance(result.after),
        "skipped_sheets": result.skipped,
        "outputs": {
            "decisions": _path(result.decisions_path),
            "report": _path(result.report_path),
        },
        "exit_code": result.exit_code,
        "error": None,
    }


def import_document(result: ImportResult) -> dict[str, Any]:
    return {
        "command": "review import",
        "file": result.file_name,
        "counts": {"Review": result.counts},
        "refused": result.refused,
        "recorded": True,  # a review import that decided anything records its batch
        "not_recorded_reason": None,
        "batch_id": result.batch_id,
        "before": _balance(result.before),
        "after": _balance(result.after),
        "notes": result.notes,
        "outputs": {
            "decisions": _path(result.decisions_path),
            "report": _path(result.report_path),
        },
        "exit_code": result.exit_code,
        "error": None,
    }


def export_document(result: ExportResult) -> dict[str, Any]:
    return {
        "command": "review export",
        "export_id": result.export_id,
        "pending": result.rows,
        "overdue": result.overdue,
        "outputs": {"review": _path(result.path)},
        "exit_code": 0,
        "error": None,
    }


@contextmanager
def recorded_then_failed(command: str, file_name: str, as_json: bool) -> Iterator[None]:
    """With `--json`: when the run fails after its batch was committed (R18), print a
    document that says it WAS recorded (exit 1) before the failure goes on to its one line
    on stderr."""
    try:
        yield
    except BaseException:
        batch = after_commit.last() if as_json else None
        if batch is not None:
            print_json(_recorded_then_failed(command, file_name, batch))
        raise


def _recorded_then_failed(
    command: str, file_name: str, batch: after_commit.Committed
) -> dict[str, Any]:
    return {
        "command": command,
        "file": file_name,
        "counts": None,
        "recorded": True,
        "not_recorded_reason": None,
        "batch_id": batch.batch_id,
        "before": None,
        "after": None,
        "outputs": None,
        "exit_code": 1,
        "error": OUTPUTS_FAILED,
    }
