"""`voucher-batch.toml` and `doctor`: the configuration file sets ledger, operator, calendar
and output folder below the command line and the environment; a bad file is one sentence
naming file and key (exit 2); `doctor` says what is in use, where it came from, and whether
the ledger can be used (exit 0), or not (exit 2), never printing a password."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tests.workbooks import Cli, ready_ledger
from voucher_batch.cli import main


def _doctor(cli: Cli, *args: str, **env: str) -> tuple[int, dict[str, object]]:
    result = cli("doctor", "--json", *args, **env)
    assert result.stderr == "", result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return result.code, data


def _in_process_without_globals(folder: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """The command line with no VOUCHER_BATCH_LEDGER / _OPERATOR variables at all."""
    variables: dict[str, str | None] = {
        "VOUCHER_BATCH_LEDGER": None,
        "VOUCHER_BATCH_OPERATOR": None,
        "VOUCHER_BATCH_AS_OF": "2026-11-02",
        "VOUCHER_BATCH_CONFIG": None,
        "VOUCHER_BATCH_DEBUG": None,
        "XDG_CONFIG_HOME": str(folder / "user-config"),
        **env,
    }
    previous = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, list(args), env=variables, prog_name="voucher-batch")
    finally:
        os.chdir(previous)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def test_the_file_in_the_current_folder_sets_ledger_operator_and_out_dir(tmp_path: Path) -> None:
    (tmp_path / "voucher-batch.toml").write_text(
        'ledger = "books/ledger.sqlite3"\noperator = "ops.lead"\nout_dir = "made"\n'
    )
    code, _, err = _in_process_without_globals(tmp_path, "init")
    assert code == 0, err
    assert (tmp_path / "books" / "ledger.sqlite3").is_file()
    code, out, err = _in_process_without_globals(tmp_path, "doctor", "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert facts["config_file"] == str(tmp_path / "voucher-batch.toml")
    assert facts["ledger"] == str(tmp_path / "books" / "ledger.sqlite3")
    assert facts["ledger_source"] == "configuration file"
    assert facts["out_dir"] == str(tmp_path / "made")
    assert facts["out_dir_source"] == "configuration file"
    code, _, err = _in_process_without_globals(tmp_path, "sheets", "blank")
    assert code == 0, err
    assert [p.name for p in (tmp_path / "made").glob("*.xlsx")] == ["voucher-batch-input.xlsx"]
    code, out, err = _in_process_without_globals(
        tmp_path, "quota", "grant", "10", "--by", "sales.rep"
    )
    assert code == 0, err
    engine = create_engine(f"sqlite:///{tmp_path / 'books' / 'ledger.sqlite3'}")
    with engine.connect() as conn:
        operator = conn.execute(text("SELECT operator FROM quota_entries")).scalar_one()
    engine.dispose()
    assert operator == "ops.lead"


def test_option_beats_variable_beats_file_beats_default(tmp_path: Path) -> None:
    (tmp_path / "voucher-batch.toml").write_text('out_dir = "from-file"\ncalendar = "SG"\n')
    cli = Cli(tmp_path)
    assert cli("init").code == 0
    code, facts = _doctor(cli)
    assert (facts["out_dir"], facts["out_dir_source"]) == (
        str(tmp_path / "from-file"),
        "configuration file",
    )
    assert (facts["calendar"], facts["calendar_source"]) == ("SG", "configuration file")
    code, facts = _doctor(cli, VOUCHER_BATCH_OUT_DIR="from-env", VOUCHER_BATCH_CALENDAR="HK")
    assert (facts["out_dir"], facts["calendar"]) == ("from-env", "HK")
    assert facts["out_dir_source"] == "environment, VOUCHER_BATCH_OUT_DIR"
    code, facts = _doctor(
        cli, "--out-dir", "from-option", "--calendar", "CN", VOUCHER_BATCH_OUT_DIR="from-env"
    )
    assert (facts["out_dir"], facts["out_dir_source"]) == ("from-option", "option")
    assert (facts["calendar"], facts["calendar_source"]) == ("CN", "option")
    assert code == 0
    (tmp_path / "voucher-batch.toml").unlink()
    code, facts = _doctor(cli)
    assert (facts["out_dir"], facts["out_dir_source"]) == ("reports", "default")
    assert facts["config_file"] is None
    # the ledger: the harness gives it as a variable; an option after the command wins
    assert _doctor(cli)[1]["ledger_source"] == "environment, VOUCHER_BATCH_LEDGER"
    other = str(tmp_path / "other.sqlite3")
    code, facts = _doctor(cli, "--ledger", other)
    assert (facts["ledger"], facts["ledger_source"], code) == (other, "option", 2)


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    (tmp_path / "voucher-batch.toml").write_text('calendar = "SG"\n', encoding="utf-8-sig")
    assert _doctor(Cli(tmp_path))[1]["calendar"] == "SG"


def test_the_user_folder_and_the_variable_find_a_file(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    user = tmp_path / "user-config" / "voucher-batch"
    user.mkdir(parents=True)
    (user / "voucher-batch.toml").write_text('calendar = "CN"\n')
    assert _doctor(cli)[1]["config_file"] == str(user / "voucher-batch.toml")
    (tmp_path / "voucher-batch.toml").write_text('calendar = "SG"\n')
    assert _doctor(cli)[1]["calendar"] == "SG"  # the current folder comes first
    chosen = tmp_path / "elsewhere.toml"
    chosen.write_text('calendar = "HK"\n')
    facts = _doctor(cli, VOUCHER_BATCH_CONFIG=str(chosen))[1]
    assert (facts["config_file"], facts["calendar"]) == (str(chosen), "HK")


BAD_FILES = {
    'colour = "blue"\n': "unknown key 'colour'",
    "ledger = 5\n": "key 'ledger' must be non-empty text",
    'operator = ""\n': "key 'operator' must be non-empty text",
    "calendar = [1]\n": "key 'calendar' must be non-empty text",
    "[ledger]\nurl = 'x'\n": "key 'ledger' must be non-empty text",
    "ledger = \n": "not valid TOML",
    "\xff\xfe": "not valid TOML",
}


@pytest.mark.parametrize("content", sorted(BAD_FILES))
def test_a_bad_file_is_one_sentence_naming_file_and_key(tmp_path: Path, content: str) -> None:
    path = tmp_path / "voucher-batch.toml"
    path.write_bytes(content.encode("latin-1"))
    cli = Cli(tmp_path)
    for args in (("init",), ("quota", "show"), ("doctor",)):
        result = cli(*args)
        assert result.code == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert str(path) in lines[0] and BAD_FILES[content] in lines[0], lines[0]
    assert not (tmp_path / "ledger.sqlite3").exists()


def test_help_is_shown_beside_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "voucher-batch.toml"
    path.write_text('colour = "blue"\n', encoding="utf-8")
    cli = Cli(tmp_path)
    for args in (("--help",), ("ingest", "--help"), ("quota", "show", "-h")):
        result = cli(*args)
        assert result.code == 0, (args, result.stderr)
        assert "Usage: " in result.stdout and "Traceback" not in result.stderr
        assert "unknown key 'colour'" in result.stderr and str(path) in result.stderr
    assert cli("quota", "show").code == 2  # a command itself still refuses the file


def test_a_variable_naming_no_file_is_refused(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    for value in (str(tmp_path / "missing.toml"), str(tmp_path), " "):
        result = cli("doctor", VOUCHER_BATCH_CONFIG=value)
        assert result.code == 2
        assert "VOUCHER_BATCH_CONFIG" in result.stderr.strip()
        assert len(result.stderr.strip().splitlines()) == 1


def test_doctor_on_a_good_ledger_says_ok(cli: Cli) -> None:
    ready_ledger(cli, quota=0)
    code, facts = _doctor(cli)
    assert code == 0
    assert facts["ok"] is True and facts["ledger_reachable"] is True
    assert facts["schema"] == facts["schema_expected"]
    versions = facts["versions"]
    assert isinstance(versions, dict)
    assert {"python", "voucher_batch", "sqlalchemy", "pandas"} <= set(versions)
    human = cli("doctor")
    assert human.code == 0 and "status:             ok" in human.stdout


def test_doctor_says_what_is_wrong_and_exits_2(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    code, facts = _doctor(cli)
    assert code == 2 and facts["ledger_reachable"] is False
    assert "voucher-batch init" in str(facts["ledger_problem"])
    assert not Path(cli.ledger).exists()  # doctor creates nothing
    assert cli("init").code == 0
    engine = create_engine(f"sqlite:///{cli.ledger}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
        conn.execute(text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))
    engine.dispose()
    code, facts = _doctor(cli)
    assert code == 2 and facts["ledger_reachable"] is True
    assert facts["schema"] == "0004" and "init" in str(facts["ledger_problem"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        conn.execute(text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    code, facts = _doctor(cli)
    assert code == 2 and facts["schema"] == "0099"
    assert "newer voucher-batch" in str(facts["ledger_problem"])
    code, facts = _doctor(cli, "--calendar", "XX")
    assert code == 2 and "XX" in str(facts["calendar_problem"])


def test_doctor_never_prints_a_password(tmp_path: Path) -> None:
    cli = Cli(tmp_path, ledger="postgresql+psycopg://ops:s3cr%40t@127.0.0.1:9/vouchers")
    for args in (("doctor",), ("doctor", "--json")):
        result = cli(*args)
        assert result.code == 2
        assert "s3cr" not in result.stdout + result.stderr
        assert "***" in result.stdout
    (tmp_path / "voucher-batch.toml").write_text(
        'ledger = "postgresql+psycopg://ops:hunter2@127.0.0.1:9/vouchers"\n'
    )
    code, out, err = _in_process_without_globals(tmp_path, "doctor")
    assert code == 2 and "hunter2" not in out + err and "configuration file" in out
