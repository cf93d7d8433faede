"""Writing a batch's decision workbook and report: names chosen and checked before the
commit, and after it any failure says the batch WAS recorded (R17, R18).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import checkpoints
from ..domain.vocabulary import NotRecorded
from ..errors import OutputError, OutputsNotWrittenError, VoucherBatchError
from . import after_commit
from .collection import collection_paused
from .progress import NO_PROGRESS, Progress

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only when used
    from ..domain.problems import Decided
    from ..workbook.reader import RawSheet
    from .outputs import BatchFacts
    from .write_ahead import WriteAhead


def batch_file_names(stem: str) -> Callable[[str], tuple[str, str]]:
    """The names of a batch's two outputs for a name tag ("" is the contract's name)."""
    return lambda tag: (f"{stem}{tag}-decisions.xlsx", f"{stem}{tag}-report.html")


def check_batch_names(out_dir: Path, stem: str) -> None:
    """Before anything is recorded: the outputs of this batch will get names the folder
    can hold, whichever name the batch ends up needing (R17, R18)."""
    import os

    from .names import LONGEST_BATCH_ID, counted, name_max, pick_pair

    names = batch_file_names(stem)
    longest = max(
        [*names(""), *names(f"-batch-{LONGEST_BATCH_ID}")], key=lambda n: len(os.fsencode(n))
    )
    limit = name_max(out_dir)
    if len(os.fsencode(longest)) > limit:
        room = limit - (len(os.fsencode(longest)) - len(os.fsencode(stem)))
        raise OutputError(
            f"the workbook name '{stem[:40]}...' ({len(os.fsencode(stem))} bytes) is too long "
            f"for its output names in {out_dir}, which may have at most {limit} bytes "
            f"(e.g. '<name>-batch-<id>-decisions.xlsx'); give the workbook a shorter file "
            f"name (at most {room} bytes before .xlsx); nothing was recorded"
        )
    pick_pair(out_dir, names, counted("", f"-batch-{LONGEST_BATCH_ID}"))


# long on purpose: the steps that write a batch's two files, in the order they run, and the
# one failure path that tells a recorded batch (R18) from one that recorded nothing
def write_batch_files(
    out_dir: Path,
    stem: str,
    facts: BatchFacts,
    sheets: list[RawSheet],
    decisions: Sequence[Decided],
    batch_id: int | None,
    progress: Progress = NO_PROGRESS,
    ahead: WriteAhead | None = None,
) -> tuple[Path, Path]:
    """Write a batch's decision workbook and report under names that replace nothing a
    person may own (see `output_names`): the contract's names when free, else
    `-batch-<id>` for a recorded batch, `-dry-run` / `-not-recorded` for one that recorded
    nothing. After a commit, any failure says the batch WAS recorded (exit 1). `progress`
    hears the rows of each file as they are written. `ahead`: the decision workbook is
    being written by a second process (taken if it shows these facts, see `write_ahead`)."""
    from .names import DRY_RUN, NOT_RECORDED, RECORDED, counted, write_pair
    from .outputs import build_batch_outputs

    if batch_id is not None:
        kind, tag = RECORDED, f"-batch-{batch_id}"
    elif facts.not_recorded is NotRecorded.DRY_RUN:
        kind, tag = DRY_RUN, "-dry-run"
    else:
        kind, tag = NOT_RECORDED, "-not-recorded"
    try:
        if batch_id is not None:
            checkpoints.reached("committed")
        with collection_paused():  # also when a kept batch is rebuilt (batches show)
            if ahead is not None and not ahead.shows(facts):
                ahead.close()
                ahead = None
            outputs = build_batch_outputs(facts, sheets, decisions, tables=ahead is None)
            progress.phase("writing outputs", outputs.rows + (ahead.rows() if ahead else 0))

            def write_decisions(path: Path, replace: bool) -> None:
                nonlocal outputs
                if ahead is not None:
                    if ahead.place(path, replace, progress.advance):
                        return
                    if not outputs.tables:  # it failed: written here, as for a small batch
                        outputs = build_batch_outputs(facts, sheets, decisions)
                        progress.phase("writing outputs", outputs.rows)
                outputs.write_decisions(path, replace, progress.advance)

            def write_report(path: Path, replace: bool) -> None:
                outputs.write_report(path, replace)
                progress.advance(outputs.report_rows)

            pair = write_pair(
                out_dir,
                batch_file_names(stem),
                lambda: counted("", tag),
                kind,
                write_decisions,
                write_report,
            )
    except BaseException as exc:
        batch = after_commit.last()
        if batch_id is None or batch is None:
            if isinstance(exc, Exception) and not isinstance(exc, VoucherBatchError):
                raise OutputError(
                    f"cannot write the outputs to {out_dir} ({after_commit.cause(exc)}); "
                    "nothing was recorded"
                ) from None
            raise
        raise OutputsNotWrittenError(
            after_commit.recorded_message(
                batch,
                f"its outputs could not be written to {out_dir} ({after_commit.cause(exc)})",
            )
        ) from None
    return pair.first, pair.second
