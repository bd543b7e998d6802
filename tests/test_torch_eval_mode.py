"""GL107's facts asked directly: switches to eval mode that a training forward runs under."""

from __future__ import annotations

import pytest

from gradlint.analyzer.names import dotted_name

PRELUDE = (
    "import torch\n"
    "def evaluate(model):\n"
    "    model.eval()\n"
    "def evaluate_and_restore(model):\n"
    "    model.eval()\n"
    "    model.train()\n"
    "def nested(m):\n"
    "    evaluate(m)\n"
)


def _loop(inside: str, before: str = "    model.train()\n", first: str = "") -> str:
    return (
        PRELUDE + "def train(model, loader):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        f"{before}"
        "    for i, (x, y) in enumerate(loader):\n"
        f"{first}"
        "        optimizer.zero_grad()\n"
        "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
        "        optimizer.step()\n"
        f"{inside}"
    )


def _leaks(facts_of, text: str):
    return [
        (leak.model, leak.via, dotted_name(leak.forward.func))
        for leak in facts_of(text).eval_mode_leaks
    ]


@pytest.mark.parametrize(
    ("inside", "via"),
    [
        ("        model.eval()\n", ()),
        ("        model.train(False)\n", ()),
        ("        if i % 10 == 0:\n            model.eval()\n", ()),
        ("        evaluate(model)\n", ("evaluate",)),
        ("        nested(model)\n", ("nested", "evaluate")),
        ("        evaluate(model=model)\n", ("evaluate",)),
    ],
)
def test_a_switch_after_the_forward_leaks_into_the_next_iteration(facts_of, inside, via):
    assert _leaks(facts_of, _loop(inside)) == [("model", via, "model")]


@pytest.mark.parametrize(
    ("inside", "first"),
    [
        ("        model.eval()\n", "        model.train()\n"),  # switched back at the top
        ("        model.eval()\n        model.train()\n", ""),  # right after
        ("        model.eval()\n        model.train(mode=was_training)\n", ""),  # a restore
        ("        evaluate_and_restore(model)\n", ""),  # the helper switches back
        ("        model.eval()\n        unseen(model)\n", ""),  # may switch back
        ("        model.eval()\n        break\n", ""),  # no next iteration
        ("        model.encoder.eval()\n", ""),  # a part of the model, on purpose
        ("        other.eval()\n", ""),  # not the model trained
        ("        evaluate(other)\n", ""),
    ],
)
def test_a_switch_back_or_no_next_forward_is_quiet(facts_of, inside, first):
    assert _leaks(facts_of, _loop(inside, first=first)) == []


def test_eval_before_the_forward_in_every_iteration_is_deliberate(facts_of):
    assert _leaks(facts_of, _loop("", before="", first="        model.eval()\n")) == []


def test_eval_outside_the_loop_is_quiet(facts_of):
    text = _loop("", before="    model.eval()\n")
    assert _leaks(facts_of, text) == []
    assert _leaks(facts_of, _loop("") + "    model.eval()\n") == []


def test_an_outer_loop_that_switches_back_at_its_top(facts_of):
    text = (
        "import torch\n"
        "def fit(model, loader, epochs):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for _ in range(epochs):\n"
        "        model.train()\n"
        "        for x, y in loader:\n"
        "            optimizer.zero_grad()\n"
        "            model(x).sum().backward()\n"
        "            optimizer.step()\n"
        "        model.eval()\n"
    )
    assert _leaks(facts_of, text) == []
    assert _leaks(facts_of, text.replace("        model.train()\n", "")) == [("model", (), "model")]


def test_the_training_forward_is_the_last_one_before_the_backward(facts_of):
    # An evaluation forward right after the switch does not count: only the one that
    # feeds the backward must run in training mode.
    text = (
        "import torch\n"
        "def fit(model, loader, x_val):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for x, y in loader:\n"
        "        model.eval()\n"
        "        print(model(x_val))\n"
        "        model.train()\n"
        "        optimizer.zero_grad()\n"
        "        model(x).sum().backward()\n"
        "        optimizer.step()\n"
    )
    assert _leaks(facts_of, text) == []


def test_no_training_step_no_leak(facts_of):
    text = (
        "import torch\n"
        "def saliency(model, batches):\n"
        "    for x in batches:\n"
        "        x.requires_grad_()\n"
        "        model(x).sum().backward()\n"
        "        model.eval()\n"
    )
    assert _leaks(facts_of, text) == []


def test_a_switch_back_through_module_methods_that_return_the_module(facts_of):
    # pytorch/examples fast_neural_style: a checkpoint every N batches.
    inside = "        model.eval().cpu()\n        torch.save(model.state_dict(), p)\n        model.to(d).train()\n"
    assert _leaks(facts_of, _loop(inside)) == []
    assert _leaks(facts_of, _loop("        model.cpu().eval()\n")) == [("model", (), "model")]


@pytest.mark.parametrize(
    ("call", "switches_back"),
    [
        ("model.generate(x)", False),
        ("model.parameters()", False),
        ("model.set_train_mode()", True),
        ("unseen(model)", True),
        ("unseen(model.cuda())", True),
    ],
)
def test_which_calls_may_switch_the_model_back(facts_of, call, switches_back):
    found = _leaks(facts_of, _loop(f"        model.eval()\n        {call}\n"))
    assert (found == []) == switches_back


def test_a_model_nothing_trains_is_left_alone(facts_of):
    # A target network: in the loss, switched to eval mode, but held by no optimizer and
    # never switched to training mode.
    text = (
        "import torch\n"
        "def train(q_net, target_net, batches):\n"
        "    optimizer = torch.optim.Adam(q_net.parameters())\n"
        "    for i, (s, r) in enumerate(batches):\n"
        "        loss = (q_net(s) - r - target_net(s)).pow(2).mean()\n"
        "        optimizer.zero_grad()\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        target_net.eval()\n"
    )
    assert _leaks(facts_of, text) == []
    trained = text.replace("    for i,", "    target_net.to('cpu').train()\n    for i,")
    assert _leaks(facts_of, trained) == [("target_net", (), "target_net")]


def test_stated_from_the_whole_file_not_a_slice():
    # The slice of a file keeps the training function, not the model's class: read from the
    # slice alone, the linear-only model would look like one whose mode matters.
    from gradlint.analyzer.sources import SourceUnit
    from gradlint.engine import analyze_unit

    text = (
        "import torch\n"
        "from torch import nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(2, 1)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
        "def unrelated(x):\n"
        "    return x * 2\n"
        "def train(loader):\n"
        "    model = Net()\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    model.train()\n"
        "    for x, y in loader:\n"
        "        opt.zero_grad()\n"
        "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
        "        opt.step()\n"
        "        model.eval()\n"
    )
    assert analyze_unit(SourceUnit("t.py", text), ["GL107"]) == []
    with_dropout = text.replace("nn.Linear(2, 1)", "nn.Sequential(nn.Linear(2, 1), nn.Dropout())")
    assert [f.line for f in analyze_unit(SourceUnit("t.py", with_dropout), ["GL107"])] == [19]
