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


MODULE_LOOP = (
    "import tensorflow as tf\n\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
    "optimizer = tf.keras.optimizers.Adam()\n"
    "for x in data:\n"
    "    with tf.GradientTape() as tape:\n"
    "        loss = tf.reduce_mean(model(x))\n"
    "    grads = tape.gradient(loss, model.trainable_variables)\n"
)


@pytest.mark.parametrize(
    ("tail", "used"),
    [
        # Regression (handson-ml2 18_reinforcement_learning cell 63): a later function's own
        # local ``grads`` is not the module's.
        (
            "def step():\n    grads = compute()\n"
            "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n",
            False,
        ),
        ("def step(grads):\n    optimizer.apply_gradients(grads)\n", False),
        ("def step():\n    for grads in batches:\n        apply(grads)\n", False),
        ("def step():\n    import grads\n    apply(grads)\n", False),
        ("def step():\n    optimizer.apply_gradients(zip(grads, v))\n", True),
        ("def step():\n    global grads\n    grads = clip(grads)\n    apply(grads)\n", True),
        ("def step(g=grads):\n    apply(g)\n", True),
        ("def step():\n    def inner():\n        apply(grads)\n    inner()\n", True),
        ("def step():\n    grads = 1\n    def inner():\n        apply(grads)\n", False),
        ("apply_later = lambda grads: optimizer.apply_gradients(grads)\n", False),
        ("apply_later = lambda: optimizer.apply_gradients(grads)\n", True),
        ("print([apply(grads) for grads in other])\n", False),
        ("print([lambda: apply(g) for g in grads])\n", True),
        ("class Step:\n    def run(self):\n        grads = 1\n        apply(grads)\n", False),
        ("class Step:\n    def run(self):\n        apply(grads)\n", True),
        ("def step():\n    self.grads.apply()\n    step(grads=1)\n", False),
    ],
)
def test_a_nested_scope_uses_only_the_names_it_reads_from_outside(facts_of, tail, used):
    fate = _only_fate(facts_of(MODULE_LOOP + tail))
    assert fate.reaches_use is used, fate


@pytest.mark.parametrize(
    ("binding", "sources", "target", "weights"),
    [
        ("", "tape.watched_variables()", "loss", True),
        ("", "model.variables", "loss", True),
        ("", "model.variables", "predictions", False),  # a sensitivity, not a step
        ("", "sorted(model.trainable_variables, key=str)", "loss", True),
        ("", "tf.nest.flatten([n.trainable_variables for n in nets])", "loss", True),
        ("", "model.trainable_variables + extra", "loss", True),
        ("", "list(extra)", "loss", False),
        ("    v = {'w': tf.Variable(1.0)}\n", "list(v.values())", "loss", True),
        ("    v = model.trainable_variables\n    v = sorted(v)\n", "v", "loss", True),
        ("", "unknown.vars", "loss", False),
        (
            "",
            "list(filter(lambda v: 'head' not in v.name, model.trainable_variables))",
            "loss",
            True,
        ),
        ("", "list(filter(None, extra))", "loss", False),
    ],
)
def test_which_gradient_sources_are_proven_weights(facts_of, binding, sources, target, weights):
    text = (
        "import tensorflow as tf\n\ndef step(model, nets, extra, unknown, x):\n"
        + binding
        + "    with tf.GradientTape() as tape:\n"
        "        predictions = model(x)\n        loss = tf.reduce_mean(predictions)\n"
        f"    g = tape.gradient({target}, {sources})\n"
    )
    facts = facts_of(text)
    (site,) = facts.tapes.sites
    module = facts.module
    proven = module.is_weights(
        site.sources, site.scope, all_variables=module.is_loss(site.target, site.scope)
    )
    assert proven is weights


@pytest.mark.parametrize(
    ("tail", "kind"),
    [
        ("    self.norms.append([tf.norm(g).numpy() for g in grads])\n", FateKind.DROPPED),
        ("    return [float(tf.norm(g)) for g in grads]\n", FateKind.DROPPED),
        ("    return [g * 0.5 for g in grads]\n", FateKind.RETURNED),
        ("    return [tf.clip_by_norm(g, 1.0) for g in grads]\n", FateKind.RETURNED),
        ("    return [g for g in grads if g is not None]\n", FateKind.RETURNED),
    ],
)
def test_values_derived_from_gradients_in_a_comprehension(facts_of, tail, kind):
    assert _only_fate(facts_of(HEAD + tail)).kind is kind


