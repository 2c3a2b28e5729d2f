"""Project rules that keep the repository honest."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(python3 -m venv .+?)\n```", readme)
    assert len(commands) == 2, "the README must hold exactly the two set-up commands"
    test_command = next(c for c in commands if "pytest" in c)
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines


def test_the_docs_link_only_to_files_in_the_repository() -> None:
    """README and docs/RULES.md once pointed at an engineers' notes file that is not in the
    repository: a relative link must name a file or folder that is here, and every
    document the docs name (an upper-case NAME.md) must be one the repository holds."""
    broken = []
    for doc in (ROOT / "README.md", ROOT / "docs" / "RULES.md", ROOT / "benchmarks" / "README.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            path = target.split("#", 1)[0]
            if path and not re.match(r"[a-z]+:", path) and not (doc.parent / path).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert broken == []
    rules = (ROOT / "docs" / "RULES.md").read_text()
    assert "(docs/RULES.md)" in (ROOT / "README.md").read_text()  # the users' rules are linked
    assert "1024.41" in rules
    here = {path.name for path in ROOT.rglob("*.md") if ".venv" not in path.parts}
    named = set()
    for doc in (ROOT / "README.md", ROOT / "docs" / "RULES.md", ROOT / "benchmarks" / "README.md"):
        named |= set(re.findall(r"\b[A-Z][A-Z_]+\.md\b", doc.read_text()))
    assert named and named <= here, sorted(named - here)


def test_core_packages_never_import_textual() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("lossmit_tui/domain", "lossmit_tui/services", "db")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(from|import) textual", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []


def test_domain_imports_nothing_of_ours_but_itself() -> None:
    for path in (ROOT / "lossmit_tui" / "domain").rglob("*.py"):
        for match in re.finditer(r"^\s*(?:from|import) ([\w.]+)", path.read_text(),
                                 re.MULTILINE):
            module = match.group(1)
            assert not module.startswith(("db", "screens", "lossmit_tui.services",
                                          "lossmit_tui.app", "sqlmodel", "sqlalchemy")), (
                f"{path.name} imports {module}")


def test_the_code_passes_the_linter() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
