from __future__ import annotations

from tests.workbooks import Cli, ready_ledger, request, rows_of, write_workbook


def test_ingest_one_request_reserves_its_amount(cli: Cli) -> None:
    ready_ledger(cli, quota=5000)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    result = cli.ingest(book)
    assert result.code == 0, result.stderr
    assert cli.quota() == {
        "quota": 5000,
        "pending": 1000,
        "approved": 0,
        "rejected": 0,
        "issued": 1000,
        "remaining": 4000,
    }
    rows = rows_of(cli.decisions(book)["Requests"])
    assert rows[0]["Decision"] == "Pending approval"
    assert rows[0]["Remaining Quota"] == 4000


def test_global_options_may_follow_the_command(cli: Cli) -> None:
    other = cli.folder / "other.sqlite3"
    assert cli("init", "--ledger", str(other)).code == 0
    granted = cli("quota", "grant", "700", "--by", "sales.rep", "--ledger", str(other))
    assert granted.code == 0, granted.stderr
    shown = cli("quota", "show", "--json", "--ledger", str(other))
    assert shown.json()["quota"] == 700
    # the environment's ledger (the default for this Cli) was never created
    assert cli("quota", "show").code == 2


def test_passwords_never_appear_in_output(cli: Cli) -> None:
    url = "postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:1/none"
    for args in (("init",), ("quota", "show"), ("ledger", "verify")):
        result = cli(*args, VOUCHER_BATCH_LEDGER=url)
        assert result.code == 2
        assert "s3cret-pw" not in result.stdout + result.stderr
        assert "***" in result.stderr and "Traceback" not in result.stderr
