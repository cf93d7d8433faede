"""Charts as inline SVG (matplotlib's SVG backend: offline, small, deterministic).

Each function takes plain numbers and returns an `<svg>` element as text, ready to be
placed in a report; text stays text (searchable, selectable), ids are stable between runs.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("svg")
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "voucher-batch",
        "font.family": "sans-serif",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)
INK, ACCENT, GOOD, BAD, WAIT = "#1f2933", "#1f5fa8", "#1b7f3b", "#b42318", "#d9a21b"
_THOUSANDS = FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def _svg(fig: Figure, label: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
    return re.sub(r"<svg ", f'<svg role="img" aria-label="{_attr(label)}" ', text, count=1)


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def burndown(points: Sequence[tuple[date, int, int, int]], title: str) -> str:
    """The remaining quota day by day (a step line), with each day's grants (+) and
    reclaims (−) marked where they moved it."""
    fig = Figure(figsize=(7.5, 2.8))
    ax = fig.subplots()
    days = [p[0].day for p in points]
    ax.step(days, [p[1] for p in points], where="post", color=ACCENT, linewidth=2)
    marked = False
    for column, colour, marker, sign, label, offset in (
        (2, GOOD, "^", "+", "quota granted", 6),
        (3, BAD, "v", "\u2212", "quota reclaimed", -12),
    ):
        moves = [(p[0].day, p[1], p[column]) for p in points if p[column]]
        if not moves:
            continue
        marked = True
        ax.scatter(
            [m[0] for m in moves],
            [m[1] for m in moves],
            color=colour,
            marker=marker,
            zorder=3,
            label=label,
        )
        for day, remaining, amount in moves:
            ax.annotate(
                f"{sign}{amount:,}",
                (day, remaining),
                textcoords="offset points",
                xytext=(0, offset),
                ha="center",
                color=colour,
            )
    if marked:
        ax.legend(frameon=False, loc="upper right")
    ax.axhline(0, color=INK, linewidth=0.6)
    ax.set_xlim(0.5, max(days) + 0.5 if days else 1)
    ax.set_xlabel("day of month")
    ax.set_ylabel("remaining quota")
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)


def stacked_by_status(
    months: Sequence[str],
    approved: Sequence[int],
    rejected: Sequence[int],
    pending: Sequence[int],
    title: str,
) -> str:
    fig = Figure(figsize=(7.5, 2.8))
    ax = fig.subplots()
    x = range(len(months))
    ax.bar(x, approved, color=GOOD, label="approved")
    ax.bar(x, pending, bottom=approved, color=WAIT, label="pending at month end")
    bottom = [a + p for a, p in zip(approved, pending, strict=True)]
    ax.bar(x, rejected, bottom=bottom, color=BAD, label="rejected (returned)")
    ax.set_xticks(list(x), [m[2:] for m in months], rotation=0)
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.legend(frameon=False, ncols=3, loc="upper left", bbox_to_anchor=(0, -0.15))
    ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)


def top_bars(labels: Sequence[str], values: Sequence[int], title: str) -> str:
    fig = Figure(figsize=(7.5, 0.6 + 0.3 * max(len(labels), 1)))
    ax = fig.subplots()
    y = range(len(labels))
    ax.barh(list(y), list(values), color=ACCENT)
    ax.set_yticks(list(y), [label[:40] for label in labels])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_THOUSANDS)
    for i, v in enumerate(values):
        ax.annotate(f"{v:,}", (v, i), textcoords="offset points", xytext=(4, -3), fontsize=8)
    ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)
