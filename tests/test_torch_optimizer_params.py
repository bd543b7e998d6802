"""GL105's facts asked directly: which optimizers hold parameters of a replaced model."""

from __future__ import annotations

import pytest

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit

LOOP = (
    "    for x, y in loader:\n"
    "        optimizer.zero_grad()\n"
    "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
    "        optimizer.step()\n"
)


def _train(middle: str, head: str = "") -> str:
    return (
        "import copy\n"
        "import torch\n"
        "from torch import nn\n"
        f"{head}"
        "def train(model, loader, device):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        f"{middle}"
        f"{LOOP}"
    )


def _stale(facts_of, text: str):
    return [(s.target, s.owner, s.kind, s.how) for s in facts_of(text).stale_optimizers]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    model = nn.Linear(4, 4)\n", ("model", "model", "replaced", "re-instantiated")),
        ("    model = copy.deepcopy(model)\n", ("model", "model", "replaced", "deep-copied")),
        ("    model = torch.load('m.pt').to(device)\n", ("model", "model", "replaced", "loaded")),
        ("    model.fc = nn.Linear(4, 4)\n", ("model.fc", "model", "swapped", "swapped")),
        ("    model.head[0] = nn.Linear(4, 4)\n", ("model.head", "model", "swapped", "swapped")),
    ],
)
def test_replacements_after_the_optimizer(facts_of, line, expected):
    assert _stale(facts_of, _train(line)) == [expected]


@pytest.mark.parametrize(
    "line",
    [
        "    model = model.to(device)\n",
        "    model = model.half().cuda().train()\n",
        "    model = torch.compile(model)\n",
        "    model = nn.DataParallel(model)\n",
        "    model = accelerator.prepare(model)\n",
        "    model = model.module\n",
        "    model.load_state_dict(torch.load('m.pt'))\n",
        "    ema = copy.deepcopy(model)\n",
        "    model.fc = Wrapper(model.fc)\n",
        "    model.config = {'width': 4}\n",
        "    model.name = make_name()\n",  # not a layer
        "    model = nn.Linear(4, 4)\n    optimizer = torch.optim.SGD(model.parameters())\n",
        "    model = nn.Linear(4, 4)\n    optimizer = make_optimizer(model)\n",
        "    model.fc = nn.Linear(4, 4)\n    optimizer.add_param_group({'params': model.fc.parameters()})\n",
    ],
)
def test_what_keeps_or_restores_the_parameters_is_quiet(facts_of, line):
    assert _stale(facts_of, _train(line)) == []


def test_a_wrapper_of_the_stale_optimizer_does_not_rebuild_it(facts_of):
    text = _train(
        "    model = copy.deepcopy(model)\n"
        "    model, optimizer = accelerator.prepare(model, optimizer)\n"
    )
    assert _stale(facts_of, text) == [("model", "model", "replaced", "deep-copied")]


def test_replacement_in_the_other_branch_of_an_if_is_quiet(facts_of):
    text = (
        "import torch\n"
        "def train(loader, pretrained):\n"
        "    if pretrained:\n"
        "        model = load_model()\n"
        "        optimizer = torch.optim.SGD(model.parameters())\n"
        "    else:\n"
        "        model = torch.nn.Linear(4, 4)\n"
        f"{LOOP}"
    )
    assert _stale(facts_of, text) == []


def test_a_replacement_only_evaluated_is_quiet(facts_of):
    text = (
        "import torch\n"
        "def run(loader):\n"
        "    model = torch.nn.Linear(4, 4)\n"
        "    optimizer = torch.optim.SGD(model.parameters())\n"
        f"{LOOP}"
        "    model = torch.load('best.pt')\n"
        "    return evaluate(model)\n"
    )
    assert _stale(facts_of, text) == []
    called = text.replace("return evaluate(model)", "fit(model, optimizer)")
    assert _stale(facts_of, called) == [("model", "model", "replaced", "loaded")]


