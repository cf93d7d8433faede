"""Naming a ledger: a plain path means a SQLite file; anything with `://` is a SQLAlchemy URL,
and only SQLite and `postgresql+psycopg` are accepted. Passwords never leave this module and
`connection`: every name shown is redacted.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import ConfigurationError
from ..settings import DEFAULT_LEDGER

SUPPORTED = "a SQLite file path or postgresql+psycopg://user@host/database"
_PASSWORD_PARAM = re.compile(r"(password=)[^&]*", re.IGNORECASE)


def redact(text: str) -> str:
    """A URL as typed, with any password replaced by ***; works on URLs that do not parse."""
    text = _PASSWORD_PARAM.sub(r"\1***", text)
    scheme, sep, rest = text.partition("://")
    # the last '@' ends the user part, so a password holding '@' is hidden whole
    head, at, tail = rest.rpartition("@")
    if not sep or not at:
        return text
    user, colon, _password = head.partition(":")
    return f"{scheme}://{user}:***@{tail}" if colon else text


def _sqlite_url(path: Path) -> URL:
    # one path per file: symlinks, `..` and `~` resolved, so every process names it alike
    return URL.create("sqlite+pysqlite", database=str(path.expanduser().resolve()))


def resolve_url(text: str | None) -> URL:
    """A SQLAlchemy URL, or a plain file path meaning a SQLite file; anything else is
    refused with one sentence that never shows a password."""
    text = text or DEFAULT_LEDGER
    if "://" not in text:
        return _sqlite_url(Path(text))
    shown = redact(text)
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        hint = " (its port must be a number)" if _port_is_not_a_number(text) else ""
        raise ConfigurationError(
            f"the ledger URL {shown} is not a valid URL{hint}; use {SUPPORTED}"
        ) from None
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise ConfigurationError(
                f"the ledger URL {shown} names no SQLite file (a ledger in memory keeps "
                f"nothing); use {SUPPORTED}"
            )
        return _sqlite_url(Path(database))
    if url.drivername == "postgresql+psycopg":
        if "@" in (url.host or ""):
            raise ConfigurationError(
                f"the ledger URL {shown} has an '@' after the user name; write an '@' in a "
                "password as %40"
            )
        if url.port is not None and not 0 < url.port < 65536:
            raise ConfigurationError(
                f"the ledger URL {shown} has port {url.port}; a port is 1 to 65535"
            )
        return url
    if url.get_backend_name() in ("postgres", "postgresql"):
        raise ConfigurationError(
            f"the ledger URL {shown} does not name the driver voucher-batch uses; write it "
            "as postgresql+psycopg://user@host/database"
        )
    raise ConfigurationError(
        f"the ledger URL {shown} names a database voucher-batch does not support "
        f"({url.drivername}); use {SUPPORTED}"
    )


def _port_is_not_a_number(text: str) -> bool:
    host = redact(text).partition("://")[2].rpartition("@")[2].split("/", 1)[0]
    port = host.rpartition(":")[2] if ":" in host and not host.endswith("]") else ""
    return bool(port) and not port.isdigit()


def describe(url: URL) -> str:
    """The ledger's name for messages: a file path, or the URL with any password hidden."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return redact(url.render_as_string(hide_password=True))
