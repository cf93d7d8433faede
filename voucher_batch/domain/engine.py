"""The decision engine: applies R4-R9 to the rows of one batch against a view of the ledger.

The engine is a pure function of its inputs. It receives rows whose cells were already read
and checked (with any cell problems attached), a `LedgerView` holding just the part of the
ledger the batch touches, and returns one `RowDecision` per row plus the new ledger entries
to record. Rows are decided in sheet order and each decision sees the ones before it, so a
template created on the Templates sheet can be used on the Requests sheet (R8 first fit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from .batch import (
    BatchContext,
    BatchOutcome,
    CustomerRow,
    LedgerView,
    RequestRow,
    RowDecision,
    TemplateRow,
)
from .model import Customer, CustomerStatus, Template, TemplateState
from .problems import Code, Problem
from .requests import decide_requests
from .vocabulary import CustomerDecision, TemplateDecision


def decide_customers(rows: Sequence[CustomerRow], view: LedgerView, out: BatchOutcome) -> None:
    for row in rows:
        if row.problems or row.uin is None:
            out.decisions.append(
                RowDecision(row.sheet, row.row, CustomerDecision.REFUSED, list(row.problems))
            )
            continue
        current = view.customers.get(row.uin)
        if current is None:
            new = Customer(
                row.uin, row.name or "", row.bound_since, row.status or CustomerStatus.BOUND
            )
            verdict = CustomerDecision.ADDED
        else:
            # blank optional cells keep what the ledger has
            new = Customer(
                row.uin,
                row.name if row.name is not None else current.name,
                row.bound_since if row.bound_since is not None else current.bound_since,
                row.status if row.status is not None else current.status,
            )
            verdict = CustomerDecision.UNCHANGED if new == current else CustomerDecision.UPDATED
        if verdict != CustomerDecision.UNCHANGED:
            view.customers[row.uin] = new
            out.customers.append(new)
        out.decisions.append(RowDecision(row.sheet, row.row, verdict, []))


def _same_template(a: Template, b: Template) -> bool:
    return replace(a, name=b.name) == b and a.key == b.key


def decide_templates(rows: Sequence[TemplateRow], view: LedgerView, out: BatchOutcome) -> None:
    for row in rows:
        if row.problems or row.template is None:
            out.decisions.append(
                RowDecision(row.sheet, row.row, TemplateDecision.REFUSED, list(row.problems))
            )
            continue
        tpl = row.template
        state = view.templates.get(tpl.key)
        if state is None:
            verdict = TemplateDecision.CREATED
        elif _same_template(tpl, state.template):
            verdict = TemplateDecision.UNCHANGED
        elif state.locked:
            problem = Problem(
                row.sheet,
                row.row,
                "Template Name",
                tpl.name,
                Code.TEMPLATE_LOCKED,
                f"template '{state.template.name}' cannot be changed because vouchers were "
                f"already issued from it ({state.issued_count}); create a new template with "
                "another name instead (R6)",
            )
            out.decisions.append(
                RowDecision(row.sheet, row.row, TemplateDecision.REFUSED, [problem])
            )
            continue
        else:
            verdict = TemplateDecision.UPDATED
        if verdict != TemplateDecision.UNCHANGED:
            view.templates[tpl.key] = TemplateState(tpl, state.issued_count if state else 0)
            out.templates.append(tpl)
        out.decisions.append(RowDecision(row.sheet, row.row, verdict, []))


def decide_batch(
    customers: Sequence[CustomerRow],
    templates: Sequence[TemplateRow],
    requests: Sequence[RequestRow],
    view: LedgerView,
    ctx: BatchContext,
    next_issuance_id: Callable[[], str],
) -> BatchOutcome:
    """Decide every row of a workbook: Customers, then Templates, then Requests."""
    out = BatchOutcome()
    decide_customers(customers, view, out)
    decide_templates(templates, view, out)
    decide_requests(requests, view, ctx, out, next_issuance_id)
    return out