def test_a_file_without_backward_never_builds_the_facts(facts_of, monkeypatch):
    from gradlint.analyzer import torch_optimizer_params

    def fail(*args):
        raise AssertionError("built")

    monkeypatch.setattr(torch_optimizer_params, "stale_optimizers", fail)
    text = "import torch\nm = torch.nn.Linear(2, 2)\nopt = torch.optim.SGD(m.parameters())\n"
    assert facts_of(text + "m = torch.nn.Linear(2, 2)\n").stale_optimizers == []


def test_sliced_and_whole_file_agree(monkeypatch):
    from gradlint import engine

    text = _train("    model = nn.Linear(4, 4)\n", head="\n\ndef unrelated():\n    return 1\n\n\n")
    text += "\n\ndef other():\n    return 2\n"
    sliced = analyze_unit(SourceUnit("t.py", text), ["GL105"])
    monkeypatch.setattr(engine, "SLICING", False)
    whole = analyze_unit(SourceUnit("t.py", text), ["GL105"])
    assert [(f.line, f.message) for f in sliced] == [(f.line, f.message) for f in whole]
    assert [f.line for f in whole] == [12]  # model = nn.Linear(4, 4)


def test_gl105_findings_are_no_confirmer_sites(tmp_path):
    """``gradlint PATH --confirm`` observes frozen-weights findings only: a GL105 finding is
    about the optimizer's construction, and routing it would watch the wrong call."""
    from gradlint.runtime_check import targets

    script = tmp_path / "train.py"
    script.write_text(_train("    model = nn.Linear(4, 4)\n"))
    found = analyze_unit(SourceUnit(str(script), script.read_text()), ["GL105"])
    assert [f.code for f in found] == ["GL105"]
    target = targets.load_target(str(script))
    assert targets.sites_from_findings(target, found, "torch") == []


# ----------------------------------------------------------- an optimizer over another model

OTHER_HEAD = (
    "import torch\n"
    "from torch import nn\n"
    "\n"
    "class Net(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc = nn.Linear(4, 2)\n"
    "\n"
    "    def forward(self, x):\n"
    "        return self.fc(x)\n"
    "\n"
)


def _other_program(setup: str, loss: str = "crit(net(x), y)", extra: str = "") -> str:
    return (
        OTHER_HEAD
        + "crit = nn.CrossEntropyLoss()\n"
        + setup
        + "def train(loader):\n"
        + "    for x, y in loader:\n"
        + "        optimizer.zero_grad()\n"
        + f"        loss = {loss}\n"
        + "        loss.backward()\n"
        + "        optimizer.step()\n"
        + extra
    )


def _other(facts_of, text: str):
    return [
        (o.model, o.optimizer.key, o.owner) for o in facts_of(text).optimizers_over_other_models
    ]


TWO_MODELS = "model = Net()\nnet = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"


def test_optimizer_over_another_model_than_the_one_trained(facts_of):
    assert _other(facts_of, _other_program(TWO_MODELS)) == [("net", "optimizer", "model")]
    # Moved to a device (the same module): still the model the optimizer does not hold.
    moved = TWO_MODELS.replace("net = Net()", "net = Net()\nnet = net.to('cpu')")
    assert _other(facts_of, _other_program(moved)) == [("net", "optimizer", "model")]


def test_other_model_in_one_function(facts_of):
    text = (
        OTHER_HEAD + "def train(loader):\n"
        "    model = Net()\n"
        "    net = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))\n"
        "    optimizer = torch.optim.Adam(model.parameters())\n"
        "    for x, y in loader:\n"
        "        optimizer.zero_grad()\n"
        "        nn.functional.cross_entropy(net(x), y).backward()\n"
        "        optimizer.step()\n"
    )
    assert _other(facts_of, text) == [("net", "optimizer", "model")]


