"""The `VOUCHER_BATCH_*` environment variables that carry numbers: read, checked, and named
in the one sentence a bad value gets.

A bad value is refused (exit 2, nothing recorded), never ignored or replaced by a default:
a typo in a timeout or a limit must not silently change how a batch runs. Standard library
only, so that every command can check its environment before it loads anything else.
"""

from __future__ import annotations

import math
import os

from .errors import ConfigurationError

BUSY_TIMEOUT = "VOUCHER_BATCH_BUSY_TIMEOUT"  # seconds a writer waits for the ledger
DEFAULT_BUSY_TIMEOUT = 30.0
MAX_BUSY_TIMEOUT = 86_400.0  # a day; longer waits are a mistake, and drivers overflow
MAX_ROWS = "VOUCHER_BATCH_MAX_ROWS"  # rows a sheet may hold
DEFAULT_MAX_ROWS = 1_048_576  # a full Excel sheet: a header and 1,048,575 data rows
PAUSE_SECONDS = "VOUCHER_BATCH_PAUSE_SECONDS"  # how long a checkpoint pause lasts
DEFAULT_PAUSE_SECONDS = 60.0
# Variables whose empty value would otherwise fall back to a default without a word.
NOT_EMPTY = ("VOUCHER_BATCH_LEDGER", "VOUCHER_BATCH_AS_OF", "VOUCHER_BATCH_OPERATOR")


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


def pause_seconds() -> float:
    return seconds(PAUSE_SECONDS, DEFAULT_PAUSE_SECONDS)


def check_environment() -> None:
    """Refuse every bad value at the start of a command, before anything is opened."""
    for name in NOT_EMPTY:
        if name in os.environ and not os.environ[name].strip():
            raise ConfigurationError(f"{name} is set but empty; set it to a value or unset it")
    busy_timeout()
    max_rows()
    pause_seconds()
