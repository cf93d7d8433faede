"""Architecture: the domain imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
from pathlib import Path

import voucher_batch.domain

FORBIDDEN = {"pandas", "pandera", "sqlalchemy", "openpyxl", "click", "xlsxwriter", "jinja2"}


def test_domain_is_pure() -> None:
    folder = Path(voucher_batch.domain.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_cli_has_no_data_stack_imports() -> None:
    package = Path(voucher_batch.domain.__file__).parents[1]
    tree = ast.Module(body=[], type_ignores=[])
    for path in sorted((package / "cli").glob("*.py")):
        tree.body.extend(ast.parse(path.read_text()).body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mod = getattr(node, "module", None) or ""
            names = [a.name for a in node.names] + [mod]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN - {"click"}, name


def test_every_command_has_help() -> None:
    import click

    from voucher_batch.cli import main

    def walk(cmd: click.Command, path: str) -> None:
        assert cmd.help, f"{path} has no help text"
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}")

    walk(main, "voucher-batch")
