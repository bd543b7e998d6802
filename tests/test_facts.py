"""The facts layer asked directly (not through a rule's findings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradlint.analyzer.dataflow import FateKind, FlowAnalysis
from gradlint.analyzer.tapes import Persistence

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HEAD = (
    "import tensorflow as tf\n"
    "\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
    "optimizer = tf.keras.optimizers.Adam()\n"
    "\n"
    "def step(x, y):\n"
    "    with tf.GradientTape() as tape:\n"
    "        loss = tf.reduce_mean(tf.square(model(x) - y))\n"
    "    grads = tape.gradient(loss, model.trainable_variables)\n"
)


def _only_fate(facts):
    (site,) = facts.tapes.sites
    return facts.fate(site)


def test_each_scope_runs_the_flow_analysis_once_whatever_the_rules(lint, monkeypatch):
    """Regression: GL001 and GL002 each ran it on examples/frozen_loop.py."""
    runs: list[object] = []
    real = FlowAnalysis.run

    def counting(self):
        if self.table.ids:  # helper summaries run on an empty table
            runs.append(self.scope)
        return real(self)

    monkeypatch.setattr(FlowAnalysis, "run", counting)
    found = lint((EXAMPLES / "frozen_loop.py").read_text(), ["GL001", "GL002"])
    assert {f.code for f in found} == {"GL001", "GL002"}
    assert runs and len(runs) == len(set(runs))


def test_facts_are_built_once_per_context(facts_of):
    facts = facts_of(HEAD)
    assert facts.ctx.facts is facts
    assert facts.tapes is facts.tapes
    assert facts.layout(facts.tapes.scopes[0]) is facts.layout(facts.tapes.scopes[0])


@pytest.mark.parametrize(
    ("creation", "expected"),
    [
        ("tf.GradientTape()", Persistence.NO),
        ("tf.GradientTape(persistent=False)", Persistence.NO),
        ("tf.GradientTape(watch_accessed_variables=False)", Persistence.NO),
        ("tf.GradientTape(persistent=True)", Persistence.YES),
        ("tf.GradientTape(persistent=flag)", Persistence.UNKNOWN),
        ("tf.GradientTape(True)", Persistence.UNKNOWN),
        ("tf.GradientTape(**options)", Persistence.UNKNOWN),
    ],
)
def test_tape_persistence(facts_of, creation, expected):
    facts = facts_of(f"import tensorflow as tf\n\nwith {creation} as tape:\n    y = x * x\n")
    (tape,) = facts.tapes.tapes
    assert tape.persistent is expected


@pytest.mark.parametrize(
    ("tail", "kind", "evidence"),
    [
        (
            "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n",
            FateKind.APPLIED,
            "applied by apply_gradients",
        ),
        ("    return grads\n", FateKind.RETURNED, "returned"),
        ("    self.grads = grads\n", FateKind.STORED, "stored in attribute 'grads'"),
        ("    all_reduce(grads)\n", FateKind.PASSED, "passed to all_reduce()"),
        ("    self.assertAllClose(grads, expected)\n", FateKind.ASSERTED, "asserted"),
        ("    print(tf.linalg.global_norm(grads))\n", FateKind.DROPPED, ""),
    ],
)
def test_fate_of_a_gradient_value(facts_of, tail, kind, evidence):
    fate = _only_fate(facts_of(HEAD + tail))
    assert (fate.kind, fate.evidence) == (kind, evidence)
    assert fate.reaches_use is (kind is not FateKind.DROPPED)
    assert fate.holders == ("grads",)


def test_fate_names_the_dropped_element_of_an_unpacked_result(facts_of):
    text = (
        "import tensorflow as tf\n\nw = tf.Variable(1.0)\nb = tf.Variable(0.0)\n"
        "for x in [1.0, 2.0]:\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = (w * x + b) ** 2\n"
        "    dw, db = tape.gradient(loss, [w, b])\n"
        "    w.assign_sub(0.1 * dw)\n"
    )
    fate = _only_fate(facts_of(text))
    assert fate.unpacked and fate.dropped_elements == (1,)
    assert not fate.reaches_use


def test_a_gradient_read_by_another_tape_feeds_a_higher_order_gradient(facts_of):
    text = (
        "import tensorflow as tf\n\nx = tf.Variable(1.0)\n"
        "with tf.GradientTape() as outer:\n"
        "    with tf.GradientTape() as inner:\n"
        "        y = x ** 3\n"
        "    dy = inner.gradient(y, x)\n"
        "    z = dy * 2\n"
        "d2y = outer.gradient(z, x)\n"
        "print(d2y)\n"
    )
    facts = facts_of(text)
    first = next(s for s in facts.tapes.sites if s.tape.name == "inner")
    assert facts.fate(first).kind is FateKind.RECORDED


def test_unapplied_gradients_carry_what_a_message_needs(facts_of):
    (problem,) = facts_of(HEAD + "    print(grads)\n" + "    return loss\n").unapplied_gradients
    assert problem.sources_text == "model.trainable_variables"
    assert problem.gradient_names == ["grads"]
    assert problem.optimizer_text == "optimizer"


def test_commented_update_points_at_the_dropped_gradients(facts_of):
    text = HEAD + "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    (update,) = facts_of(text).commented_updates
    assert update.statement.startswith("optimizer.apply_gradients(")
    assert update.site.call is update.site.call and update.edit is not None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (
            "    pred = model(x)\n    with tf.GradientTape() as tape:\n"
            "        loss = tf.reduce_mean(pred)\n",
            "before",
        ),
        (
            "    with tf.GradientTape() as tape:\n        pred = model(x)\n"
            "    loss = tf.reduce_mean(pred)\n",
            "after",
        ),
        (
            "    with tf.GradientTape() as tape:\n        pred = model(x).numpy()\n"
            "        loss = tf.reduce_mean(pred)\n",
            "cut",
        ),
    ],
)
def test_what_the_tape_recorded(facts_of, body, kind):
    text = (
        "import tensorflow as tf\n\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "optimizer = tf.keras.optimizers.Adam()\n\ndef step(x):\n"
        + body
        + "    grads = tape.gradient(loss, model.trainable_variables)\n"
        "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    )
    (problem,) = facts_of(text).recording_problems
    assert problem.kind == kind


def test_updates_know_what_their_gradients_were_computed_for(facts_of):
    text = HEAD.replace("def step(x, y):", "other = tf.keras.Sequential()\n\ndef step(x, y):")
    swapped = facts_of(
        text + "    optimizer.apply_gradients(zip(model.trainable_variables, grads))\n"
    )
    (update,) = swapped.updates
    assert update.swapped and not update.applies_foreign_gradients
    foreign = facts_of(
        text + "    optimizer.apply_gradients(zip(grads, other.trainable_variables))\n"
    )
    (update,) = foreign.updates
    assert not update.swapped and update.applies_foreign_gradients
    assert update.gradients_from is foreign.tapes.sites[0]


def test_a3c_copy_back_makes_foreign_gradients_the_algorithm(facts_of):
    """Regression (issue #14): A3C applies local gradients to the global network, then copies
    the global weights back into the local one; only a copy in that direction counts."""
    text = HEAD.replace("def step(x, y):", "other = tf.keras.Sequential()\n\ndef step(x, y):")
    applied = "    optimizer.apply_gradients(zip(grads, other.trainable_variables))\n"
    synced = facts_of(text + applied + "    model.set_weights(other.get_weights())\n")
    assert not synced.updates[0].applies_foreign_gradients
    by_variable = facts_of(
        text
        + applied
        + "    for a, b in zip(model.trainable_variables, other.trainable_variables):\n"
        + "        a.assign(b)\n"
    )
    assert not by_variable.updates[0].applies_foreign_gradients
    backwards = facts_of(text + applied + "    other.set_weights(model.get_weights())\n")
    assert backwards.updates[0].applies_foreign_gradients


def test_repeated_gradient_calls_on_a_non_persistent_tape(facts_of):
    text = HEAD + "    again = tape.gradient(loss, model.trainable_variables)\n"
    facts = facts_of(text)
    first, second = facts.tapes.sites
    assert facts.repeated_gradient_calls == [(first, second)]
    persistent = facts_of(text.replace("GradientTape()", "GradientTape(persistent=True)"))
    assert persistent.repeated_gradient_calls == []
