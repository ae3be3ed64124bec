"""The architecture holds: the core imports no Discord, network or adapter code; features skip the adapter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "bot"
SNEAKY = "def f():\n    import discord.ext.commands\n    from aiohttp import web\n"


def parse(text: str) -> ast.Module:
    return ast.parse(text)


# Parsed when the module is collected: Python 3.11's parser can fail spuriously ("AST constructor recursion
# depth mismatch") once another test (hypothesis) has changed the recursion limit.
TREES = {path: parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}
SNEAKY_TREE = parse(SNEAKY)


def imported_modules(tree: ast.Module) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files_of(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in files_of(package):
        for module in sorted(imported_modules(TREES[path])):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("core", ("discord", "aiohttp", "httpx", "bot.discord", "bot.digest", "bot.store", "bot.updates")),
        ("digest", ("discord", "aiohttp", "bot.discord")),
        ("store", ("discord", "aiohttp", "bot.discord", "bot.digest")),
        ("updates", ("discord", "aiohttp", "bot.discord")),
        ("studio", ("discord", "bot.discord")),
    ],
)
def test_layers_import_only_downwards(package: str, forbidden: tuple[str, ...]) -> None:
    assert files_of(package), f"bot/{package} has no modules"
    assert offenders(package, forbidden) == []


def test_the_check_itself_finds_a_forbidden_import() -> None:
    assert imported_modules(SNEAKY_TREE) == {"discord.ext.commands", "aiohttp"}


def test_importing_the_core_loads_no_discord() -> None:
    code = (
        "import sys, bot.core.answers, bot.core.audit, bot.core.content, bot.digest, bot.store, bot.console\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'aiohttp')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_no_module_imports_another_modules_private_names() -> None:
    found = []
    for path, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
                found += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert found == []


def test_every_package_lists_its_face() -> None:
    missing = []
    for init in sorted(PACKAGE.glob("*/__init__.py")) + sorted(PACKAGE.glob("core/*/__init__.py")):
        tree = TREES[init]
        names = {
            t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
        }
        if "__all__" not in names:
            missing.append(str(init.relative_to(ROOT)))
    assert missing == []
