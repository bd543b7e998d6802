"""The code-mention prefilter: mentions in comments, strings and plain imports do not count."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mixed_tree import sources

from gradlint import engine
from gradlint.analyzer.code_mentions import code_mentions, mentions_in_code
from gradlint.analyzer.sources import SourceUnit
from gradlint.rules import DEFAULT_OFF, RULE_MODULES, get_rule

TOKEN = ("GradientTape",)
#: The rules the GradientTape prefilter serves (GL100 has its own: a ``noqa`` comment).
ALL_CODES = sorted(code for code in RULE_MODULES if code not in DEFAULT_OFF)

INERT = {
    "comment": "x = 1  # with tf.GradientTape() as tape:\n",
    "docstring": 'def f():\n    """\n    with tf.GradientTape() as tape:\n    """\n',
    "string": "NAME = 'GradientTape'\n",
    "bytes and raw": 'A = rb\'GradientTape\'\nB = R"""GradientTape"""\n',
    "hash inside a string": "s = '#'; t = 'GradientTape'\n",
    "escaped quote": "s = 'it\\'s GradientTape'\n",
    "plain from-import": "from tensorflow.python.eager.backprop import GradientTape  # line: 7\n",
    "plain import of several": "from tensorflow import Variable, GradientTape, zeros\n",
    "parenthesized import": "from tensorflow import (\n    Variable,\n    GradientTape,\n)\n",
    "parenthesized on one line": "from tensorflow import (GradientTape, zeros)\n",
    "relative import": "from .backprop import GradientTape\n",
    "triple quotes over lines": "X = '''\nGradientTape\n'''\n",
}

CODE = {
    "call": "with tf.GradientTape() as tape:\n    pass\n",
    "alias import": "from tensorflow import GradientTape as T\n",
    "alias in parentheses": "from tensorflow import (\n    GradientTape as T,\n)\n",
    "assignment": "Tape = tf.GradientTape\n",
    "f-string field": "s = f'{tf.GradientTape()}'\n",
    "after a semicolon": "from tensorflow import zeros; t = GradientTape()\n",
    "import then call": "from tensorflow import GradientTape\nt = GradientTape()\n",
    "class definition": "class GradientTape:\n    pass\n",
    "longer name": "from horovod.tensorflow import DistributedGradientTape as D\n",
    "dotted module import": "import keras.GradientTape_utils\n",
    "after a string with a hash": "s = '#'\nwith tf.GradientTape() as tape:\n    pass\n",
    "unterminated string before": "s = 'oops\nwith tf.GradientTape() as tape:\n    pass\n",
    # Regressions found in review:
    "alias on the next line": "from tensorflow import (\n    GradientTape\n    as Tape,\n)\n",
    "alias after a comment": "from tensorflow import (GradientTape  # c\n as T)\n",
    "nested f-string quotes (3.12)": 'print(f"{"#"}"); tape = tf.GradientTape()\n',
    "nested f-string triple quotes": "s = f\"{\"'''\"}\"\nt = tf.GradientTape()\nu = ''' '''\n",
    "nested f-string condition": 'x = f"{"a" if GradientTape else "b"}"\n',
    "crlf continuation in a string": "s = 'a\\\r\nb' ; tf.GradientTape() ; t = 'c'\r\n",
    "import opener inside a string": 's = """\nfrom x import (  # """\nGradientTape\n',
    "import in an f-string field": 's = f"""\nfrom x import (  #{\nGradientTape\n}"""\n',
}


@pytest.mark.parametrize("text", INERT.values(), ids=INERT.keys())
def test_inert_mentions_do_not_count(text: str) -> None:
    assert code_mentions(text, TOKEN) == []


@pytest.mark.parametrize("text", CODE.values(), ids=CODE.keys())
def test_mentions_that_can_be_code_count(text: str) -> None:
    assert mentions_in_code(text, TOKEN)


def test_offsets_are_those_of_the_code_mentions_only() -> None:
    text = "# GradientTape\nwith tf.GradientTape() as t:\n    s = 'GradientTape'\n"
    assert code_mentions(text, TOKEN) == [text.index("tf.GradientTape") + 3]


