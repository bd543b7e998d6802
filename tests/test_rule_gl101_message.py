"""GL101's message suggests the step to add: an optimizer the backward's code can name."""

from __future__ import annotations

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit

HELPER = (
    "import torch\n\n\n"
    "def train_steps(model, optimizer, x):\n"
    "    optimizer.zero_grad()\n"
    "    model(x).sum().backward()\n\n\n"
    "def other_check():\n"
    "    model = torch.nn.Linear(2, 1)\n"
    "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "    opt.step()\n"
)


def _message(text: str) -> str:
    (finding,) = analyze_unit(SourceUnit("train.py", text), ["GL101"])
    return finding.message


def test_a_local_optimizer_of_another_function_is_not_suggested():
    """``opt`` holds a ``model`` of its own function, not the helper's ``model``."""
    assert _message(HELPER).endswith("(add optimizer.step() after it)")


def test_an_optimizer_in_reach_of_the_backward_is_suggested():
    text = (
        "import torch\n\n"
        "model = torch.nn.Linear(2, 1)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n\n\n"
        "def train_steps(x):\n"
        "    opt.zero_grad()\n"
        "    model(x).sum().backward()\n"
    )
    assert _message(text).endswith("(add opt.step() after it)")
