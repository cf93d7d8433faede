"""PostgreSQL for tests: a fresh schema per test on the server in VOUCHER_BATCH_TEST_PG.

Tests skip when the server is unreachable, unless VOUCHER_BATCH_REQUIRE_PG=1 (set by
.ci/run), where an unreachable server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get(
    "VOUCHER_BATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pg_schema_url() -> Iterator[str]:
    """Yield the URL of a new, empty schema; drop it afterwards."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
    except Exception as exc:
        if os.environ.get("VOUCHER_BATCH_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    schema = f"vb_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def require_pg() -> None:
    """Skip (or, in CI, fail) when the PostgreSQL server is unreachable."""
    for _url in pg_schema_url():
        return


def new_schema() -> tuple[str, Iterator[str]]:
    """A fresh schema's URL and the generator whose close() drops it."""
    gen = pg_schema_url()
    return next(gen), gen
