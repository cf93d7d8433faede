"""What a batch records and what the next batch reads back of it (R9, R15), on SQLite and
PostgreSQL: the requests already made, each with its content and latest status, and
resends told apart from conflicts by their content."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.workbooks import LATER, customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.domain.model import IssuanceStatus, RequestContent
from voucher_batch.domain.review import NewDecision
from voucher_batch.domain.vocabulary import RequestDecision
from voucher_batch.ledger import BatchInfo, Ledger
from voucher_batch.services import runner

AS_OF = date(2026, 11, 2)


def _ctx(url: str) -> services.Context:
    c = services.Context(Ledger(url), "ops.lead", AS_OF)
    c.ledger.init()
    services.quota_change(c, "grant", 10_000, "sales.rep", "", "")
    return c


def _ingest(c: services.Context, path: Path, requests: list[list[object]]) -> list[str]:
    book = write_workbook(
        path,
        {
            "Customers": [customer("100012340001")],
            "Templates": [template("Starter Trial", 1000)],
            "Requests": requests,
        },
    )
    result = services.ingest(c, book, path.parent / "out")
    assert result.recorded
    return _request_decisions(result.decisions_path)


def _request_decisions(decisions: Path) -> list[str]:
    """The Decision column of the Requests sheet of a decision workbook."""
    ws = openpyxl.load_workbook(decisions, read_only=True)["Requests"]
    rows = list(ws.iter_rows(values_only=True))
    column = rows[0].index("Decision")
    return [str(r[column]) for r in rows[1:]]


def test_requests_read_back_with_their_content_and_latest_status(
    ledger_url: str, tmp_path: Path
) -> None:
    c = _ctx(ledger_url)
    _ingest(c, tmp_path / "a.xlsx", [request("R-1"), request("R-2", revenue=7000)])
    with c.ledger.unit_of_work(write=True) as uow:
        info = BatchInfo("review", "r.xlsx", "0" * 64, "ops.lead", AS_OF, {})
        rejected = NewDecision(
            "ISS-000001", IssuanceStatus.REJECTED, AS_OF, "reviewer.one", "no", None, None
        )
        uow.record_reviews(info, [rejected])
        uow.commit()
    with c.ledger.unit_of_work() as uow:
        # spelled as people may write them (R15); R-9 was never made
        found = uow.requests(["r-1", " R-2 ", "Ｒ-1", "R-9"])
    assert sorted(found) == ["r-1", "r-2"]
    one, two = found["r-1"], found["r-2"]
    assert (one.request_id, one.issuance_id, one.status) == (
        "R-1",
        "ISS-000001",
        IssuanceStatus.REJECTED,
    )
    assert (two.request_id, two.issuance_id, two.status) == (
        "R-2",
        "ISS-000002",
        IssuanceStatus.PENDING,
    )
    assert two.content == RequestContent(
        "starter trial", "100012340001", 7000, LATER, "Evaluating the service", "ops.analyst"
    )
    assert one.content.estimated_revenue == 5000 and one.amount == 1000


def test_a_resend_is_told_from_a_conflict_by_its_content(ledger_url: str, tmp_path: Path) -> None:
    """Rows with one Request ID, in the ledger and in the batch, are judged on the content
    each carries: the same content is already submitted, any other is a conflict."""
    c = _ctx(ledger_url)
    first = _ingest(c, tmp_path / "a.xlsx", [request("R-1"), request("R-2", revenue=7000)])
    assert first == [RequestDecision.PENDING_APPROVAL] * 2
    again = _ingest(
        c,
        tmp_path / "b.xlsx",
        [
            request("r-2", revenue=7000),  # the same request, spelled otherwise
            request("R-1", revenue=7000),  # R-2's content under R-1's ID
            request("R-3"),  # R-1's content under a new ID
        ],
    )
    assert again == [
        RequestDecision.ALREADY_SUBMITTED,
        RequestDecision.REFUSED,
        RequestDecision.PENDING_APPROVAL,
    ]
    assert services.quota_show(c).pending == 3000


def test_the_cycle_collector_is_off_while_a_batch_is_decided_and_back_on_after(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real ingest decides and records with Python's cycle collector held off, and it is on
    again afterwards (a failing batch: tests/unit/test_collection.py)."""
    c = _ctx(ledger_url)
    assert gc.isenabled()
    seen: list[bool] = []
    real = runner.decide_and_record

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "decide_and_record", spy)
    _ingest(c, tmp_path / "a.xlsx", [request("R-1")])
    assert seen == [False] and gc.isenabled()
