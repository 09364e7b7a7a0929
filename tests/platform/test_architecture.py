"""Rules about imports that import-linter cannot express, checked over the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("accounts", "courses", "micromastery", "payoff", "practice")
IMPORTERS = (*PROJECT_PACKAGES, "bench", "tests")


def private_name_imports(source: str) -> list[str]:
    """``from a.b import _name`` of a project module: a private name used from outside."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom) or node.module is None or node.level:
            continue
        if node.module.split(".")[0] not in PROJECT_PACKAGES:
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
    return found


def test_private_name_imports_are_found():
    source = "from practice.selectors import enrollment_list, _progress_of\nfrom os import _exit\n"
    assert private_name_imports(source) == ["line 1: from practice.selectors import _progress_of"]


def test_no_module_imports_a_private_name_of_another():
    offenders = {
        str(path.relative_to(ROOT)): found
        for package in IMPORTERS
        for path in sorted((ROOT / package).rglob("*.py"))
        if (found := private_name_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "Make the name public (a selector, a service) or keep it inside."
