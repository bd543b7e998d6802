"""Which framework's facts a file pays for: a PyTorch file never runs the tape search.

The PyTorch step index reads its scopes from :attr:`Facts.tapes`, which builds only the
scopes for a file that cannot hold a tape (see :func:`gradlint.analyzer.facts.may_hold_tapes`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradlint.analyzer import tapes
from gradlint.analyzer.facts import may_hold_tapes

REPO = Path(__file__).resolve().parent.parent

TORCH = """\
import torch

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


class Trainer:
    def fit(self, loader):
        def inner():
            return 1
        return inner()
"""


def test_a_pytorch_file_never_builds_the_tape_index(facts_of, monkeypatch):
    def fail(ctx):
        raise AssertionError("the tape index was built for a PyTorch file")

    monkeypatch.setattr(tapes, "build_tape_index", fail)
    facts = facts_of(TORCH)
    assert len(facts.backward_sites) == 1 and len(facts.optimizer_steps) == 1
    assert facts.tapes.tapes == [] and facts.tapes.sites == []
    # The same scopes the tape index would have built, in the same order.
    assert [s.name for s in facts.tapes.scopes] == ["<module>", "train", "fit", "inner"]


def test_scopes_are_the_same_either_way(facts_of):
    routed = facts_of(TORCH).tapes.scopes
    searched = tapes.build_tape_index(facts_of(TORCH).ctx).scopes
    shape = [(s.name, s.parent and s.parent.name, s.class_node is not None) for s in routed]
    assert shape == [
        (s.name, s.parent and s.parent.name, s.class_node is not None) for s in searched
    ]


@pytest.mark.parametrize(
    "text",
    [
        # A tape received as a parameter: the file never names the class.
        "def apply(loss, variables, tape):\n    return tape.gradient(loss, variables)\n",
        # An alias: only the import spells the class.
        "from tensorflow import GradientTape as T\n\n"
        "def step(loss_fn, v):\n    with T() as g:\n        loss = loss_fn(v)\n"
        "    return g.gradient(loss, [v])\n",
    ],
)
def test_files_that_may_hold_a_tape_still_get_the_search(facts_of, text):
    assert may_hold_tapes(text)
    assert len(facts_of(text).tapes.sites) == 1


def test_a_file_with_both_frameworks_shares_one_list_of_scopes(facts_of):
    text = TORCH + "\nimport tensorflow as tf\n\ndef tf_step(x):\n"
    text += (
        "    with tf.GradientTape() as tape:\n        y = x * x\n    return tape.gradient(y, x)\n"
    )
    facts = facts_of(text)
    assert len(facts.tapes.sites) == 1
    assert facts.torch_steps.scopes is facts.tapes.scopes


def _python_files():
    for folder in ("examples", "rules/examples", "tests/fixtures"):
        yield from sorted((REPO / folder).rglob("*.py"))


def test_the_shortcut_drops_nothing_the_tape_search_finds(facts_of):
    """Over the repository's example programs: a file the shortcut skips is one in which the
    tape search finds no tape and no gradient call (it guards the shortcut against a tape
    form the search learns later)."""
    skipped = 0
    for path in _python_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if may_hold_tapes(text):
            continue
        try:
            facts = facts_of(text, str(path))
        except AssertionError:
            continue  # a fixture that does not parse
        index = tapes.build_tape_index(facts.ctx)
        assert (index.tapes, index.sites) == ([], []), path
        skipped += 1
    assert skipped > 20
