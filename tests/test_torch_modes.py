"""Whether eval mode can change a model's output (GL107 stays quiet where it cannot)."""

from __future__ import annotations

import pytest

from gradlint.analyzer.torch_modes import ModeSensitivity

CLASSES = """
import torch
from torch import nn
import torchvision

class Linears(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 8)
        self.b = nn.Linear(8, 1)
    def forward(self, x):
        return self.b(torch.relu(self.a(x)))

class WithDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 8)
        self.drop = nn.Dropout(0.5)
    def forward(self, x):
        return self.drop(self.a(x))

class ReadsTheMode(nn.Module):
    def forward(self, x):
        return x * 2 if self.training else x

class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Linears()

class OuterOfDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = WithDropout()

class Pretrained(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = torchvision.models.resnet18()

class FromAnotherBase(Linears):
    pass
"""


def _matters(facts_of, binding: str) -> bool:
    facts = facts_of(CLASSES + binding + "\n")
    scope = next(s for s in facts.torch_steps.scopes if s.is_module)
    return ModeSensitivity(facts).matters(scope, "model")


@pytest.mark.parametrize(
    "binding",
    [
        "model = Linears()",
        "model = Linears().to('cpu')",
        "model = Outer()",
        "model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))",
        "model = torch.nn.Linear(3, 1)",
    ],
)
def test_models_built_from_mode_free_layers(facts_of, binding):
    assert not _matters(facts_of, binding)


@pytest.mark.parametrize(
    "binding",
    [
        "model = WithDropout()",
        "model = ReadsTheMode()",
        "model = OuterOfDropout()",
        "model = Pretrained()",
        "model = FromAnotherBase()",  # its base is a class: read conservatively
        "model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4))",
        "model = nn.LSTM(4, 4, num_layers=2, dropout=0.2)",
        "model = torchvision.models.resnet18()",
        "model = build_model()",
        "model = Linears()\nmodel = WithDropout()",  # every binding must be mode-free
        "model, other = make_pair()",
    ],
)
def test_models_whose_mode_may_matter(facts_of, binding):
    assert _matters(facts_of, binding)


def test_a_parameter_or_an_attribute_chain_may_be_anything(facts_of):
    facts = facts_of(CLASSES + "def f(model):\n    pass\n")
    scope = next(s for s in facts.torch_steps.scopes if s.name == "f")
    sensitivity = ModeSensitivity(facts)
    assert sensitivity.matters(scope, "model")
    assert sensitivity.matters(scope, "model.encoder")


def test_a_self_attribute_is_read_from_the_class(facts_of):
    text = CLASSES + (
        "class Trainer:\n"
        "    def __init__(self):\n"
        "        self.model = Linears()\n"
        "        self.other = WithDropout()\n"
        "    def fit(self):\n"
        "        pass\n"
    )
    facts = facts_of(text)
    scope = next(s for s in facts.torch_steps.scopes if s.name == "fit")
    sensitivity = ModeSensitivity(facts)
    assert not sensitivity.matters(scope, "self.model")
    assert sensitivity.matters(scope, "self.other")
