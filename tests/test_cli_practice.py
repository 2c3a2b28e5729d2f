"""`lossmit demo --practice`: the lesson files are checked before anything is built."""

from pathlib import Path

from .test_domain_lessons import GOOD


def test_demo_practice_refuses_an_unusable_lesson_file_before_anything(tmp_path: Path) -> None:
    """`lossmit demo --practice` reads the lesson files first: a broken one is one line
    naming the file and the key, exit status 1, and no demo database is built."""
    from typer.testing import CliRunner

    from lossmit_tui.cli import app
    from lossmit_tui.services.practice import lessons_dir

    own = lessons_dir()  # beside $LOSSMIT_CONFIG, which the tests point into tmp_path
    own.mkdir(parents=True)
    (own / "qrpc.toml").write_text(GOOD.replace('audience = "specialist"',
                                                'audience = "everyone"'))
    demo = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--practice", "--no-open", "--db", str(demo)])
    assert result.exit_code == 1
    assert f"Error: {own / 'qrpc.toml'}: audience must be one of: specialist, lead" in (
        result.stderr)
    assert not demo.exists()
