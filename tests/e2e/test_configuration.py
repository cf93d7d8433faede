"""Clear words for configuration: a bad environment variable, a ledger made by a newer
version, a malformed ledger URL. Each gives one sentence on stderr naming what is wrong,
exit 2, and nothing recorded; a password is never printed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.workbooks import Cli, ready_ledger, request, write_workbook
from voucher_batch.ledger.migrate import head_revision

BAD_SETTINGS = {
    "VOUCHER_BATCH_BUSY_TIMEOUT": ("abc", "-1", "nan", "inf", "1e400"),
    "VOUCHER_BATCH_MAX_ROWS": ("x", "0", "-5", "2.5"),
    "VOUCHER_BATCH_BACKGROUND_WRITE_ROWS": ("many", "0", "-1", "1e4"),
    "VOUCHER_BATCH_AS_OF": ("2026-13-01", "20261102"),
    "VOUCHER_BATCH_OPERATOR": ("", "   "),
    "VOUCHER_BATCH_PAUSE_SECONDS": ("soon",),
}


def _one_sentence(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("voucher-batch: ")
    return lines[0]


@pytest.mark.parametrize("name", sorted(BAD_SETTINGS))
def test_a_bad_setting_is_named_and_nothing_is_recorded(cli: Cli, name: str) -> None:
    assert cli("init").code == 0
    assert cli("quota", "grant", "5000", "--by", "sales.rep").code == 0
    for value in BAD_SETTINGS[name]:
        result = cli("quota", "grant", "700", "--by", "sales.rep", **{name: value})
        assert result.code == 2, (value, result.stdout + result.stderr)
        line = _one_sentence(result.stderr)
        assert name in line and (repr(value) in line or "empty" in line), line
    assert cli.quota()["quota"] == 5000


def test_a_bad_row_limit_stops_an_ingest_before_reading(cli: Cli) -> None:
    ready_ledger(cli, quota=5000)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    result = cli.ingest(book, VOUCHER_BATCH_MAX_ROWS="0")
    assert result.code == 2
    assert "VOUCHER_BATCH_MAX_ROWS" in _one_sentence(result.stderr)
    assert cli.quota()["issued"] == 0
    assert not (cli.out / "batch-decisions.xlsx").exists()


def test_good_settings_still_work(cli: Cli) -> None:
    ready_ledger(cli, quota=5000)
    result = cli(
        "quota",
        "grant",
        "700",
        "--by",
        "sales.rep",
        VOUCHER_BATCH_BUSY_TIMEOUT="2.5",
        VOUCHER_BATCH_MAX_ROWS="10",
        VOUCHER_BATCH_PAUSE_SECONDS="0",
    )
    assert result.code == 0, result.stderr
    assert cli.quota()["quota"] == 5700


def test_an_empty_ledger_variable_is_refused_not_replaced_by_the_default(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    result = cli("init", VOUCHER_BATCH_LEDGER="")
    assert result.code == 2
    assert "VOUCHER_BATCH_LEDGER" in _one_sentence(result.stderr)
    assert list(tmp_path.iterdir()) == []  # no default ledger file was created


def _sql_url(cli: Cli) -> str:
    return cli.ledger if "://" in cli.ledger else f"sqlite:///{cli.ledger}"


def _make_newer(cli: Cli) -> None:
    engine = create_engine(_sql_url(cli))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        conn.execute(text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()


def _schema_state(cli: Cli) -> tuple[object, ...]:
    engine = create_engine(_sql_url(cli))
    with engine.connect() as conn:
        state = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one(),
            tuple(conn.execute(text("SELECT key, value FROM meta ORDER BY key")).all()),
            conn.execute(text("SELECT count(*) FROM quota_entries")).scalar_one(),
        )
    engine.dispose()
    return state


def test_init_refuses_a_ledger_made_by_a_newer_version(cli: Cli) -> None:
    ready_ledger(cli, quota=5000)
    _make_newer(cli)
    state = _schema_state(cli)
    digest = (
        hashlib.sha256(Path(cli.ledger).read_bytes()).hexdigest()
        if "://" not in cli.ledger
        else None
    )
    result = cli("init")
    assert result.code == 2, result.stdout + result.stderr
    line = _one_sentence(result.stderr)
    assert "made by a newer voucher-batch (schema 0099)" in line
    assert f"knows up to {head_revision()}" in line and "upgrade voucher-batch" in line
    assert _schema_state(cli) == state
    if digest is not None:
        assert hashlib.sha256(Path(cli.ledger).read_bytes()).hexdigest() == digest
    shown = cli("quota", "show")
    assert shown.code == 2
    assert "made by a newer voucher-batch" in _one_sentence(shown.stderr)


BAD_URLS = [
    ("postgresql+psycopg://user@:x/db", "port must be a number"),
    ("postgresql+psycopg://ops:s3cret-pw@:x/db", "port must be a number"),
    ("postgres://ops:s3cret-pw@127.0.0.1/db", "postgresql+psycopg://"),
    ("postgresql://ops:s3cret-pw@127.0.0.1/db", "postgresql+psycopg://"),
    ("foo://ops:s3cret-pw@127.0.0.1/db", "does not support"),
    ("postgresql+psycopg://ops:s3cret@pw@127.0.0.1/db", "%40"),
    ("postgresql+psycopg://ops:s3cret-pw@127.0.0.1:70000/db", "port"),
    ("sqlite://", "names no SQLite file"),
]


@pytest.mark.parametrize(("url", "words"), BAD_URLS)
def test_a_malformed_ledger_url_gets_one_sentence(tmp_path: Path, url: str, words: str) -> None:
    cli = Cli(tmp_path)
    for args in (("init",), ("quota", "show"), ("ledger", "verify")):
        result = cli(*args, VOUCHER_BATCH_LEDGER=url)
        assert result.code == 2
        line = _one_sentence(result.stderr)
        assert words in line
        assert "unexpected" not in line
        assert "s3cret" not in result.stdout + result.stderr
        assert "pw@" not in result.stdout + result.stderr
