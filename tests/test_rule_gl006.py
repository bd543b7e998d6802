"""GL006: a non-persistent tape asked twice."""

from __future__ import annotations

from rule_helpers import findings

HEAD = """\
import tensorflow as tf

def f(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
"""


def test_message_suggests_persistent_or_second_tape() -> None:
    text = HEAD + "    a = tape.gradient(y, x)\n    b = tape.jacobian(y, x)\n    return a, b\n"
    [finding] = findings("GL006", text)
    assert finding.line == 8
    assert "persistent=True" in finding.message and "second tape" in finding.message
    assert "(line 7)" in finding.message


def test_try_that_catches_the_runtime_error_is_intended() -> None:
    text = HEAD + (
        "    tape.gradient(y, x)\n"
        "    try:\n"
        "        tape.gradient(y, x)\n"
        "    except RuntimeError as e:\n"
        "        print(e)\n"
    )
    assert findings("GL006", text) == []


def test_reentered_tape_starts_a_new_recording() -> None:
    text = """\
import tensorflow as tf

def f(x):
    tape = tf.GradientTape()
    with tape:
        tape.watch(x)
        y = x * x
    a = tape.gradient(y, x)
    with tape:
        tape.watch(x)
        z = x * y
    b = tape.gradient(z, x)
    return a, b
"""
    assert findings("GL006", text) == []


def test_first_call_after_early_return_branch() -> None:
    text = HEAD + (
        "    if x is None:\n        return tape.gradient(y, x)\n    return tape.jacobian(y, x)\n"
    )
    assert findings("GL006", text) == []


def test_only_the_second_call_is_reported_once() -> None:
    text = HEAD + (
        "    a = tape.gradient(y, x)\n"
        "    b = tape.gradient(y, x)\n"
        "    c = tape.gradient(y, x)\n"
        "    return a, b, c\n"
    )
    assert [f.line for f in findings("GL006", text)] == [8, 9]
