"""The static checks configured in pyproject.toml: the import contracts (layers, no cycles,
no Textual below the UI) and the type check. Each runs as its own command, as CI would."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_tool(name: str) -> subprocess.CompletedProcess[str]:
    """Run a command installed beside this Python (the venv's bin) from the project root."""
    program = Path(sys.executable).parent / name
    if not program.exists():
        pytest.fail(f"{name} is not installed beside {sys.executable}; "
                    "install the test extra: pip install -e '.[test]'")
    return subprocess.run([str(program)], capture_output=True, text=True, cwd=ROOT)


def test_the_import_contracts_are_kept() -> None:
    done = run_tool("lint-imports")
    assert done.returncode == 0, f"lint-imports failed:\n{done.stdout}{done.stderr}"


def test_the_code_type_checks() -> None:
    done = run_tool("mypy")
    assert done.returncode == 0, f"mypy failed:\n{done.stdout}{done.stderr}"
