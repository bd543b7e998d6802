"""GL000: the file could not be read or parsed, so nothing else in it was checked."""

from __future__ import annotations

from gradlint.rules.base import Rule


class Unparsable(Rule):
    code = "GL000"
    name = "unanalyzable-file"
    summary = "The file could not be read or parsed; gradlint checked nothing in it."
    required_text = ()
    what_it_does = """
Reports a file that gradlint could not analyze: a syntax error, bytes that do not decode in
the file's declared encoding, a binary file, a broken notebook, or a file that vanished or
could not be read during the scan. The message gives the reason and the line. A path named
on the command line that does not exist, and a folder that cannot be listed, are reported
the same way (at line 1), and the other paths are still checked.

For speed, a `.py` file that never mentions `GradientTape` in code is not parsed at all, so
a syntax error in it is not reported; `--check-syntax` (or `check-syntax = true`) compiles
those files too, with CPython's own parser, and reports their syntax errors.
"""
    why_bad = """
A file gradlint cannot parse is a file in which a frozen training loop would go unnoticed.
Reporting it (instead of skipping it silently) keeps "no findings" meaning "checked and clean".
"""
    example = """
def train_step(x, y:
    ...
"""
    use_instead = """
def train_step(x, y):
    ...
"""
