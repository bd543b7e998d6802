"""GL106's facts asked directly: loops that step but never clear ``.grad``."""

from __future__ import annotations

import pytest

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit


def _loop(body: str, before: str = "", after: str = "") -> str:
    return (
        "import torch\n"
        f"{after}"
        "def train(model, loader):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        f"{before}"
        "    for x, y in loader:\n"
        "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
        "        optimizer.step()\n"
        f"{body}"
    )


def _uncleared(facts_of, text: str):
    return [(u.step.optimizer, u.conditional) for u in facts_of(text).uncleared_loops]


@pytest.mark.parametrize(
    "clearing",
    [
        "        optimizer.zero_grad()\n",
        "        optimizer.zero_grad(set_to_none=True)\n",
        "        model.zero_grad()\n",
        "        for p in model.parameters():\n            p.grad = None\n",
        "        for p in model.parameters():\n            p.grad.zero_()\n",
        "        for p in model.parameters():\n            del p.grad\n",
        "        clear(model)\n",  # a same-module helper that clears
        "        hand_on(optimizer)\n",  # code gradlint cannot see may clear
    ],
)
def test_clearing_in_the_loop_is_seen(facts_of, clearing):
    helper = "def clear(m):\n    m.zero_grad()\n"
    assert _uncleared(facts_of, _loop(clearing, after=helper)) == []


def test_no_clearing_in_the_loop_is_reported(facts_of):
    assert _uncleared(facts_of, _loop("")) == [("optimizer", False)]
    before = "    optimizer.zero_grad()\n"  # runs once: does not count
    assert _uncleared(facts_of, _loop("", before=before)) == [("optimizer", False)]


def test_another_optimizers_clearing_does_not_count(facts_of):
    text = (
        "import torch\n"
        "def train(g, d, loader):\n"
        "    opt_g = torch.optim.Adam(g.parameters())\n"
        "    opt_d = torch.optim.Adam(d.parameters())\n"
        "    for z in loader:\n"
        "        opt_d.zero_grad()\n"
        "        d(g(z).detach()).mean().backward()\n"
        "        opt_d.step()\n"
        "        d.zero_grad()\n"
        "        (-d(g(z)).mean()).backward()\n"
        "        opt_g.step()\n"
    )
    assert _uncleared(facts_of, text) == [("opt_g", False)]
    assert _uncleared(facts_of, text.replace(" d.zero_grad()", " g.zero_grad()")) == []


def test_accumulation_is_reported_only_without_clearing(facts_of):
    text = (
        "import torch\n"
        "def train(model, loader):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for i, (x, y) in enumerate(loader):\n"
        "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
        "        if i % 4 == 3:\n"
        "            optimizer.step()\n"
    )
    assert _uncleared(facts_of, text) == [("optimizer", True)]
    cleared = text + "            optimizer.zero_grad()\n"
    assert _uncleared(facts_of, cleared) == []


@pytest.mark.parametrize(
    "text",
    [
        # a single step, no loop
        "import torch\ndef f(m, x):\n    o = torch.optim.SGD(m.parameters())\n"
        "    m(x).sum().backward()\n    o.step()\n",
        # a test
        "import torch\ndef test_f(m, x):\n    o = torch.optim.SGD(m.parameters())\n"
        "    for _ in range(3):\n        m(x).sum().backward()\n        o.step()\n",
        # DeepSpeed's engine clears its own gradients
        "def f(engine, loader):\n    for x in loader:\n        loss = engine(x)\n"
        "        engine.backward(loss)\n        engine.step()\n",
    ],
)
def test_quiet_forms(facts_of, text):
    assert _uncleared(facts_of, text) == []


def test_gl106_is_a_warning_and_no_confirmer_site(tmp_path):
    from gradlint.runtime_check import targets

    script = tmp_path / "train.py"
    script.write_text(_loop(""))
    found = analyze_unit(SourceUnit(str(script), script.read_text()), ["GL106"])
    assert [(f.code, f.severity, f.line) for f in found] == [("GL106", "warning", 6)]
    assert "optimizer.zero_grad()" in found[0].message
    assert targets.sites_from_findings(targets.load_target(str(script)), found, "torch") == []


def test_a_file_without_backward_never_builds_the_facts(facts_of, monkeypatch):
    from gradlint.analyzer import torch_clearing

    def fail(*args):
        raise AssertionError("built")

    monkeypatch.setattr(torch_clearing, "uncleared_loops", fail)
    text = "import torch\nfor _ in range(3):\n    opt.step()\n"
    assert facts_of(text).uncleared_loops == []


