"""Meta-tests that keep code, docs and tooling in step."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import Settings

PROJECT = Path(__file__).resolve().parents[2]
README = (PROJECT / "README.md").read_text()
FRAMEWORKS = ("discord", "slack_bolt", "slack_sdk", "aiohttp.web", "feedgen", "jinja2")
LAYERS = {
    "config": set(),
    "storage": {"config"},
    "core": {"config", "storage"},
    "feeds": {"config", "storage", "core"},
    "bot": {"config", "storage", "core"},
}


def imports_of(package: str) -> list[tuple[Path, str]]:
    found = []
    for path in (PROJECT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.extend((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.extend((path, f"{node.module}.{alias.name}") for alias in node.names)
                found.append((path, node.module))
    return found


def test_core_imports_no_chat_or_web_framework() -> None:
    offending = [
        f"{path.relative_to(PROJECT)}: {name}"
        for path, name in imports_of("core")
        if any(name == f or name.startswith(f + ".") for f in FRAMEWORKS) or name == "aiohttp.web"
    ]
    assert offending == []


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_dependencies_run_one_way(package: str) -> None:
    ours = set(LAYERS) | {"cli"}
    allowed = LAYERS[package] | {package}
    offending = sorted(
        f"{path.relative_to(PROJECT)}: {name}"
        for path, name in imports_of(package)
        if name.split(".")[0] in ours and name.split(".")[0] not in allowed
    )
    assert offending == []


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_ci_runs_the_readme_test_command() -> None:
    script = (PROJECT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in script
    block = README.split("<!-- test-command -->", 1)[1].split("```")[1]
    assert "pytest" in block


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT, capture_output=True, text=True, check=False
    )


def test_ruff_check_is_clean() -> None:
    done = run_tool("ruff", "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean() -> None:
    done = run_tool("ruff", "format", "--check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean() -> None:
    done = run_tool("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
