"""A rule's ``severity`` reaches its findings (and so every output format)."""

from __future__ import annotations

import pytest

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit
from gradlint.rules import RULE_MODULES, get_rule

FROZEN = (
    "import tensorflow as tf\n"
    "\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
    "optimizer = tf.keras.optimizers.Adam()\n"
    "\n"
    "def train_step(x, y):\n"
    "    with tf.GradientTape() as tape:\n"
    "        loss = tf.reduce_mean(tf.square(model(x) - y))\n"
    "    grads = tape.gradient(loss, model.trainable_variables)\n"
    "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    "    return loss\n"
)
SWAPPED = FROZEN.replace("    # optimizer", "    optimizer").replace(
    "zip(grads, model.trainable_variables)", "zip(model.trainable_variables, grads)"
)


@pytest.mark.parametrize(
    ("code", "text"), [("GL001", FROZEN), ("GL002", FROZEN), ("GL005", SWAPPED)]
)
def test_rule_severity_reaches_the_finding(monkeypatch, code, text):
    monkeypatch.setattr(get_rule(code), "severity", "warning")
    found = [
        f for f in analyze_unit(SourceUnit("t.py", text), list(RULE_MODULES)) if f.code == code
    ]
    assert found and {f.severity for f in found} == {"warning"}


def test_unparsable_file_takes_gl000s_severity(monkeypatch):
    monkeypatch.setattr(get_rule("GL000"), "severity", "warning")
    (finding,) = analyze_unit(
        SourceUnit("t.py", "import tensorflow as tf\n\ndef f(:\n    tf.GradientTape()\n"),
        ["GL000", "GL001"],
    )
    assert (finding.code, finding.severity) == ("GL000", "warning")
