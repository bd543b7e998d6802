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
