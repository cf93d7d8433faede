"""Query pieces shared by the unit of work and the history reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select

from ..domain.model import (
    PaymentMode,
    Template,
    Usage,
    ValidityPeriod,
    ValidityStart,
)
from . import schema as t

CHUNK = 500  # values in one IN (...) list


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def latest_event_ids() -> Any:
    """issuance -> id of its latest status entry (its current status)."""
    return (
        select(func.max(t.issuance_events.c.id).label("event_id"), t.issuance_events.c.issuance)
        .group_by(t.issuance_events.c.issuance)
        .subquery()
    )


def current_issuances(*columns: Any) -> Any:
    """SELECT `columns` over every issuance joined to its current status entry (`e`) and the
    template version it was issued from (`tv`)."""
    latest = latest_event_ids()
    i, e, tv = t.issuances, t.issuance_events, t.template_versions
    return (
        select(*columns)
        .select_from(i)
        .join(latest, latest.c.issuance == i.c.id)
        .join(e, e.c.id == latest.c.event_id)
        .join(tv, tv.c.id == i.c.template_version_id)
    )


def template_from_row(r: Any) -> Template:
    return Template(
        name=r["name"],
        usage=Usage(r["usage"]),
        payment_mode=PaymentMode(r["payment_mode"]),
        amount=r["amount"],
        validity=ValidityPeriod(r["validity_count"], r["validity_unit"]),
        validity_start=ValidityStart(r["validity_start"]),
        description=r["description"],
    )
