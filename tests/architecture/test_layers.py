"""The shape of the package, checked: layers, no cycles, no private imports, a pure domain.

The import graph is built from the source (every `import`, at module level or inside a
function, relative imports resolved), so a lazy or relative import cannot hide a violation.

Layers (a module may import its own layer and the ones listed):
- `domain/`   the rules: the standard library only.
- kernel      `errors`, `settings`, `checkpoints`, `atomic`, `second_process`: the domain.
- adapters    `workbook/`, `ledger/`, `render/`, `calendars/`: the domain and the kernel
              (each adapter package only itself among the adapters).
- `services/` the use cases: the domain, the kernel and the adapters.
- `cli/`      the command line: the services and the kernel only.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import voucher_batch

PACKAGE = Path(voucher_batch.__file__).parent
ROOT = "voucher_batch"
KERNEL = {"errors", "settings", "checkpoints", "atomic", "second_process"}
ADAPTERS = {"workbook", "ledger", "render", "calendars"}
ALLOWED = {
    "domain": {"domain"},
    "kernel": {"domain", "kernel"},
    "adapter": {"domain", "kernel"},
    "services": {"domain", "kernel", "adapter", "services"},
    "cli": {"services", "kernel", "cli"},
    "entry": {"cli"},
}
HEAVY = ["pandas", "pandera", "sqlalchemy", "openpyxl", "xlsxwriter", "click", "jinja2",
         "matplotlib", "alembic", "numpy"]  # fmt: skip


@dataclass(frozen=True)
class Edge:
    source: str  # importing module
    target: str  # imported module (absolute)
    names: tuple[str, ...]  # names taken with `from ... import`
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _resolve(source: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def edges(known: dict[str, Path]) -> Iterator[Edge]:
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Edge(name, alias.name, (), node.lineno)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_package, node.level, node.module)
                plain = []
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in known:  # `from . import schema` imports a module
                        yield Edge(name, sub, (), node.lineno)
                    else:
                        plain.append(alias.name)
                if plain or not node.names:
                    yield Edge(name, target, tuple(plain), node.lineno)


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != ROOT:
        return None
    if len(parts) == 1 or parts[1] == "__main__":
        return "entry"
    head = parts[1]
    if head == "domain":
        return "domain"
    if head in KERNEL:
        return "kernel"
    if head in ADAPTERS:
        return "adapter"
    if head in ("services", "cli"):
        return head
    return "unplaced"


def graph() -> tuple[dict[str, Path], list[Edge]]:
    known = modules()
    return known, list(edges(known))


def test_every_module_belongs_to_a_layer() -> None:
    known, _ = graph()
    unplaced = sorted(m for m in known if layer(m) == "unplaced")
    assert unplaced == [], f"modules outside every layer: {unplaced}"


def test_layers_import_only_what_they_may() -> None:
    _, found = graph()
    wrong = []
    for e in found:
        src, dst = layer(e.source), layer(e.target)
        if dst is None or src is None or src == "unplaced" or dst == "unplaced":
            continue
        if dst not in ALLOWED[src] and src != dst:
            wrong.append(f"{e.source}:{e.line} ({src}) imports {e.target} ({dst})")
        if src == dst == "adapter" and e.source.split(".")[1] != e.target.split(".")[1]:
            wrong.append(f"{e.source}:{e.line} imports another adapter, {e.target}")
    assert wrong == []


def test_the_domain_uses_the_standard_library_only() -> None:
    _, found = graph()
    foreign = [
        f"{e.source}:{e.line} imports {e.target}"
        for e in found
        if layer(e.source) == "domain"
        and not e.target.startswith(f"{ROOT}.")
        and e.target.split(".")[0] not in sys.stdlib_module_names
        and e.target != "__future__"
    ]
    assert foreign == []


def test_no_module_imports_another_modules_private_names() -> None:
    _, found = graph()
    private = [
        f"{e.source}:{e.line} imports {name} from {e.target}"
        for e in found
        for name in e.names
        if name.startswith("_") and not name.startswith("__") and e.target != e.source
    ]
    private += [
        f"{e.source}:{e.line} imports the private module {e.target}"
        for e in found
        if e.target.startswith(f"{ROOT}.")
        and any(p.startswith("_") and not p.startswith("__") for p in e.target.split("."))
        and not e.source.startswith(e.target.rsplit(".", 1)[0])
    ]
    assert private == []


def test_there_is_no_import_cycle() -> None:
    known, found = graph()
    after: dict[str, set[str]] = {m: set() for m in known}
    for e in found:
        if e.target in known and e.target != e.source:
            after[e.source].add(e.target)
    cycles = _strongly_connected(after)
    assert cycles == [], f"import cycles: {cycles}"


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_importing_the_domain_loads_no_data_stack() -> None:
    domain = sorted(m for m in modules() if layer(m) == "domain")
    code = (
        "import importlib, json, sys\n"
        f"for m in {domain!r}: importlib.import_module(m)\n"
        f"print(json.dumps(sorted(h for h in {HEAVY!r} if h in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_the_checker_sees_relative_and_lazy_imports() -> None:
    """The graph builder itself: a relative import inside a function is an edge."""
    tree = {"voucher_batch.domain.x": "def f():\n    from ..ledger import uow\n"}
    path = PACKAGE / "domain" / "x.py"
    node = ast.parse(tree["voucher_batch.domain.x"])
    imp = next(n for n in ast.walk(node) if isinstance(n, ast.ImportFrom))
    target = _resolve("voucher_batch.domain.x", False, imp.level, imp.module)
    assert target == "voucher_batch.ledger"
    assert layer(target) == "adapter" and "adapter" not in ALLOWED[layer(module_name(path)) or ""]
