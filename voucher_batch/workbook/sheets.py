"""The sheet contracts: which sheets and columns the tool reads, their aliases and kinds.

This is the one description of the input workbooks. The reader matches headers against it,
the pandera models check the columns it names, `sheets blank` lays out the empty workbook
from it, and `schemas/*.json` (the published contract) is generated from it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..domain.choices import labels

TEXT, WHOLE, DATE, UIN, CHOICE = "text", "whole number", "date", "uin", "choice"
HEADER_SEARCH_ROWS = 20  # the header row is the first of these that holds every required header


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # labels offered in dropdowns of the blank workbook
    note: str = ""
    blank_ok: bool = False  # a required header whose cells may be blank


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[ColumnSpec, ...]

    @property
    def required(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.required)

    def match(self, header: str) -> ColumnSpec | None:
        key = normalize_header(header)
        for column in self.columns:
            if key in column_keys(column):
                return column
        return None


_PAREN_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACE_LIKE = re.compile(r"[\s\u00a0\u2007\u202f_\-]+")


def normalize_header(text: str) -> str:
    """Headers match case-insensitively, `_`/`-` as spaces, spaces folded, `(...)` dropped."""
    text = str(text).translate(_INVISIBLE)
    text = _SPACE_LIKE.sub(" ", text).strip()
    text = _PAREN_SUFFIX.sub("", text)
    return _SPACE_LIKE.sub(" ", text).strip().casefold()


@functools.cache
def column_keys(column: ColumnSpec) -> frozenset[str]:
    """The normalised header texts that name `column`: its name and its aliases."""
    return frozenset(normalize_header(n) for n in (column.name, *column.aliases))


def _blank_takes(column: str) -> str:
    """The note of a column whose blank cell takes its first choice."""
    return f"blank = {labels(column)[0]}"


CUSTOMERS = SheetSpec(
    "Customers",
    (
        ColumnSpec("Customer UIN", UIN, True, ("UIN",), note="5-20 digits"),
        ColumnSpec("Customer Name"),
        ColumnSpec("Bound Since", DATE, note="YYYY-MM-DD"),
        ColumnSpec("Status", CHOICE, choices=labels("Status"), note=_blank_takes("Status")),
    ),
)

TEMPLATES = SheetSpec(
    "Templates",
    (
        ColumnSpec("Template Name", TEXT, True, ("Name",), note="1-20 letters and spaces"),
        ColumnSpec(
            "Cost Bearer", CHOICE, choices=labels("Cost Bearer"), note=_blank_takes("Cost Bearer")
        ),
        ColumnSpec("Usage", CHOICE, True, choices=labels("Usage")),
        ColumnSpec(
            "Product Scope",
            CHOICE,
            choices=labels("Product Scope"),
            note=_blank_takes("Product Scope"),
        ),
        ColumnSpec("Payment Mode", CHOICE, True, choices=labels("Payment Mode")),
        ColumnSpec(
            "Voucher Type",
            CHOICE,
            choices=labels("Voucher Type"),
            note=_blank_takes("Voucher Type"),
        ),
        ColumnSpec("Amount", WHOLE, True, note="whole number 1-1,000,000"),
        ColumnSpec("Validity Period", TEXT, True, note="N days (1-366) or N months (1-12)"),
        ColumnSpec(
            "Validity Start",
            CHOICE,
            True,
            choices=labels("Validity Start"),
        ),
        ColumnSpec("Description", note="optional, at most 200 characters"),
    ),
)

REQUESTS = SheetSpec(
    "Requests",
    (
        ColumnSpec("Request ID", TEXT, True, note="1-40 characters, unique"),
        ColumnSpec("Template Name", TEXT, True, ("Template",)),
        ColumnSpec("Customer UIN", UIN, True, ("UIN",)),
        ColumnSpec(
            "Estimated Revenue",
            WHOLE,
            True,
            ("Estimated converted Tencent revenue",),
            note="whole number >= 0",
        ),
        ColumnSpec(
            "Estimated Conversion Date",
            DATE,
            True,
            ("Estimated time for revenue conversion",),
            note="YYYY-MM-DD",
        ),
        ColumnSpec("Application Reason", TEXT, True, ("Reason",), note="1-500 characters"),
        ColumnSpec("Requested By", note="blank = the operator"),
    ),
)

INPUT_SHEETS: tuple[SheetSpec, ...] = (CUSTOMERS, TEMPLATES, REQUESTS)

# The sheet `review export` writes and `review import` reads back. Reviewers fill only the
# four columns marked editable; the others are checked against the ledger on import.
REVIEW = SheetSpec(
    "Review",
    (
        ColumnSpec("Issuance ID", TEXT, True),
        ColumnSpec("Request ID"),
        ColumnSpec("Template Name"),
        ColumnSpec("Customer UIN", UIN),
        ColumnSpec("Customer Name"),
        ColumnSpec("Amount", WHOLE),
        ColumnSpec("Estimated Revenue", WHOLE),
        ColumnSpec("Estimated Conversion Date", DATE),
        ColumnSpec("Application Reason"),
        ColumnSpec("Requested By"),
        ColumnSpec("Requested On", DATE),
        ColumnSpec("Business Days Waiting", WHOLE),
        ColumnSpec(
            "Decision",
            CHOICE,
            True,
            blank_ok=True,
            choices=labels("Decision"),
            note=" or ".join(labels("Decision")) + "; blank = not yet",
        ),
        ColumnSpec("Review Comment", note="required to reject"),
        ColumnSpec("Reviewer", note="blank = --reviewer or the operator"),
        ColumnSpec("Decision Date", DATE, note="blank = the processing date"),
        ColumnSpec("Voucher ID", note="optional: the console voucher of an approved row"),
        ColumnSpec("Row Check", TEXT, True, note="do not edit", blank_ok=True),
    ),
)
EDITABLE_REVIEW_COLUMNS = (
    "Decision",
    "Review Comment",
    "Reviewer",
    "Decision Date",
    "Voucher ID",
)


def contract(spec: SheetSpec) -> dict[str, object]:
    """The sheet contract as plain data: what `schemas/<sheet>.json` publishes."""
    return {
        "$comment": "Generated from voucher_batch/workbook/sheets.py by `make schemas`.",
        "sheet": spec.name,
        "header_search_rows": HEADER_SEARCH_ROWS,
        "columns": [
            {
                "name": c.name,
                "aliases": list(c.aliases),
                "kind": c.kind,
                "required": c.required,
                **({"choices": list(c.choices)} if c.choices else {}),
                **({"note": c.note} if c.note else {}),
            }
            for c in spec.columns
        ],
    }


# Defined names marking the columns the tool appended to a decision sheet (Row, Decision,
# Reason, ...); the reader ignores those columns, so a decision workbook fixed and sent again
# reads as input (section 3). A defined name follows its cells when a person inserts, moves or
# deletes columns in Excel or LibreOffice; a column name could not tell the tool's `Reason`
# from an input's `Reason` (an alias of Application Reason).
APPENDED_NAME = "VoucherBatch_Appended_"
