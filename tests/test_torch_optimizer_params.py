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
