"""``--add-noqa`` edits files in place: it must keep them what they are, as ``--fix`` does.

Regression tests: the writer used to replace a symlink with a regular file, write read-only
and hard-linked files, and overwrite an edit saved between reading and writing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gradlint import noqa_writer
from gradlint.analyzer.findings import Finding

SOURCE = "x = 1\ny = 2\n"


def _finding(path: Path, line: int = 1, code: str = "GL001") -> Finding:
    return Finding(code, "message", str(path), line, 1, line, 2)


def test_symlinked_file_is_annotated_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text(SOURCE)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    outcome = noqa_writer.add_noqa([_finding(link)])
    assert outcome.errors == [] and outcome.added == 1
    assert link.is_symlink()
    assert real.read_text() == "x = 1  # noqa: GL001\ny = 2\n"


def test_mode_is_kept(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(SOURCE)
    script.chmod(0o750)
    noqa_writer.add_noqa([_finding(script)])
    assert stat.S_IMODE(script.stat().st_mode) == 0o750
    assert "# noqa: GL001" in script.read_text()


def test_read_only_file_is_left_alone_even_for_root(tmp_path: Path) -> None:
    script = tmp_path / "ro.py"
    script.write_text(SOURCE)
    script.chmod(0o444)
    outcome = noqa_writer.add_noqa([_finding(script)])
    assert outcome.added == 0 and "read-only" in outcome.errors[0]
    assert script.read_text() == SOURCE


def test_hard_linked_file_is_left_alone(tmp_path: Path) -> None:
    script = tmp_path / "a.py"
    script.write_text(SOURCE)
    os.link(script, tmp_path / "b.py")
    outcome = noqa_writer.add_noqa([_finding(script)])
    assert outcome.added == 0 and "hard links" in outcome.errors[0]
    assert (tmp_path / "b.py").read_text() == SOURCE == script.read_text()


def test_edit_saved_meanwhile_is_not_overwritten(tmp_path: Path, monkeypatch) -> None:
    script = tmp_path / "a.py"
    script.write_text(SOURCE)
    real_compile = compile

    def compile_then_user_saves(*args, **kwargs):
        script.write_text("z = 3\n" + SOURCE)
        return real_compile(*args, **kwargs)

    monkeypatch.setattr(noqa_writer, "_check_compiles", compile_then_user_saves)
    outcome = noqa_writer.add_noqa([_finding(script)])
    assert outcome.added == 0
    assert outcome.errors == [f"{script}: not annotated: the file changed meanwhile; run again"]
    assert script.read_text() == "z = 3\n" + SOURCE
