"""Reading one cell as the kind its column expects (contract section 2, reading rules).

Each reader returns the value or raises `CellProblem` with a stable code; `read_cell`
reads a cell as its contract column expects it (kind, identifier, choice, mapped text).
Nothing is rounded or guessed: `12.5`, `1.000`, `12k`, `03/04/2026` and `1.00012E+11` are
refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time

from ..domain.choices import CHOICES, choice_key
from ..domain.fields import canonical_period
from ..domain.identity import unsafe_character
from ..domain.model import collapse_spaces
from ..domain.problems import Code
from .sheets import CHOICE, DATE, UIN, WHOLE


class CellProblem(Exception):
    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"[\u00a0\u2007\u202f\u3000]")
# float64 holds every integer up to 2**53 exactly; above that a numeric cell may have lost digits
EXACT_FLOAT = 2**53


def _ascii_digits(text: str) -> str:
    """Full-width forms (１２，０００, ２０２７／０３／０４) and other Unicode decimal digits
    (e.g. Arabic-Indic) read as their ASCII equivalents."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.digit(ch)) if ch.isdecimal() else ch for ch in text)


def clean_text(value: str) -> str:
    """Trim; non-breaking spaces become spaces; zero-width spaces and BOMs are dropped."""
    if not value.isascii():
        value = _SPACES.sub(" ", value.translate(_DROP))
    return value.strip()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def read_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


_WHOLE_TEXT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)$")


INT64_MAX = 2**63 - 1


def read_whole(value: object) -> int:
    number = _read_whole(value)
    if abs(number) > INT64_MAX:
        raise CellProblem(Code.NOT_WHOLE_NUMBER, f"{number} is too large to be an amount")
    return number


def _shown(number: int) -> str:
    text = str(number)
    return text if len(text) <= 20 else f"{text[:15]}... ({len(text)} digits)"


def _read_whole(value: object) -> int:
    if isinstance(value, bool):
        raise CellProblem(Code.NOT_WHOLE_NUMBER, "a TRUE/FALSE value is not a whole number")
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise CellProblem(
                Code.NOT_WHOLE_NUMBER, f"{value!r} is not a whole number (never rounded)"
            )
        value = int(value)
    if isinstance(value, int):
        # a numeric cell is a double: beyond 2^53 its digits may not be what was typed
        if abs(value) > EXACT_FLOAT:
            raise CellProblem(
                Code.PRECISION_LOST,
                f"the number {_shown(value)} is beyond what a spreadsheet number holds exactly "
                "(2^53): precision lost; enter it as text if it is exact",
            )
        return value
    if isinstance(value, (date, datetime)):
        raise CellProblem(Code.NOT_WHOLE_NUMBER, "a date is not a whole number")
    text = _ascii_digits(clean_text(str(value)))
    if _WHOLE_TEXT.match(text):
        return int(text.replace(",", ""))
    raise CellProblem(
        Code.NOT_WHOLE_NUMBER,
        f"'{clean_text(str(value))}' is not a whole number (digits, optionally with "
        "thousands separators such as 12,000; never rounded)",
    )


_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_OTHER_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")


def read_date(value: object) -> date:
    if isinstance(value, datetime):
        if value.time() != time():
            raise CellProblem(
                Code.NOT_A_DATE, f"{value.isoformat(' ')} has a time of day; enter a date only"
            )
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellProblem(
            Code.NOT_A_DATE, f"{value!r} is a number, not a date; format the cell as a date"
        )
    text = _ascii_digits(clean_text(str(value)))
    found = _ISO_DATE.match(text)
    if found:
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise CellProblem(Code.NOT_A_DATE, f"'{text}' is not a valid calendar date") from None
    if _OTHER_DATE.match(text):
        raise CellProblem(
            Code.AMBIGUOUS_DATE,
            f"'{text}' is ambiguous; write dates as YYYY-MM-DD or use a date cell",
        )
    raise CellProblem(Code.NOT_A_DATE, f"'{text}' is not a date (YYYY-MM-DD)")


_UIN = re.compile(r"^\d{5,20}$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")


def read_uin(value: object) -> str:
    if isinstance(value, bool):
        raise CellProblem(Code.BAD_UIN, "a TRUE/FALSE value is not a UIN")
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise CellProblem(Code.BAD_UIN, f"{value!r} is not a UIN (5-20 digits)")
        if abs(value) >= EXACT_FLOAT:
            raise CellProblem(
                Code.UIN_PRECISION_LOST,
                f"the number {value:.15g} is too long to be stored exactly; enter the UIN as text",
            )
        value = int(value)
    if isinstance(value, int):
        if abs(value) >= EXACT_FLOAT:  # a numeric cell: a double that may have lost digits
            raise CellProblem(
                Code.UIN_PRECISION_LOST,
                f"the number {value} is too long to be stored exactly; enter the UIN as text",
            )
        text = str(value)
    else:
        text = _ascii_digits(clean_text(str(value)))
        if _SCIENTIFIC.match(text):
            raise CellProblem(
                Code.UIN_PRECISION_LOST,
                f"'{text}' lost digits in scientific notation; enter the UIN as text",
            )
    if not _UIN.match(text):
        raise CellProblem(Code.BAD_UIN, f"'{text}' is not a UIN (5-20 digits)")
    return text


# Identities (R15): compared as people mean them, refused with invisible control characters.
IDENTITY_COLUMNS = frozenset({"Request ID", "Requested By", "Reviewer"})


def read_cell(column: str, kind: str, value: object) -> object:
    """The typed value of a non-blank cell of the contract column `column`, of kind `kind`."""
    if kind == WHOLE:
        return read_whole(value)
    if kind == DATE:
        return read_date(value)
    if kind == UIN:
        return read_uin(value)
    text = read_text(value)
    if column in IDENTITY_COLUMNS:
        unsafe = unsafe_character(text)
        if unsafe is not None:
            raise CellProblem(
                Code.UNSAFE_CHARACTER,
                f"contains the control or bidirectional character {unsafe}; identifiers must be "
                "plain text (R15)",
            )
    if kind == CHOICE:
        return CHOICES[column].get(choice_key(text), text)
    if column == "Template Name":
        return collapse_spaces(text)
    if column == "Validity Period":
        return canonical_period(text)
    return text
