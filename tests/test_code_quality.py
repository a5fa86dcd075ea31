"""ruff, mypy and import-linter run as part of the test command, so nobody has to remember
them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_no_lint_errors() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_ruff_formatted() -> None:
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_errors() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_imports_keep_the_layering() -> None:
    """The contracts in pyproject.toml: arrows point down the layers, and probing and
    analysis import no Django."""
    # No cache: a stale graph would hide an import added since.
    script = "import sys; from importlinter.cli import lint_imports_command as run; sys.exit(run())"
    result = subprocess.run(
        [sys.executable, "-c", script, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout
