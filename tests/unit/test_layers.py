"""The layers stay mechanical: import-linter checks which layer imports which (`make lint`);
this checks what it cannot see, an import of our own code hidden inside a function, the usual
way to dodge a cycle between two modules that should not depend on each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("bot", "handlers", "content", "storage", "admin")
# Where a function-level import is the point: the CLI imports a command's modules only when
# that command runs (`binhyen --help` stays fast), and the app factory and the runtime build
# only what the settings ask for (no Redis client in the embedded default).
COMPOSITION_ROOTS = {
    "bot/cli.py",
    "bot/app.py",
    "bot/runtime.py",
    "bot/indicators_cli.py",
    "bot/keys_cli.py",
    "bot/retention_cli.py",
    "bot/report_cli.py",
    "admin/cli.py",
}


def _own(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in OURS


def _hidden_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and _own(node.module):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module}")
            elif isinstance(node, ast.Import) and any(_own(a.name) for a in node.names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} import")
    return found


def test_no_module_of_ours_is_imported_inside_a_function() -> None:
    hidden = []
    for folder in OURS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative in COMPOSITION_ROOTS or "/migrations/" in relative:
                continue
            hidden += _hidden_imports(path)
    assert hidden == []
