"""Text format: one line per finding, and ``--show-source`` with a caret range."""

from __future__ import annotations

import re
from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.output import Report, get_renderer

ROOT = Path(__file__).resolve().parents[1]


def finding(**kw) -> Finding:
    base = dict(
        code="GL001",
        message="gradients never applied",
        path="a.py",
        line=2,
        column=5,
        end_line=2,
        end_column=9,
    )
    base.update(kw)
    return Finding(**base)


def test_line_format_and_summary():
    out = get_renderer("text")(Report([finding()], files_checked=3))
    assert (
        out
        == "a.py:2:5: GL001 gradients never applied\nFound 1 problem in 1 file (3 files checked).\n"
    )


def test_notebook_location_names_the_cell():
    out = get_renderer("text")(Report([finding(cell=4, file_line=40)], 1, quiet=True))
    assert out == "a.py:cell 4:2:5: GL001 gradients never applied\n"


def frame(report: Report) -> list[str]:
    return get_renderer("text")(report).splitlines()[1:]


def test_show_source_is_a_code_frame_with_line_numbers(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\ny = tape.gradient(l, v)\nz = 3\n")
    report = Report(
        [finding(line=2, column=5, end_column=24)], 1, quiet=True, show_source=True, root=tmp_path
    )
    assert frame(report) == [
        "  |",
        "1 | x = 1",
        "2 | y = tape.gradient(l, v)",
        "  |     " + "^" * 19 + " GL001",
        "3 | z = 3",
        "  |",
    ]


def test_show_source_shows_every_line_of_a_multiline_call(tmp_path):
    lines = [f"a{i} = {i}" for i in range(1, 9)]
    lines[8:8] = ["grads = tape.gradient(", "    loss,", "    weights)", "b = 1", "c = 2", "d = 3"]
    (tmp_path / "a.py").write_text("\n".join(lines) + "\n")
    f = finding(line=9, column=9, end_line=11, end_column=13)
    out = frame(Report([f], 1, quiet=True, show_source=True, root=tmp_path))
    assert out == [
        "   |",
        " 7 | a7 = 7",
        " 8 | a8 = 8",
        " 9 | grads = tape.gradient(",
        "   |         ^^^^^^^^^^^^^^",
        "10 |     loss,",
        "   |     ^^^^^",
        "11 |     weights)",
        "   |     ^^^^^^^^ GL001",
        "12 | b = 1",
        "13 | c = 2",
        "   |",
    ]


def test_show_source_keeps_tabs_so_carets_line_up(tmp_path):
    (tmp_path / "a.py").write_text("\t\tab\n")
    f = finding(line=1, column=3, end_line=1, end_column=5)
    assert frame(Report([f], 1, quiet=True, show_source=True, root=tmp_path))[2] == (
        "  | \t\t^^ GL001"
    )


def test_show_source_zero_width_gets_one_caret(tmp_path):
    (tmp_path / "a.py").write_text("\n")
    f = finding(line=1, column=1, end_line=1, end_column=1)
    assert frame(Report([f], 1, quiet=True, show_source=True, root=tmp_path))[2] == "  | ^ GL001"


def test_colour_wraps_the_same_text_in_ansi_codes(tmp_path):
    plain = get_renderer("text")(Report([finding()], 1, quiet=True))
    coloured = get_renderer("text")(Report([finding()], 1, quiet=True, color=True))
    assert "\x1b[" in coloured and "\x1b[" not in plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_show_source_missing_file_prints_no_excerpt(tmp_path):
    report = Report([finding(path="gone.py")], 1, quiet=True, show_source=True, root=tmp_path)
    assert get_renderer("text")(report) == "gone.py:2:5: GL001 gradients never applied\n"


def test_show_source_on_notebook_cell_line():
    nb = "tests/fixtures/notebooks/frozen_step_function.ipynb"
    f = finding(path=nb, cell=4, line=5, column=13, end_column=59, file_line=44)
    out = get_renderer("text")(Report([f], 1, quiet=True, show_source=True, root=ROOT))
    lines = out.splitlines()
    assert "5 |     grads = tape.gradient(loss, model.trainable_variables)" in lines
    carets = lines[
        lines.index("5 |     grads = tape.gradient(loss, model.trainable_variables)") + 1
    ]
    assert carets == "  | " + " " * 12 + "^" * 46 + " GL001"
