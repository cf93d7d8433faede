"""The README's walkthrough reproduces: its commands, run in order in a scratch folder, print
what the README shows, numbers included.

Rules for the README's `## Walkthrough` section:
- every `$ voucher-batch ...` line inside a fenced `sh` block is run, in order, in one scratch
  folder holding a copy of `sample_sheets/`, against the default ledger of that folder;
- the lines after a command, up to the next `$` line or the end of the block, are what it
  prints (stdout, then stderr); a line `...` stands for any number of lines;
- `<!-- walkthrough: fill-review SOURCE TARGET -->` is the reviewer's part: the demo's
  scripted reviewer fills in SOURCE and saves TARGET (a person does this in Excel);
- what differs from run to run is compared by shape only: the scratch folder is shown as
  `/home/ops`, the random part of an export ID, and the clock time an entry was
  recorded (its business date stays).
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.workbooks import _main, run_in_process
from voucher_batch.services import demo

ROOT = Path(__file__).resolve().parents[2]
SHOWN_HOME = "/home/ops"
VOLATILE = [
    (re.compile(r"\bEXP-(\d{8})-[0-9A-F]+\b"), r"EXP-\1-XXXXXX"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC\b"), "YYYY-MM-DD HH:MM UTC"),
]


@dataclass
class Step:
    command: list[str] | None = None
    fill_review: tuple[str, str] | None = None
    expected: list[str] = field(default_factory=list)
    line: int = 0


def walkthrough(text: str) -> list[Step]:
    lines = text.splitlines()
    start = lines.index("## Walkthrough")
    steps: list[Step] = []
    in_block = False
    for number, raw in enumerate(lines[start + 1 :], start=start + 2):
        if raw.startswith("## "):
            break
        if raw.startswith("```"):
            in_block = raw == "```sh" and not in_block
            continue
        fill = re.fullmatch(r"<!-- walkthrough: fill-review (\S+) (\S+) -->", raw.strip())
        if fill and not in_block:
            steps.append(Step(fill_review=(fill[1], fill[2]), line=number))
        elif in_block and raw.startswith("$ voucher-batch "):
            steps.append(Step(command=shlex.split(raw[2:])[1:], line=number))
        elif in_block and raw.startswith("$ "):
            steps.append(Step(line=number))  # a shell line the walkthrough does not run
        elif in_block and steps and steps[-1].command is not None:
            steps[-1].expected.append(raw)
    return steps


def normalise(text: str, folder: Path) -> list[str]:
    text = text.replace(str(folder), SHOWN_HOME)
    for pattern, shown in VOLATILE:
        text = pattern.sub(shown, text)
    return [line.rstrip() for line in text.splitlines()]


def matches(expected: list[str], actual: list[str]) -> bool:
    """`...` in `expected` stands for any run of lines (including none)."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def test_the_walkthrough_parses_into_commands() -> None:
    steps = walkthrough((ROOT / "README.md").read_text(encoding="utf-8"))
    commands = [s.command for s in steps if s.command]
    assert len(commands) >= 10
    assert any(c[-2:] == ["show", "--json"] or "show" in c for c in commands)
    assert any(s.fill_review for s in steps), "the review step needs a filled workbook"


def test_matching_treats_dots_as_any_lines() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert not matches(["a 1"], ["a 2"])


@pytest.mark.slow
def test_the_readme_walkthrough_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "sample_sheets", tmp_path / "sample_sheets")
    variables = {"VOUCHER_BATCH_OPERATOR": "ops.lead"}
    for name in ("VOUCHER_BATCH_LEDGER", "VOUCHER_BATCH_AS_OF", "VOUCHER_BATCH_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    differences: list[str] = []
    for step in walkthrough((ROOT / "README.md").read_text(encoding="utf-8")):
        if step.fill_review:
            source, target = (tmp_path / p for p in step.fill_review)
            demo.scripted_review(source, target)
            continue
        if step.command is None:
            continue
        result = run_in_process(_main(), step.command, variables, tmp_path)
        actual = normalise(result.stdout + result.stderr, tmp_path)
        if not matches(normalise("\n".join(step.expected), tmp_path), actual):
            differences.append(
                f"README line {step.line}: voucher-batch {shlex.join(step.command)}\n"
                + "  README shows:\n"
                + "".join(f"    {line}\n" for line in step.expected)
                + f"  it printed (exit {result.code}):\n"
                + "".join(f"    {line}\n" for line in actual)
            )
    assert not differences, "\n".join(differences)
