"""GL002: commented-out updates, their messages and the uncomment fix."""

from __future__ import annotations

import pytest
from rule_helpers import findings, fixed

STEP = """\
import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()

def train_step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
{tail}"""


def test_message_and_location() -> None:
    text = STEP.format(
        tail="    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    )
    [finding] = findings("GL002", text)
    assert (finding.line, finding.column, finding.end_column) == (9, 5, 71)
    assert "is commented out" in finding.message
    assert "line 8" in finding.message
    assert finding.fix is not None


def test_footer_comment_after_loop_keeps_the_loop_level() -> None:
    text = """\
import tensorflow as tf

def train(model, optimizer, data):
    for x, y in data:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)
        # optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("done")
"""
    assert fixed("GL002", text) == text.replace("        # optimizer", "        optimizer")


def test_ambiguous_indentation_gets_no_fix() -> None:
    text = """\
import tensorflow as tf

def train(model, optimizer, data):
    for x, y in data:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x) - y)
        grads = tape.gradient(loss, model.trainable_variables)
#optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("done")
"""
    [finding] = findings("GL002", text)
    assert finding.fix is None


def test_tabs_are_kept() -> None:
    text = STEP.replace("    ", "\t").format(
        tail="\t# optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    )
    assert fixed("GL002", text) == text.replace("\t# optimizer", "\toptimizer")


def test_crlf_multiline_comment() -> None:
    tail = "    # optimizer.apply_gradients(\n    #     zip(grads, model.trainable_variables))\n"
    text = STEP.format(tail=tail).replace("\n", "\r\n")
    result = fixed("GL002", text)
    assert result == text.replace("    # optimizer", "    optimizer").replace(
        "    #     zip", "        zip"
    )


def test_commented_compound_statement_is_not_an_update() -> None:
    text = STEP.format(tail="    # for g in grads: optimizer.apply_gradients(g)\n")
    assert findings("GL002", text) == []


def test_applied_through_helper_is_quiet() -> None:
    text = STEP.format(
        tail="    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
        "    apply(grads)\n"
    )
    assert findings("GL002", text) == []


def test_comment_in_other_function_is_not_this_scope() -> None:
    text = STEP.format(tail="    return loss\n") + (
        "\ndef other():\n"
        "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
        "    pass\n"
    )
    assert findings("GL002", text) == []


def test_checking_many_fixes_does_not_reparse_the_whole_file_for_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each fix is checked by parsing its own top-level statement again, so a file with
    hundreds of commented-out updates is not parsed hundreds of times (quadratic)."""
    from gradlint.analyzer import comments

    steps = [
        STEP.format(tail="    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n")
        .replace("def train_step(", f"@tf.function\ndef train_step_{i}(")
        .split("\n\n", 2)[-1]
        for i in range(40)
    ]
    text = STEP.rsplit("\n\n", 1)[0] + "\n\n" + "\n\n".join(steps)
    parsed: list[int] = []
    real = comments._parse_module

    def measured(source: str):
        parsed.append(len(source))
        return real(source)

    monkeypatch.setattr(comments, "_parse_module", measured)
    found = findings("GL002", text)
    assert len(found) == 40 and all(f.fix is not None for f in found)
    assert sum(parsed) < 3 * len(text)
