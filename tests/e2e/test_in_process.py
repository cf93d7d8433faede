"""Running the command line in this process is faithful to a real run: the same results,
environment and current folder, warnings on stderr, nothing left open by a command, and an
exception the command line lets through fails the test instead of passing unseen.

The comparison with real runs is also the smoke test of the `python -m voucher_batch`
entry point."""

from __future__ import annotations

import logging
import os
import shutil
import warnings
from pathlib import Path

import click
import pytest

from tests.workbooks import (
    Cli,
    Result,
    ready_ledger,
    request,
    run_in_process,
    write_workbook,
)


@pytest.mark.slow  # every command run twice, once in a real process
def test_in_process_and_real_process_give_the_same_results(tmp_path: Path) -> None:
    inside, process = Cli(tmp_path / "a"), Cli(tmp_path / "b", subprocess=True)
    for cli in (inside, process):
        cli.folder.mkdir()
    runs = [
        ("quota", "show"),  # no ledger yet: exit 2 and its advice
        ("init",),
        ("quota", "grant", "five", "--by", "sales.rep"),  # usage error: exit 2, usage text
    ]
    for args in runs:
        assert _seen(inside, inside(*args)) == _seen(process, process(*args)), args
    for cli in (inside, process):
        write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    a = _seen(inside, inside.ingest(inside.folder / "batch.xlsx"))
    assert a == _seen(process, process.ingest(process.folder / "batch.xlsx"))
    assert a[0] == 1 and "decisions: FOLDER/out/batch-decisions.xlsx" in a[1]


def _seen(cli: Cli, result: Result) -> tuple[int, str, str]:
    """What a user sees, with the run's own folder named FOLDER."""
    folder = str(cli.folder)
    return (
        result.code,
        result.stdout.replace(folder, "FOLDER"),
        result.stderr.replace(folder, "FOLDER"),
    )


def test_a_command_leaves_the_sqlite_ledger_complete_in_its_file(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    ready_ledger(cli, quota=7000)
    # no write-ahead log is left beside the file: its connections were closed
    assert sorted(p.name for p in tmp_path.glob("ledger.sqlite3*")) == ["ledger.sqlite3"]
    copy = Cli(tmp_path / "copy")
    copy.folder.mkdir()
    shutil.copy(cli.ledger, copy.ledger)  # the file alone holds everything recorded
    assert copy.quota()["quota"] == 7000


def test_the_environment_and_folder_are_those_of_a_real_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @click.command()
    def show() -> None:
        click.echo(os.getcwd())
        for name in ("VOUCHER_BATCH_DEBUG", "VOUCHER_BATCH_LEDGER"):
            click.echo(f"{name}={os.environ.get(name)}")

    monkeypatch.setenv("VOUCHER_BATCH_DEBUG", "1")  # a developer's shell
    here = os.getcwd()
    result = run_in_process(show, [], {"VOUCHER_BATCH_LEDGER": "x.sqlite3"}, tmp_path)
    assert result.stdout.splitlines() == [
        str(tmp_path),
        "VOUCHER_BATCH_DEBUG=None",
        "VOUCHER_BATCH_LEDGER=x.sqlite3",
    ]
    assert os.getcwd() == here  # and back afterwards
    assert os.environ["VOUCHER_BATCH_DEBUG"] == "1"
    assert "VOUCHER_BATCH_LEDGER" not in os.environ


def test_warnings_and_log_records_reach_stderr_as_in_a_real_run(tmp_path: Path) -> None:
    @click.command()
    def warn() -> None:
        warnings.warn("a library complains", UserWarning, stacklevel=1)
        warnings.warn("an old API", DeprecationWarning, stacklevel=1)  # hidden by Python too
        logging.getLogger("some.library").warning("a library logs")
        logging.getLogger("some.library").info("chatter")  # below the last-resort level

    result = run_in_process(warn, [], {}, tmp_path)
    assert "UserWarning: a library complains" in result.stderr
    assert "DeprecationWarning" not in result.stderr
    assert "a library logs\n" in result.stderr and "chatter" not in result.stderr
    assert logging.lastResort not in logging.getLogger().handlers  # and removed afterwards


def test_an_exception_let_through_fails_the_test_with_its_traceback(tmp_path: Path) -> None:
    @click.command()
    def broken() -> None:
        raise LookupError("no such thing")

    @click.command()
    @click.pass_context
    def exits(ctx: click.Context) -> None:
        click.echo("refused", err=True)
        ctx.exit(2)

    with pytest.raises(AssertionError, match=r"(?s)Traceback.*LookupError: no such thing"):
        run_in_process(broken, [], {}, tmp_path)
    result = run_in_process(exits, [], {}, tmp_path)  # an exit code is not an exception
    assert (result.code, result.stderr) == (2, "refused\n")
