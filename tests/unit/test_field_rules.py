"""The field rules as small domain functions (R4, R5, R7, R10): each accepts its bounds and
refuses just past them; the workbook checks call these same functions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from voucher_batch.domain import fields

CASES: list[tuple[Callable[..., bool], list[tuple[object, ...]], list[tuple[object, ...]]]] = [
    (
        fields.template_name_ok,
        [("A",), ("Starter Trial",), ("x" * 20,)],
        [("",), ("x" * 21,), ("Trial 2",), ("a-b",)],
    ),
    (fields.amount_in_range, [(1,), (1_000_000,)], [(0,), (-5,), (1_000_001,)]),
    (
        fields.validity_ok,
        [(1, "days"), (366, "days"), (1, "months"), (12, "months")],
        [(0, "days"), (367, "days"), (13, "months")],
    ),
    (fields.description_ok, [("",), ("d" * 200,)], [("d" * 201,)]),
    (fields.request_id_ok, [("R",), ("r" * 40,)], [("",), ("r" * 41,)]),
    (fields.revenue_ok, [(0,), (10**15,)], [(-1,)]),
    (fields.reason_ok, [("why",), ("w" * 500,)], [("",), ("w" * 501,)]),
    (fields.comment_ok, [("",), ("c" * 500,)], [("c" * 501,)]),
]


@pytest.mark.parametrize(("rule", "good", "bad"), CASES, ids=[c[0].__name__ for c in CASES])
def test_each_field_rule_accepts_its_bounds_and_refuses_past_them(
    rule: Callable[..., bool], good: list[tuple[object, ...]], bad: list[tuple[object, ...]]
) -> None:
    assert all(rule(*args) for args in good)
    assert not any(rule(*args) for args in bad)


def test_the_workbook_checks_use_the_domain_rules() -> None:
    from voucher_batch.workbook import sheet_models as validation

    assert validation.fields is fields
    assert validation.period_ok is fields.period_ok
    assert fields.period_ok("12 months") and not fields.period_ok("13 months")
    assert fields.period_ok("366 days") and not fields.period_ok("367 days")
