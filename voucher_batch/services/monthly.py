"""`report monthly`: the quota report of one month as HTML (with charts), xlsx and JSON.

Pipeline: read the ledger's facts -> compute (domain.report, pure) -> render the HTML
(Jinja, inline SVG charts, every chart's numbers in a table) and the xlsx (same figures and
labels, values not formulas; its layout: `monthly_book`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..calendars import business_calendar
from ..domain.follow_up import FollowUp
from ..domain.months import parse_month
from ..domain.report import MonthlyReport, monthly_report
from ..errors import VoucherBatchError
from ..render import render_html
from ..workbook.writer import write_workbook
from .context import Context, prepare_outputs
from .follow_up import follow_up_tables, report_follow_up
from .monthly_book import FIGURE_LABELS, HTML_LIST_LIMIT, monthly_tables
from .names import MONTHLY, numbered, write_pair
from .progress import NO_PROGRESS, Progress


class MonthError(VoucherBatchError):
    """--month is not YYYY-MM."""


@dataclass(frozen=True)
class MonthlyResult:
    report: MonthlyReport
    html_path: Path
    xlsx_path: Path
    follow_up: FollowUp  # after approval: utilisation, expiry, conversion

    def as_json(self) -> dict[str, object]:
        """The contract keys, then the keys the follow-up adds."""
        return {**self.report.as_json(), **self.follow_up.as_json()}


def report_monthly(
    ctx: Context,
    month_text: str,
    out_dir: Path,
    calendar: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> MonthlyResult:
    # longer than most: one pipeline read top to bottom; the two writers are closures over
    # the report so that `write_pair` can name and place both files together
    try:
        month = parse_month(month_text)
    except ValueError as exc:
        raise MonthError(f"--month: {exc}") from None
    out_dir = prepare_outputs(ctx, out_dir)
    progress.phase("reading the ledger")
    with ctx.ledger.unit_of_work() as uow:
        moves, facts = uow.report_facts()
    years = [d.year for d in (m.day for m in moves)] + [f.requested_on.year for f in facts]
    first_year = min([*years, month[0] - 1])
    cal = business_calendar(calendar, range(first_year, max(month[0], ctx.business_date.year) + 1))
    progress.phase("computing", len(facts))
    report = monthly_report(month, ctx.business_date, moves, facts, cal)
    progress.advance(len(facts))
    follow_up = report_follow_up(ctx, report.cutoff)
    name = f"quota-{report.figures.month}"
    progress.phase("drawing charts", 4)
    charts = _charts(report)
    progress.advance(4)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    tables = monthly_tables(report, ctx.business_date, ctx.ledger.name) + follow_up_tables(
        follow_up
    )

    def write_html(path: Path, replace: bool) -> None:
        render_html(
            "monthly_report.html.j2",
            path,
            replace,
            r=report,
            f=report.figures,
            charts=charts,
            fu=follow_up,
            ledger=ctx.ledger.name,
            as_of=ctx.business_date.isoformat(),
            generated=generated,
            labels=FIGURE_LABELS,
            list_limit=HTML_LIST_LIMIT,
        )

    def write_xlsx(path: Path, replace: bool) -> None:
        progress.phase("writing the workbook", sum(len(t.rows) for t in tables))
        write_workbook(path, tables, replace, progress.advance)

    # regenerated output: replaces the previous report only if the tool wrote it and nobody
    # edited it since; otherwise quota-<month>-2.html / .xlsx, ...
    pair = write_pair(
        out_dir,
        lambda tag: (f"{name}{tag}.html", f"{name}{tag}.xlsx"),
        numbered,
        MONTHLY,
        write_html,
        write_xlsx,
    )
    return MonthlyResult(report, pair.first, pair.second, follow_up)


def _charts(report: MonthlyReport) -> dict[str, str]:
    from ..render import charts

    trend = report.trend
    top_t = report.by_template[:10]
    top_c = report.by_customer[:10]
    return {
        "burndown": charts.burndown(
            report.burndown, f"Remaining quota through {report.figures.month}"
        ),
        "status": charts.stacked_by_status(
            [m.month for m in trend],
            [m.approved for m in trend],
            [m.rejected for m in trend],
            [m.pending_end for m in trend],
            "Issued amount by status, last 12 months",
        ),
        "templates": charts.top_bars(
            [b.key for b in top_t],
            [b.requested for b in top_t],
            "Top templates by requested amount",
        ),
        "customers": charts.top_bars(
            [b.key for b in top_c],
            [b.requested for b in top_c],
            "Top customers by requested amount",
        ),
    }
