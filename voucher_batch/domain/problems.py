"""Data problems as values: every rule returns problems instead of raising them.

A `Problem` names where it was found (sheet, Excel row, canonical column) and carries a
stable `Code` so that scripts, tests and people can rely on it while the wording of the
message may improve. The workbook adapter adds the cell reference and the header as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .vocabulary import REFUSED


class Code(StrEnum):
    """Stable problem codes. Values never change once released; new ones may be added."""

    # reading cells (contract section 2)
    REQUIRED = "required"
    NOT_WHOLE_NUMBER = "not_whole_number"
    NOT_A_DATE = "not_a_date"
    AMBIGUOUS_DATE = "ambiguous_date"
    BAD_UIN = "bad_uin"
    UIN_PRECISION_LOST = "uin_precision_lost"
    ERROR_VALUE = "error_value"
    FORMULA_WITHOUT_VALUE = "formula_without_value"
    EXTERNAL_FORMULA = "external_formula"
    HIDDEN_ROW = "hidden_row"
    MERGED_CELL = "merged_cell"
    NOT_TEXT = "not_text"
    TOO_LONG = "too_long"
    # templates (R4-R6)
    TEMPLATE_NAME = "template_name"
    TEMPLATE_NAME_TAKEN = "template_name_taken"
    ONLY_VALUE_SUPPORTED = "only_value_supported"
    NOT_ALLOWED_VALUE = "not_allowed_value"
    AMOUNT_RANGE = "amount_range"
    VALIDITY_PERIOD = "validity_period"
    TEMPLATE_LOCKED = "template_locked"
    # customers
    CUSTOMER_STATUS = "customer_status"
    # requests (R7-R9)
    REQUEST_ID = "request_id"
    UNKNOWN_CUSTOMER = "unknown_customer"
    CUSTOMER_UNBOUND = "customer_unbound"
    UNKNOWN_TEMPLATE = "unknown_template"
    NEGATIVE_REVENUE = "negative_revenue"
    CONVERSION_DATE_PAST = "conversion_date_past"
    REASON_LENGTH = "reason_length"
    QUOTA_EXCEEDED = "quota_exceeded"
    REQUEST_CONFLICT = "request_conflict"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    SUM_LIMIT = "sum_limit"
    UNSAFE_CHARACTER = "unsafe_character"
    PRECISION_LOST = "precision_lost"
    # reviews (R10, R11)
    UNKNOWN_ISSUANCE = "unknown_issuance"
    ALREADY_DECIDED = "already_decided"
    FOUR_EYES = "four_eyes"
    REJECT_NEEDS_COMMENT = "reject_needs_comment"
    DECISION_DATE = "decision_date"
    NOT_A_DECISION = "not_a_decision"
    ROW_CHECK = "row_check"
    VALIDITY_PAST_CALENDAR = "validity_past_calendar"
    # console vouchers (link, sync, usage)
    NOT_A_TIME = "not_a_time"
    VALIDITY_ORDER = "validity_order"
    NOT_A_STATUS = "not_a_status"
    REMAINING_ABOVE_TOTAL = "remaining_above_total"
    STATUS_BACKWARDS = "status_backwards"
    AMBIGUOUS_MATCH = "ambiguous_match"
    LINK_CONFLICT = "link_conflict"
    DEAL_CONFLICT = "deal_conflict"


# each code as the reports name the kind of refusal (a heading over rows, without any one
# row's values); the codes stay the key, the words may improve
REASON_LABELS: dict[Code, str] = {
    Code.REQUIRED: "Required cell is blank",
    Code.NOT_WHOLE_NUMBER: "Not a whole number",
    Code.NOT_A_DATE: "Not a date",
    Code.AMBIGUOUS_DATE: "Ambiguous date (use YYYY-MM-DD)",
    Code.BAD_UIN: "Not a customer UIN (5-20 digits)",
    Code.UIN_PRECISION_LOST: "UIN lost digits (type it as text)",
    Code.ERROR_VALUE: "Excel error value",
    Code.FORMULA_WITHOUT_VALUE: "Formula without a computed value",
    Code.EXTERNAL_FORMULA: "Formula referring to another file",
    Code.HIDDEN_ROW: "Hidden row",
    Code.MERGED_CELL: "Merged cells",
    Code.NOT_TEXT: "Not text",
    Code.TOO_LONG: "Text too long",
    Code.TEMPLATE_NAME: "Template name not allowed (R4)",
    Code.TEMPLATE_NAME_TAKEN: "Template name already taken (R4)",
    Code.ONLY_VALUE_SUPPORTED: "Only one value is supported (R5)",
    Code.NOT_ALLOWED_VALUE: "Value not in the list (R5)",
    Code.AMOUNT_RANGE: "Amount out of range (R5)",
    Code.VALIDITY_PERIOD: "Validity period not allowed (R5)",
    Code.TEMPLATE_LOCKED: "Template locked by its issuances (R6)",
    Code.CUSTOMER_STATUS: "Customer status not allowed",
    Code.REQUEST_ID: "Request ID not 1-40 characters (R9)",
    Code.UNKNOWN_CUSTOMER: "Unknown customer (R7)",
    Code.CUSTOMER_UNBOUND: "Customer not bound (R7)",
    Code.UNKNOWN_TEMPLATE: "Unknown template (R7)",
    Code.NEGATIVE_REVENUE: "Negative estimated revenue (R7)",
    Code.CONVERSION_DATE_PAST: "Conversion date in the past (R7)",
    Code.REASON_LENGTH: "Application reason missing or too long (R7)",
    Code.QUOTA_EXCEEDED: "Does not fit the remaining quota (R8)",
    Code.REQUEST_CONFLICT: "Request ID sent before with other content (R9)",
    Code.DUPLICATE_IN_FILE: "Repeated in this file",
    Code.SUM_LIMIT: "Total past the ledger's ceiling (R16)",
    Code.UNSAFE_CHARACTER: "Control or direction character (R15)",
    Code.PRECISION_LOST: "Number lost precision",
    Code.UNKNOWN_ISSUANCE: "Unknown or not pending issuance (R10)",
    Code.ALREADY_DECIDED: "Already decided otherwise (R10)",
    Code.FOUR_EYES: "Reviewer requested or ingested it (R10)",
    Code.REJECT_NEEDS_COMMENT: "Rejection without a comment (R10)",
    Code.DECISION_DATE: "Decision date not allowed (R10)",
    Code.NOT_A_DECISION: "Not a decision (Approve or Reject)",
    Code.ROW_CHECK: "Row check failed: a protected cell was edited",
    Code.VALIDITY_PAST_CALENDAR: "Validity would end after 9999-12-31 (R11)",
    Code.NOT_A_TIME: "Not a time (YYYY-MM-DD HH:MM:SS)",
    Code.VALIDITY_ORDER: "Expires before it takes effect",
    Code.NOT_A_STATUS: "Not a voucher status (Issued, Used, Expired, Invalidated)",
    Code.REMAINING_ABOVE_TOTAL: "Remaining amount above the total",
    Code.STATUS_BACKWARDS: "Status would move backwards",
    Code.AMBIGUOUS_MATCH: "More than one issuance matches",
    Code.LINK_CONFLICT: "Linked otherwise before",
    Code.DEAL_CONFLICT: "Deal recorded before with another amount",
}


def reason_label(code: Code) -> str:
    """The kind of refusal `code` names, as a heading people read."""
    return REASON_LABELS.get(code, code.value.replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell (or one row, when `column` is None) of an input sheet."""

    sheet: str
    row: int
    column: str | None
    value: object
    code: Code
    message: str


@dataclass(slots=True)
class Decided:
    """One input row's decision with the problems that explain a refusal."""

    sheet: str
    row: int
    decision: str
    problems: list[Problem]

    @property
    def refused(self) -> bool:
        return self.decision == REFUSED

    @property
    def reason(self) -> str:
        if not self.problems:  # most rows: asked once a row when the outputs are built
            return ""
        return "; ".join(p.message for p in self.problems)
