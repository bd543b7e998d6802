"""The prefilter counts a rule's required text only where it ends a name.

Keras' recurrent layers say ``go_backwards`` everywhere, and PyTorch hooks are
``register_full_backward_hook``: files that mention ``backward`` only so are no training
code, and parsing them (the PyTorch rules' facts on every such file) was most of the cost
of linting TensorFlow's own packages. The prefilter stays exact: every example with a
finding passes it.
"""

from __future__ import annotations

import pytest
from mixed_tree import sources

from gradlint import engine
from gradlint.analyzer.sources import SourceUnit
from gradlint.rules import DEFAULT_OFF, RULE_MODULES, get_rule

ALL_CODES = sorted(code for code in RULE_MODULES if code not in DEFAULT_OFF)

NOT_A_NAME_END = {
    "keras rnn": "def rnn(step, inputs, go_backwards=False):\n    if go_backwards:\n"
    "        inputs = reverse(inputs)\n    return step(inputs)\n",
    "hook": "handle = module.register_full_backward_hook(hook)\n",
    "longer names": "backwards = backward_pass(x)\nbackward2 = 1\n",
    "tape test class": "class GradientTapeTest(test.TestCase):\n    pass\n",
    "unicode continuation": "backwardé = 1\n",
}

NAME_END = {
    "method": "loss.backward()\n",
    "owner": "accelerator.backward(loss)\n",
    "function": "from torch.autograd import backward as bw\nbw(loss)\n",
    "lightning": "self.manual_backward(loss)\n",
    "end of text": "t = tf.GradientTape",
    "spaced call": "loss.backward (retain_graph=True)\n",
    "call across lines": "(loss\n .backward  # all of it\n (retain_graph=True))\n",
    "continued call": "loss.backward \\\n()\n",
    "longer name ending in it": "tape = hvd.DistributedGradientTape(tape)\n",
    "tape": "with tf.GradientTape() as tape:\n    pass\n",
    "both kinds": "x = go_backwards\nloss.backward()\n",
    "keyword after": "tape_class = GradientTape if eager else None\n",
    "alias": "from tensorflow import GradientTape as Tape\n",
}


#: The PyTorch rules start from a call of ``backward`` (or ``manual_backward``), or an
#: import of it under another name (``Rule.required_calls``): a name that only contains it,
#: or a backward that is never called, holds no backward site.
NOT_CALLED = {
    "as a value": "f = loss.backward\n",
    "end of text": "f = loss.backward",
    "private name": "grads = self._backward(grad_output)\n",
    "autograd context": "ctx.save_for_backward(x)\n",
    "longer call": "y = forward_backward(x)\n",
    "attribute compared": "if op.backward is None:\n    pass\n",
}


@pytest.mark.parametrize("text", NOT_CALLED.values(), ids=NOT_CALLED.keys())
def test_a_backward_that_is_never_called_is_not_a_mention(text: str) -> None:
    assert not engine.needs_parse(text, ALL_CODES)


def test_the_call_must_be_in_code() -> None:
    assert not engine.needs_parse("f = loss.backward  # loss.backward()\n", ALL_CODES)
    assert not engine.needs_parse("doc = 'call loss.backward() first'\n", ALL_CODES)


@pytest.mark.parametrize("text", NOT_A_NAME_END.values(), ids=NOT_A_NAME_END.keys())
def test_a_longer_name_is_not_a_mention(text: str) -> None:
    assert not engine.needs_parse(text, ALL_CODES)


@pytest.mark.parametrize("text", NAME_END.values(), ids=NAME_END.keys())
def test_a_name_that_ends_with_the_text_is_a_mention(text: str) -> None:
    assert engine.needs_parse(text, ALL_CODES)


def test_a_notebook_is_still_parsed_for_any_mention() -> None:
    """A notebook is parsed whenever the text occurs (a cell's syntax error is reported)."""
    assert engine.needs_parse(NOT_A_NAME_END["keras rnn"], ALL_CODES, "notebook")


@pytest.mark.parametrize(
    "text",
    [
        '"""Run it under a GradientTape context manager."""\n',
        "# the GradientTape records\nx = 1\n",
    ],
)
def test_a_word_that_prose_follows_is_ruled_out_without_lexing(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In Python 3 a name followed by another word is code only before a keyword (``as``,
    ``if``...): "GradientTape context" is prose wherever it stands, so the file is not
    lexed to find out (docstrings of large libraries)."""
    from gradlint.analyzer import code_mentions

    lexed: list[str] = []
    original = code_mentions.mentions_among

    def recording(text: str, token: str, present: tuple[str, ...]) -> list[int]:
        lexed.append(token)
        return original(text, token, present)

    monkeypatch.setattr(code_mentions, "mentions_among", recording)
    assert not engine.needs_parse(text, ALL_CODES)
    assert lexed == []


def test_a_mention_in_a_comment_still_does_not_count() -> None:
    assert not engine.needs_parse("x = 1  # loss.backward()\n", ALL_CODES)


def test_every_example_with_a_finding_ends_a_name_in_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Analyzed with the prefilter off, every source with a finding passes it."""

    def prefilter_off() -> None:
        monkeypatch.setattr(engine, "_ends_a_name_in_code", lambda text, token, present=(): True)
        monkeypatch.setattr(engine, "_called_in_code", lambda text, token, names, present=(): True)

    prefilter_off()
    checked = called = 0
    for name, text in sources().items():
        for finding in engine.analyze_unit(SourceUnit(path=f"{name}.py", text=text), ALL_CODES):
            checked += 1
            rule = get_rule(finding.code)
            monkeypatch.undo()
            assert any(engine._ends_a_name_in_code(text, t) for t in rule.required_text), name
            if rule.required_calls:
                called += 1
                assert any(
                    engine._called_in_code(text, t, rule.required_calls) for t in rule.required_text
                ), name
            prefilter_off()
    assert checked > 40 and called > 10