DEMO = (
    "import numpy as np\nimport tensorflow as tf\n\nx = tf.Variable([[1.0, 2.0]])\n"
    "for epoch in range(2):\n"
    "    with tf.GradientTape() as tape:\n"
    "        y = tf.reduce_mean(np.mean(x**2, axis=0))\n"
    "    print(tape.gradient({target}, x))\n"
)


@pytest.mark.parametrize(
    ("text", "demo"),
    [
        (DEMO.format(target="y"), True),
        # The tensorflow/docs autodiff guide's own cells: quiet (regression, cells 60 and 62).
        (DEMO.format(target="y").replace("print(", "x.assign_sub(0.1 * "), False),
        (DEMO.format(target="y") + "opt = tf.keras.optimizers.SGD()\n", False),
        (DEMO.format(target="y").replace("y =", "loss =").replace("(y,", "(loss,"), False),
    ],
)
def test_an_autodiff_demo_without_an_optimizer_is_not_training(facts_of, lint, text, demo):
    facts = facts_of(text)
    (site,) = facts.tapes.sites
    assert facts.module.is_demonstration(site) is demo
    if demo:
        assert lint(text, ["GL001", "GL007"]) == []


def test_an_assertion_about_values_derived_from_the_gradients_checks_them(facts_of):
    """Regression (tensorflow/probability surrogate_posteriors_test.py:116)."""
    for tail in (
        "    self.assertTrue(all(g is not None for g in grads))\n",
        "    assert all(g is not None for g in grads)\n",
    ):
        assert _only_fate(facts_of(HEAD + tail)).kind is FateKind.ASSERTED


def test_a_tape_returned_by_a_helper_is_a_tape_of_unknown_persistence(facts_of):
    facts = facts_of(
        "def step(self, x):\n"
        "    out, tape = self._forward(x)\n"
        "    grads = tape.gradient(out['loss'], self.trainable_variables)\n"
        "    gen_tape = make_tape()\n"
        "    more = gen_tape.gradient(out['loss'], self.trainable_variables)\n"
        "    recorder = self._forward(x)\n"
        "    none = recorder.gradient(out['loss'], self.trainable_variables)\n"
    )
    assert [t.name for t in facts.tapes.tapes] == ["tape", "gen_tape"]
    assert all(
        t.persistent is Persistence.UNKNOWN and t.creation is None for t in facts.tapes.tapes
    )
    assert len(facts.tapes.sites) == 2


@pytest.mark.parametrize(
    ("tail", "dropped"),
    [
        # the reduced values come back; nothing applies them
        ('    grads = tf.distribute.get_replica_context().all_reduce("mean", grads)\n', True),
        # appended to the elements of a list the function built: still held there
        (
            "    acc = [[] for _ in grads]\n    for g, a in zip(grads, acc):\n        a.append(g)\n",
            True,
        ),
        (
            "    acc = [[] for _ in grads]\n    for g, a in zip(grads, acc):\n        a.append(g)\n"
            "    optimizer.apply_gradients(zip([tf.add_n(a) for a in acc], model.trainable_variables))\n",
            False,
        ),
        # the elements of an attribute's list are shared: a store elsewhere
        ("    for g, a in zip(grads, self.acc):\n        a.append(g)\n", False),
    ],
)
def test_values_kept_in_reductions_and_in_elements_of_local_lists(facts_of, tail, dropped):
    fate = _only_fate(facts_of(HEAD + tail))
    assert fate.reaches_use is not dropped


def test_a_redefined_helper_is_the_definition_the_caller_sees(facts_of):
    text = (
        "import tensorflow as tf\n"
        "optimizer = tf.keras.optimizers.SGD()\n"
        "def update(grads, weights):\n"
        "    optimizer.apply_gradients(zip(grads, weights))\n"
        "def update(grads, weights):\n"
        "    pass\n"
        "def step(model, x):\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean(model(x))\n"
        "    grads = tape.gradient(loss, model.trainable_variables)\n"
        "    update(grads, model.trainable_variables)\n"
    )
    assert not _only_fate(facts_of(text)).reaches_use
    # the step run once between the two definitions and once after: which one a run
    # calls differs, so the first is trusted as before
    between = text.replace("def update(grads, weights):\n    pass\n", "") + (
        "step(model, x)\ndef update(grads, weights):\n    pass\nstep(model, x)\n"
    )
    assert _only_fate(facts_of(between)).reaches_use


