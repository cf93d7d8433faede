"""Hypothesis: for any sequence of grants and batches, issued never exceeds quota (R2)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_engine import CTX, ids, tpl, view
from voucher_batch.domain.batch import RequestRow
from voucher_batch.domain.engine import decide_batch
from voucher_batch.domain.model import TemplateState
from voucher_batch.domain.quota import Balance

AMOUNTS = [1, 500, 1000, 2500, 10_000]

request_rows = st.lists(
    st.tuples(
        st.integers(0, 30),  # request id: small range so replays happen
        st.sampled_from(range(len(AMOUNTS))),
        st.sampled_from(["100001", "100002", "999999"]),
        st.integers(0, 3),  # revenue: differing content on replay gives conflicts
    ),
    max_size=25,
)
steps = st.lists(st.one_of(st.integers(1, 20_000), request_rows), max_size=12)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_issued_never_exceeds_quota(sequence: list[object]) -> None:
    v = view(quota=0)
    for i, amount in enumerate(AMOUNTS):
        t = tpl(f"T{'x' * i}", amount)
        v.templates[t.key] = TemplateState(t, 0)
    next_id = ids()
    accepted: dict[str, int] = {}
    for step in sequence:
        if isinstance(step, int):
            b = v.balance
            v.balance = Balance(b.quota + step, b.pending, b.approved, b.rejected)
            continue
        assert isinstance(step, list)
        rows = [
            RequestRow(
                "Requests", n + 2, f"R{rid}", f"T{'x' * t}", uin, rev, date(2027, 1, 1), "r", None
            )
            for n, (rid, t, uin, rev) in enumerate(step)
        ]
        before = v.balance
        out = decide_batch([], [], rows, v, CTX, next_id)
        for d, row in zip(out.decisions, rows, strict=True):
            assert d.remaining is not None and d.remaining >= 0
            if d.decision == "Pending approval":
                assert row.request_id not in accepted
                accepted[str(row.request_id)] = int(d.amount or 0)
            elif d.decision == "Already submitted":
                assert row.request_id in accepted
        assert v.balance.issued <= v.balance.quota
        assert v.balance.quota == before.quota
        assert v.balance.issued == sum(accepted.values())
