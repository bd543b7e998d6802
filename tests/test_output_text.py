"""Text format: one line per finding, and ``--show-source`` with a caret range."""

from __future__ import annotations

from pathlib import Path

from gradlint.analyzer.findings import Finding
from gradlint.output import Report, get_renderer
from gradlint.output.text import source_excerpt

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


def test_show_source_underlines_the_range(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\ny = tape.gradient(l, v)\n")
    report = Report(
        [finding(line=2, column=5, end_column=24)], 1, quiet=True, show_source=True, root=tmp_path
    )
    out = get_renderer("text")(report).splitlines()
    assert out[1] == "y = tape.gradient(l, v)"
    assert out[2] == "    " + "^" * 19


def test_show_source_keeps_tabs_so_carets_line_up():
    assert source_excerpt(finding(column=3, end_column=5), "\t\tab")[1] == "\t\t^^"


def test_show_source_multiline_finding_underlines_to_end_of_first_line():
    excerpt = source_excerpt(finding(line=1, column=5, end_line=3, end_column=2), "g = f(a,")
    assert excerpt == ["g = f(a,", "    ^^^^"]


def test_show_source_zero_width_gets_one_caret():
    assert source_excerpt(finding(column=1, end_column=1), "")[1] == "^"


def test_show_source_missing_file_prints_no_excerpt(tmp_path):
    report = Report([finding(path="gone.py")], 1, quiet=True, show_source=True, root=tmp_path)
    assert get_renderer("text")(report) == "gone.py:2:5: GL001 gradients never applied\n"


def test_show_source_on_notebook_cell_line():
    nb = "tests/fixtures/notebooks/frozen_step_function.ipynb"
    f = finding(path=nb, cell=4, line=5, column=13, end_column=59, file_line=44)
    out = get_renderer("text")(Report([f], 1, quiet=True, show_source=True, root=ROOT))
    lines = out.splitlines()
    assert lines[1] == "    grads = tape.gradient(loss, model.trainable_variables)"
    assert lines[2] == " " * 12 + "^" * 46
