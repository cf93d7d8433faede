"""The command line explains itself: every option names its environment variable, dates and
months have metavars and are checked by type, choices are case-insensitive and list their
values when wrong, every command's help ends with an example, and shell completion offers
commands and choice values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.workbooks import Cli, ready_ledger
from voucher_batch.cli import main

HELP_NAMES = ("help", "version")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = sorted(_commands(main))


def _help(cli: Cli, *path: str) -> str:
    result = cli(*path, "--help")
    assert result.code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_shows_each_options_variable_and_ends_with_an_example(
    tmp_path: Path, path: tuple[str, ...]
) -> None:
    text = _help(Cli(tmp_path), *path)
    command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    options = [
        p for p in command.params if isinstance(p, click.Option) and p.name not in HELP_NAMES
    ]
    shown = " ".join(text.split())  # Click wraps long lines
    for option in options:
        assert option.show_envvar, (path, option.name)
    assert shown.count("env var: VOUCHER_BATCH_") == len(options), text
    example = text.rstrip().rsplit("Example:", 1)
    assert len(example) == 2, f"{' '.join(path)} --help has no example"
    assert "voucher-batch " in example[1] or "Commands:" in text, text


def test_the_global_options_keep_their_contract_variables(tmp_path: Path) -> None:
    shown = " ".join(_help(Cli(tmp_path)).split())
    for name in ("LEDGER", "AS_OF", "OPERATOR"):
        assert f"env var: VOUCHER_BATCH_{name}" in shown
    assert "--as-of YYYY-MM-DD" in shown and "--ledger URL" in shown


def test_an_option_variable_derived_by_click_is_read(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    ready_ledger(cli, quota=5000)
    shown = " ".join(_help(cli, "quota", "show").split())
    assert "VOUCHER_BATCH_QUOTA_SHOW_AS_JSON" in shown
    plain = cli("quota", "show")
    assert plain.stdout.lstrip().startswith("quota")
    as_json = cli("quota", "show", VOUCHER_BATCH_QUOTA_SHOW_AS_JSON="1")
    assert as_json.json()["quota"] == 5000


def test_months_and_dates_have_metavars_and_are_refused_with_the_form(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    assert "--month YYYY-MM" in _help(cli, "report", "monthly")
    assert cli("init").code == 0
    for bad in ("2026-13", "2026-1", "11-2026", "2026-11-01", "next"):
        result = cli("report", "monthly", "--month", bad, "--out-dir", str(cli.out))
        assert result.code == 2, bad
        assert f"'{bad}' is not a month (YYYY-MM)" in result.stderr
    for bad in ("2026-1-2", "20261102", "2026-02-30", "2026-W45-1"):
        result = cli("quota", "show", "--as-of", bad)
        assert result.code == 2, bad
        assert f"'{bad}' is not a date (YYYY-MM-DD)" in result.stderr
    assert cli("quota", "show", "--as-of", "2026-02-28").code == 0
    report = cli("report", "monthly", "--month", "2026-11", "--out-dir", str(cli.out), "--json")
    assert report.code == 0 and report.json()["month"] == "2026-11"


def test_choices_ignore_case_and_list_the_values_when_wrong(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    ready_ledger(cli)
    for status in ("PENDING", "Pending", "pending"):
        assert cli("vouchers", "list", "--status", status, "--json").code == 0
    wrong = cli("vouchers", "list", "--status", "done")
    assert wrong.code == 2
    assert all(v in wrong.stderr for v in ("'pending'", "'approved'", "'rejected'"))
    for usage in ("PRODUCT TRIAL", "producttrial", "Product trial"):
        rows = cli("templates", "list", "--usage", usage, "--json").json()
        assert [r["name"] for r in rows] == ["Starter Trial"], usage
    assert cli("templates", "list", "--usage", "customer offer", "--json").json() == []
    assert len(cli("templates", "list", "--payment-mode", "ALL", "--json").json()) == 1
    wrong = cli("templates", "list", "--payment-mode", "monthly")
    assert wrong.code == 2
    assert "'All', 'Prepaid', 'Postpaid'" in wrong.stderr


def _complete(tmp_path: Path, words: str, **env: str) -> list[str]:
    """Ask the command line for completions as bash would (Click's `bash_complete`)."""
    parts = words.split(" ")
    result = Cli(tmp_path)(
        _VOUCHER_BATCH_COMPLETE="bash_complete",
        COMP_WORDS=words,
        COMP_CWORD=str(len(parts) - 1),
        **env,
    )
    assert result.code == 0, result.stderr
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_completion_offers_commands_and_choice_values(tmp_path: Path) -> None:
    assert _complete(tmp_path, "voucher-batch re") == ["report", "review"]
    assert _complete(tmp_path, "voucher-batch templates list --usage ") == [
        "Product trial",
        "Customer offer",
    ]
    assert _complete(tmp_path, "voucher-batch templates list --payment-mode p") == [
        "Prepaid",
        "Postpaid",
    ]
    assert _complete(tmp_path, "voucher-batch vouchers list --status ") == [
        "pending",
        "approved",
        "rejected",
    ]
    assert "doctor" in _complete(tmp_path, "voucher-batch d")


def test_completion_works_beside_a_broken_configuration_file(tmp_path: Path) -> None:
    (tmp_path / "voucher-batch.toml").write_text("colour = 'blue'\n")
    assert _complete(tmp_path, "voucher-batch in") == ["ingest", "init"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_of_each_shell_is_printed(tmp_path: Path, shell: str) -> None:
    result = Cli(tmp_path)(_VOUCHER_BATCH_COMPLETE=f"{shell}_source")
    assert result.code == 0
    assert "_VOUCHER_BATCH_COMPLETE" in result.stdout
