"""The settings a run starts from: the `VOUCHER_BATCH_*` environment variables that carry
numbers, and the optional configuration file `voucher-batch.toml` - read, checked, and named
in the one sentence a bad value gets.

A bad value is refused (exit 2, nothing recorded), never ignored or replaced by a default:
a typo in a timeout, a limit or a configuration key must not silently change how a batch
runs. Standard library only (and `platformdirs` to find the user's configuration folder), so
that every command can check its settings before it loads anything else.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigurationError

DEFAULT_LEDGER = "voucher-ledger.sqlite3"  # a SQLite file in the current folder

BUSY_TIMEOUT = "VOUCHER_BATCH_BUSY_TIMEOUT"  # seconds a writer waits for the ledger
DEFAULT_BUSY_TIMEOUT = 30.0
MAX_BUSY_TIMEOUT = 86_400.0  # a day; longer waits are a mistake, and drivers overflow
MAX_ROWS = "VOUCHER_BATCH_MAX_ROWS"  # rows a sheet may hold
DEFAULT_MAX_ROWS = 1_048_576  # a full Excel sheet: a header and 1,048,575 data rows
# rows from which a batch's decision workbook is written by a second process while the batch
# is recorded (see services/write_ahead.py)
BACKGROUND_WRITE_ROWS = "VOUCHER_BATCH_BACKGROUND_WRITE_ROWS"
DEFAULT_BACKGROUND_WRITE_ROWS = 10_000
PAUSE_SECONDS = "VOUCHER_BATCH_PAUSE_SECONDS"  # how long a checkpoint pause lasts
DEFAULT_PAUSE_SECONDS = 60.0
# Variables whose empty value would otherwise fall back to a default without a word.
NOT_EMPTY = (
    "VOUCHER_BATCH_LEDGER",
    "VOUCHER_BATCH_AS_OF",
    "VOUCHER_BATCH_OPERATOR",
    "VOUCHER_BATCH_OUT_DIR",
    "VOUCHER_BATCH_CALENDAR",
)


def seconds(name: str, default: float, most: float = MAX_BUSY_TIMEOUT) -> float:
    """A number of seconds from 0 to `most` (decimals allowed) in variable `name`."""
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= most):
        raise ConfigurationError(
            f"{name} is {text!r}, not a number of seconds from 0 to {most:,.0f}; fix it or unset it"
        )
    return value


def positive_int(name: str, default: int) -> int:
    """A whole number of 1 or more, written in plain digits, in variable `name`."""
    text = os.environ.get(name)
    if text is None:
        return default
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and int(digits) >= 1):
        raise ConfigurationError(
            f"{name} is {text!r}, not a whole number of 1 or more; fix it or unset it"
        )
    return int(digits)


def busy_timeout() -> float:
    return seconds(BUSY_TIMEOUT, DEFAULT_BUSY_TIMEOUT)


def max_rows() -> int:
    return positive_int(MAX_ROWS, DEFAULT_MAX_ROWS)


def background_write_rows() -> int:
    return positive_int(BACKGROUND_WRITE_ROWS, DEFAULT_BACKGROUND_WRITE_ROWS)


def pause_seconds() -> float:
    return seconds(PAUSE_SECONDS, DEFAULT_PAUSE_SECONDS)


def check_environment() -> None:
    """Refuse every bad value at the start of a command, before anything is opened."""
    for name in NOT_EMPTY:
        if name in os.environ and not os.environ[name].strip():
            raise ConfigurationError(f"{name} is set but empty; set it to a value or unset it")
    busy_timeout()
    max_rows()
    background_write_rows()
    pause_seconds()


# ---- the configuration file ---------------------------------------------------------------

CONFIG = "VOUCHER_BATCH_CONFIG"  # a configuration file to use instead of the usual places
CONFIG_NAME = "voucher-batch.toml"
CONFIG_KEYS = ("calendar", "ledger", "operator", "out_dir")
PATH_KEYS = ("ledger", "out_dir")  # relative paths are taken from the file's own folder


@dataclass(frozen=True)
class Config:
    """The configuration file in use (None: there is none) and the values it sets."""

    path: Path | None = None
    values: dict[str, str] = field(default_factory=dict)


def user_config_dir() -> Path:
    from platformdirs import user_config_dir as folder

    return Path(folder("voucher-batch", appauthor=False))


def config_path() -> Path | None:
    """`VOUCHER_BATCH_CONFIG` if set (it must name a file), else `./voucher-batch.toml`,
    else `voucher-batch.toml` in the user's configuration folder, else None."""
    given = os.environ.get(CONFIG)
    if given is not None:
        if not given.strip():
            raise ConfigurationError(f"{CONFIG} is set but empty; set it to a file or unset it")
        path = Path(given).expanduser()
        if not path.is_file():
            raise ConfigurationError(
                f"{CONFIG} is {given!r}, which is not a file; fix it or unset it"
            )
        return path.absolute()
    for path in (Path(CONFIG_NAME), user_config_dir() / CONFIG_NAME):
        if path.is_file():
            return path.absolute()
    return None


def load_config() -> Config:
    """The configuration file's values, checked: a file that is not TOML, an unknown key or
    a value that is not non-empty text is refused with one sentence naming file and key."""
    path = config_path()
    if path is None:
        return Config()
    try:
        # a byte-order mark (Windows editors write one) is not part of the TOML
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise ConfigurationError(
            f"configuration file {path}: cannot be read ({exc.strerror or exc})"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"configuration file {path}: not valid TOML ({exc})") from None
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in CONFIG_KEYS:
            raise ConfigurationError(
                f"configuration file {path}: unknown key {key!r} "
                f"(known keys: {', '.join(CONFIG_KEYS)})"
            )
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(
                f"configuration file {path}: key {key!r} must be non-empty text in quotes, "
                f"not {_toml_type(value)}"
            )
        values[key] = _from_file(path, key, value.strip())
    return Config(path, values)


def _from_file(path: Path, key: str, value: str) -> str:
    """A relative path in the file means a path beside the file (a URL stays as written)."""
    if key not in PATH_KEYS or "://" in value:
        return value
    target = Path(value).expanduser()
    return str(target if target.is_absolute() else path.parent / target)


def _toml_type(value: object) -> str:
    if isinstance(value, str):
        return "empty text"
    names = {bool: "true/false", int: "a number", float: "a number", dict: "a table"}
    return names.get(type(value), "a list" if isinstance(value, list) else "a date or time")