def test_every_example_with_a_finding_mentions_the_tape_in_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The prefilter is exact only if no finding can come from a file it drops: analyzed
    with the prefilter off, every source with a finding passes it."""
    import gradlint.analyzer.code_mentions as module

    monkeypatch.setattr(module, "mentions_in_code", lambda text, tokens: True)
    with_findings = 0
    for name, text in sources().items():
        for finding in engine.analyze_unit(SourceUnit(path=f"{name}.py", text=text), ALL_CODES):
            with_findings += 1
            assert code_mentions(text, get_rule(finding.code).required_text), name
    assert with_findings > 40


def test_a_file_with_only_a_docstring_example_is_never_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_parse(*args: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(engine, "_parse", no_parse)
    text = (
        '"""Example:\n\n    with tf.GradientTape() as tape:\n        loss = model(x)\n'
        '    grads = tape.gradient(loss, model.trainable_variables)\n"""\n'
        "from tensorflow.python.eager.backprop import GradientTape\n"
    )
    assert not engine.needs_parse(text, ALL_CODES)
    assert engine.analyze_unit(SourceUnit(path="lib.py", text=text), ALL_CODES) == []
    # The same text as a notebook program is parsed (a cell's syntax error is reported).
    assert engine.needs_parse(text, ALL_CODES, "notebook")


FROZEN_STEP = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()


def unrelated():
    return 1


def step(model, x):
    with tf.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    return loss
"""


def test_a_worker_reuses_the_mentions_the_prefilter_found(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The main process lexes a file once; the unit it hands on carries what it found."""
    from gradlint import runner
    from gradlint.analyzer import code_mentions as module
    from gradlint.settings import Settings

    (tmp_path / "step.py").write_text(FROZEN_STEP)
    handed: list[SourceUnit] = []

    def capture(units, codes, jobs=None, pool=None):
        units = list(units)
        handed.extend(units)
        return [[] for _ in units]

    monkeypatch.setattr(runner, "analyze_units", capture)
    from gradlint.discovery import collect_files

    runner.run(collect_files([str(tmp_path)], []), ALL_CODES, Settings(use_cache=False))
    (unit,) = handed
    # each required text found is lexed once, all together (``tape.gradient(`` too)
    assert unit.mentions[TOKEN] == tuple(code_mentions(FROZEN_STEP, TOKEN))
    assert unit.mentions[("tape.gradient(",)] == (FROZEN_STEP.index("tape.gradient("),)

    # In a fresh process nothing is known: the carried offsets are all it needs.
    monkeypatch.setattr(module, "_known", {})

    def no_lexing(*args):
        raise AssertionError("lexed again")

    monkeypatch.setattr(module, "_code_mentions", no_lexing)
    fresh = SourceUnit(path="step.py", text=FROZEN_STEP, mentions=unit.mentions)
    assert [f.code for f in engine.analyze_unit(fresh, ALL_CODES)] == ["GL001"]


#: The lexer's first form: a prefix matched by the pattern, bodies one character at a time.
#: The faster one must find exactly its spans.
_REFERENCE_LEXEME = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
    | (?P<prefix>[rRbBuUfF]{0,2})
      (?P<string>
          '''(?:\\(?:\r\n|.)|[^\\])*?'''
        | \"\"\"(?:\\(?:\r\n|.)|[^\\])*?\"\"\"
        | '(?:\\(?:\r\n|.)|[^\\'\r\n])*'
        | "(?:\\(?:\r\n|.)|[^\\"\r\n])*"
      )
    """,
    re.VERBOSE | re.DOTALL,
)
_PIECES = ["'", '"', "'''", '"""', "\\", "#", "\n", "\r\n", " ", "x", "f", "r", "b", "R", "F"]
_PIECES += ["u", "{", "}", "rb", "fr", "if", "GradientTape", "(", "''", '""']


def _reference_spans(text: str) -> list[tuple[int, int, bool]]:
    """What the first lexer recorded: (start, end, may hold code) per span."""
    from gradlint.analyzer.code_mentions import _balanced_fields

    spans = []
    for match in _REFERENCE_LEXEME.finditer(text):
        prefix = match.group("prefix") or ""
        is_f = "f" in prefix or "F" in prefix
        spans.append((match.start(), match.end(), is_f))
        if is_f and not _balanced_fields(match.group("string")):
            spans.append((match.end(), len(text) + 1, True))
            break
    return spans


def _spans(text: str) -> list[tuple[int, int, bool]]:
    from gradlint.analyzer.code_mentions import _InertSpans

    spans = _InertSpans(text, len(text))
    return list(zip(spans.starts, spans.ends, spans.code_inside, strict=True))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_the_lexer_finds_the_spans_of_the_reference_pattern(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _spans(text) == _reference_spans(text)


@pytest.mark.parametrize(
    "text",
    ["rb'x'", "f'{a}'b'c'", "'a'f'b'", "xf'{'", "frb'x'", "Rb'''a\\''''", "if'x'#c\n", "u''''"],
)
def test_string_prefixes_are_read_back_as_the_pattern_matched_them(text: str) -> None:
    assert _spans(text) == _reference_spans(text)