@pytest.mark.parametrize(
    ("setup", "loss", "extra"),
    [
        # The loss reaches the optimizer's model too (a teacher, a frozen feature extractor).
        (TWO_MODELS, "crit(model(x), y) + (net(x) - model(x)).pow(2).mean()", ""),
        (TWO_MODELS, "crit(net(model(x)), y)", ""),
        # The other model is a part of the optimizer's model, or holds it.
        (
            "model = Net()\nnet = model.fc\noptimizer = torch.optim.SGD(model.parameters())\n",
            "crit(net(x), y)",
            "",
        ),
        (
            "net = Net()\nmodel = nn.Sequential(net, nn.ReLU())\n"
            "optimizer = torch.optim.SGD(model.parameters())\n",
            "crit(net(x), y)",
            "",
        ),
        # Another optimizer (or the same one) holds the other model's parameters.
        (TWO_MODELS + "opt_net = torch.optim.SGD(net.parameters())\n", "crit(net(x), y)", ""),
        (
            "model = Net()\nnet = Net()\noptimizer = torch.optim.SGD(\n"
            "    list(model.parameters()) + list(net.parameters()))\n",
            "crit(net(x), y)",
            "",
        ),
        (TWO_MODELS + "opt_net = make_optimizer(net)\n", "crit(net(x), y)", ""),
        (
            "model = Net()\nnet = Net()\noptimizer = torch.optim.SGD(params)\n",
            "crit(net(x), y)",
            "",
        ),
        # Weights shared, copied, or the model handed to code gradlint does not read.
        (TWO_MODELS + "net.fc = model.fc\n", "crit(net(x), y)", ""),
        (
            TWO_MODELS,
            "crit(net(x), y)",
            "def sync():\n    net.load_state_dict(model.state_dict())\n",
        ),
        (TWO_MODELS, "crit(net(x), y)", "def setup():\n    register(net)\n"),
        # The loss also calls code that may use the optimizer's model.
        (
            TWO_MODELS,
            "crit(net(x), y) + penalty()",
            "def penalty():\n    return model.fc.weight.sum()\n",
        ),
        (TWO_MODELS, "self_loss(net(x), y)", ""),
        # Models that are no local, known construction.
        (
            "model = Net()\nnet = load_model()\noptimizer = torch.optim.SGD(model.parameters())\n",
            "crit(net(x), y)",
            "",
        ),
    ],
)
def test_other_model_forms_that_are_quiet(facts_of, setup, loss, extra):
    if loss.startswith("self_loss"):
        setup += "def self_loss(a, b):\n    return crit(a, b) + model.fc.weight.norm()\n"
    assert _other(facts_of, _other_program(setup, loss, extra)) == []


def test_other_model_without_a_step_after_the_backward_is_quiet(facts_of):
    text = _other_program(TWO_MODELS).replace("        optimizer.step()\n", "")
    assert _other(facts_of, text) == []
    # A step gradlint cannot see (the optimizer handed on) may be another optimizer's.
    handed = _other_program(TWO_MODELS).replace("optimizer.step()", "update(optimizer)")
    assert _other(facts_of, handed) == []


def test_distillation_and_ema_teacher_are_quiet(facts_of):
    text = (
        OTHER_HEAD + "student = Net()\nteacher = Net()\n"
        "optimizer = torch.optim.SGD(student.parameters(), lr=0.1)\n"
        "def train(loader):\n"
        "    for x, y in loader:\n"
        "        with torch.no_grad():\n"
        "            target = teacher(x).softmax(-1)\n"
        "        loss = -(target * student(x).log_softmax(-1)).sum(-1).mean()\n"
        "        optimizer.zero_grad()\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        with torch.no_grad():\n"
        "            for t, s in zip(teacher.parameters(), student.parameters()):\n"
        "                t.mul_(0.99).add_(s, alpha=0.01)\n"
    )
    assert _other(facts_of, text) == []


def test_other_model_sliced_and_whole_file_agree(monkeypatch):
    from gradlint import engine

    text = _other_program(TWO_MODELS, extra="\n\ndef unrelated():\n    return 1\n")
    sliced = analyze_unit(SourceUnit("t.py", text), ["GL105"])
    monkeypatch.setattr(engine, "SLICING", False)
    whole = analyze_unit(SourceUnit("t.py", text), ["GL105"])
    assert [(f.line, f.message) for f in sliced] == [(f.line, f.message) for f in whole]
    assert [f.line for f in whole] == [text.splitlines().index("        loss.backward()") + 1]