@pytest.mark.parametrize(
    ("later", "weights"),
    [
        ("model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n", True),  # has no .W
        ("model = Other()\n", False),  # a class of the module whose .W is no weight
        ("", True),
    ],
)
def test_attribute_of_an_instance_bound_again_in_a_later_cell(facts_of, later, weights):
    text = (
        "import tensorflow as tf\n\n"
        "class MyModel(tf.keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.W = tf.Variable(5.0)\n\n"
        "class Other:\n"
        "    def __init__(self):\n"
        "        self.W = 'west'\n\n"
        "model = MyModel()\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = tf.reduce_mean(model(1.0))\n"
        "g = tape.gradient(loss, [model.W])\n" + later
    )
    facts = facts_of(text)
    (site,) = facts.tapes.sites
    assert facts.module.is_weights(site.sources, site.scope) is weights


@pytest.mark.parametrize(
    ("cls", "sites", "weights"),
    [
        ("class ClippedOptimizer(tf.keras.optimizers.Optimizer)", 2, True),
        ("class Wrapper(OptimizerV2)", 2, True),
        ("class Agent(object)", 1, False),  # self.compute_gradients of an agent: unknown
    ],
)
def test_an_optimizers_own_minimize_computes_gradients_of_its_var_list(
    facts_of, cls, sites, weights
):
    text = (
        f"import tensorflow as tf\n\n{cls}:\n"
        "    def minimize(self, loss, var_list, tape=None):\n"
        "        pairs = self.compute_gradients(loss, var_list, tape)\n"
        "        grads = tape.gradient(loss, var_list)\n"
    )
    facts = facts_of(text)
    assert len(facts.tapes.sites) == sites
    module = facts.module
    assert all(module.differentiates_weights(s) is weights for s in facts.tapes.sites)


def test_a_gradient_read_after_the_other_tapes_last_gradient_call_is_not_recorded(facts_of):
    """Two tapes opened in one ``with`` (a GAN): the generator's gradients read for a norm
    after ``d_tape.gradient(...)`` feed nothing that tape differentiates."""
    text = (
        "import tensorflow as tf\n\nx = tf.Variable(1.0)\n"
        "with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:\n"
        "    y = x ** 3\n"
        "    dg = g_tape.gradient(y, x)\n"
        "    dd = d_tape.gradient(y, x)\n"
        "    norm = tf.norm(dg)\n"
        "print(dd, norm)\n"
    )
    facts = facts_of(text)
    first = next(s for s in facts.tapes.sites if s.tape.name == "g_tape")
    assert facts.fate(first).kind is not FateKind.RECORDED
    looped = text.replace("    dg = g_tape", "    for _ in range(2):\n        dg = g_tape")
    looped = looped.replace("    dd = d_tape", "        dd = d_tape").replace(
        "    norm =", "        norm ="
    )
    facts = facts_of(looped)
    first = next(s for s in facts.tapes.sites if s.tape.name == "g_tape")
    assert facts.fate(first).kind is FateKind.RECORDED  # the next pass may


@pytest.mark.parametrize(
    ("code", "names"),
    [("a, b = f()", ["a", "b"]), ("[a, *b] = f()", ["a", "b"]), ("a = f()", ["a"])],
)
def test_target_elements_are_what_one_target_binds(code, names):
    import libcst as cst

    from gradlint.analyzer.names import target_elements

    assign = cst.parse_statement(code).body[0]
    elements = target_elements(assign.targets[0].target)
    texts = [cst.Module([]).code_for_node(e).lstrip("*") for e in elements]
    assert texts == names


def test_the_layout_of_a_one_line_function_body(facts_of):
    """``def lcm(a, b): return a * b``: its body is small statements, not lines (the
    layout once asserted on the call inside it)."""
    facts = facts_of("def lcm(a, b): return abs(a * b)\n\nn = lcm(1, 2)\n")
    (scope,) = [s for s in facts.tapes.scopes if s.name == "lcm"]
    layout = facts.layout(scope)
    assert [c for c in layout.calls] and all(w.seq == 1 for w in layout.calls.values())
