"""PyTorch findings are stated from the slice only when nothing it dropped bears on them
(:mod:`gradlint.analyzer.slice_evidence`); otherwise the whole file is analyzed, and the
findings are always those of the whole file."""

from __future__ import annotations

import textwrap

import pytest

from gradlint import engine
from gradlint.analyzer.slicing import slice_source
from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit
from gradlint.rules import RULE_MODULES

ALL = list(RULE_MODULES)

FILLER = '''

def scaled_sum(values, scale=2):
    """Filler that names nothing of the training code."""
    total = 0
    for value in values:
        total += value * scale
    return total


class Bag:
    def __init__(self, size=3):
        self.items = []

    def add(self, item):
        self.items.append(item)
        return self
'''

TRAINING = """
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.MSELoss()


def train_step(x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    # optimizer.step()
    return loss


def fit(loader, epochs=2):
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            train_step(x, y)
"""


@pytest.fixture
def whole_file_analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the engine parsed whole after a rule asked for the whole file."""
    calls: list[str] = []
    original = engine._analyze_unit

    def spy(unit, codes, slicing, model=None):
        if slicing is False:
            calls.append(unit.path)
        return original(unit, codes, slicing, model)

    monkeypatch.setattr(engine, "_analyze_unit", spy)
    return calls


def _findings(source: str, whole_file_analyses: list[str]) -> list:
    unit = SourceUnit(path="train.py", text=source)
    sliced = analyze_unit(unit, ALL, slicing=True, project=False)
    asked = list(whole_file_analyses)
    whole_file_analyses.clear()
    assert sliced == analyze_unit(unit, ALL, slicing=False, project=False)
    whole_file_analyses[:] = asked
    return sliced


def test_a_frozen_loop_beside_unrelated_code_is_stated_from_the_slice(
    whole_file_analyses: list[str],
) -> None:
    source = '"""A module."""\n' + FILLER + TRAINING
    sliced = slice_source(source, ("backward",))
    assert sliced is not None and "scaled_sum" not in sliced.text
    assert sliced.dropped_lines and not sliced.partial_classes
    findings = _findings(source, whole_file_analyses)
    assert sorted(f.code for f in findings) == ["GL101", "GL102"]
    assert whole_file_analyses == []  # no second parse of the whole file


def test_a_dropped_caller_that_steps_gets_the_whole_file(whole_file_analyses: list[str]) -> None:
    """``run_once`` calls the step function and then steps, outside a loop: the slicer
    drops it, and the finding the slice alone would give is wrong."""
    caller = textwrap.dedent(
        """

        def run_once(x, y):
            loss = train_step(x, y)
            optimizer.step()
            return loss
        """
    )
    source = '"""A module."""\n' + FILLER + TRAINING + caller
    sliced = slice_source(source, ("backward",))
    assert sliced is not None and "def run_once" not in sliced.text
    assert _findings(source, whole_file_analyses) == []
    assert whole_file_analyses == ["train.py"]


@pytest.mark.parametrize(
    "dropped",
    [
        # another optimizer, built where the slice does not look
        "def rebuild(m):\n    return torch.optim.Adam(m.parameters())\n",
        # imported under another name
        "def rebuild(m):\n    return Fast(m.parameters())\n",
        # a step of something
        "def advance(s):\n    s.step()\n",
        # a comment is text too: the check reads words, not code
        "def note():\n    # zero_grad here\n    return 1\n",
    ],
)
def test_dropped_code_with_training_words_gets_the_whole_file(
    dropped: str, whole_file_analyses: list[str]
) -> None:
    source = "from torch.optim import SGD as Fast\n" + FILLER + TRAINING + "\n\n" + dropped
    sliced = slice_source(source, ("backward",))
    assert sliced is not None and dropped.splitlines()[0] not in sliced.text
    findings = _findings(source, whole_file_analyses)
    assert sorted(f.code for f in findings) == ["GL101", "GL102"]
    assert whole_file_analyses == ["train.py"]


def test_a_class_that_lost_members_gets_the_whole_file(whole_file_analyses: list[str]) -> None:
    """Another method of the class may step: a class sliced by members never answers."""
    source = textwrap.dedent(
        """\
        import torch


        class Trainer:
            def __init__(self, model):
                self.model = model
                self.sgd = torch.optim.SGD(model.parameters(), lr=0.1)

            def describe(self):
                return "trainer"

            def train_step(self, x):
                loss = self.model(x).sum()
                loss.backward()
                return loss

        def helper(values):
            return sum(values)
        """
    )
    sliced = slice_source(source, ("backward",))
    assert sliced is not None and "Trainer" in sliced.partial_classes
    findings = _findings(source, whole_file_analyses)
    assert [f.code for f in findings] == ["GL101"]
    assert whole_file_analyses == ["train.py"]