# ------------------------------------------------- backward and step in a helper the loop calls

HELPER = (
    "import torch\n"
    "model = torch.nn.Linear(4, 2)\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "\n"
    "def train_step(x, y{params}):\n"
    "{before}"
    "    loss = torch.nn.functional.mse_loss(model(x), y)\n"
    "    loss.backward()\n"
    "{step}"
    "{after}"
    "    return loss.item()\n"
    "\n"
    "def train(loader):\n"
    "    for i, (x, y) in enumerate(loader):\n"
    "{loop}"
    "        train_step(x, y{args})\n"
)


def _helper(
    before: str = "",
    after: str = "",
    loop: str = "",
    step: str = "    optimizer.step()\n",
    params: str = "",
    args: str = "",
) -> str:
    return HELPER.format(before=before, after=after, loop=loop, step=step, params=params, args=args)


def _helper_uncleared(facts_of, text: str):
    return [
        (u.step.optimizer, u.conditional, u.via, u.loop.target.__class__.__name__)
        for u in facts_of(text).uncleared_loops
    ]


def test_backward_and_step_in_a_helper_called_from_the_loop(facts_of):
    assert _helper_uncleared(facts_of, _helper()) == [
        ("optimizer", False, ("train_step",), "Tuple")
    ]
    # Accumulation in the helper that never clears steps on some iterations only.
    step = "    if i % 4 == 3:\n        optimizer.step()\n"
    text = _helper(step=step, params=", i", args=", i")
    assert _helper_uncleared(facts_of, text) == [("optimizer", True, ("train_step",), "Tuple")]


def test_helper_called_through_another_function_in_the_loop(facts_of):
    text = _helper() + "\ndef epoch(loader):\n    for x, y in loader:\n        run(x, y)\n"
    text += "\ndef run(x, y):\n    return train_step(x, y)\n"
    found = [(u.via, u.loop.target.__class__.__name__) for u in facts_of(text).uncleared_loops]
    # Reported once, at the step, for the first loop found uncleared.
    assert len(found) == 1 and found[0][0][0] == "train_step"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"before": "    optimizer.zero_grad()\n"},
        {"after": "    optimizer.zero_grad(set_to_none=True)\n"},
        {"after": "    model.zero_grad()\n"},
        {"loop": "        optimizer.zero_grad()\n"},
        {"loop": "        clear()\n"},  # a same-module function that clears
        {"loop": "        hand_on(optimizer)\n"},  # code gradlint cannot see may clear
        {"after": "    hand_on(optimizer)\n"},
        # Accumulation that clears after its k-th step.
        {
            "step": "    if i % 4 == 3:\n        optimizer.step()\n        optimizer.zero_grad()\n",
            "params": ", i",
            "args": ", i",
        },
        # The optimizer is handed in and cleared by the caller's loop.
        {
            "step": "    opt.step()\n",
            "params": ", opt",
            "args": ", optimizer",
            "loop": "        optimizer.zero_grad()\n",
        },
    ],
)
def test_helper_forms_that_clear_are_quiet(facts_of, kwargs):
    text = _helper(**kwargs) + "\ndef clear():\n    optimizer.zero_grad()\n"
    assert _helper_uncleared(facts_of, text) == []


def test_helper_called_once_or_looping_itself_is_not_reported_twice(facts_of):
    once = _helper().replace(
        "    for i, (x, y) in enumerate(loader):\n        train_step(x, y)\n",
        "    x, y = next(iter(loader))\n    train_step(x, y)\n",
    )
    assert _helper_uncleared(facts_of, once) == []
    # A helper with its own loop is reported for that loop only (the existing form).
    text = (
        "import torch\n"
        "def fit(model, loader):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for x, y in loader:\n"
        "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
        "        optimizer.step()\n"
        "def main(model, loader):\n"
        "    for _ in range(3):\n"
        "        fit(model, loader)\n"
    )
    found = facts_of(text).uncleared_loops
    assert [(u.via, u.loop.iter.value) for u in found] == [((), "loader")]


def test_helper_message_names_the_loop_and_the_helper():
    text = _helper()
    (found,) = analyze_unit(SourceUnit("t.py", text), ["GL106"])
    assert found.line == 8  # optimizer.step() in train_step
    assert "of the loop at line 12 (through train_step() at line 13)" in found.message
