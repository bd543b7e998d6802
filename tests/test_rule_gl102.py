"""GL102's fix uncomments the step, in place, and a second pass changes nothing."""

from __future__ import annotations

from gradlint.analyzer.sources import SourceUnit
from gradlint.engine import analyze_unit
from gradlint.fixing import fix_text

HEAD = (
    "import torch\n\n"
    "model = torch.nn.Linear(4, 1)\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n\n\n"
    "def train(loader):\n"
    "    for x, y in loader:\n"
    "        loss = torch.nn.functional.mse_loss(model(x), y)\n"
    "        loss.backward()\n"
)


def _findings(text):
    return analyze_unit(SourceUnit("train.py", text), ["GL101", "GL102"])


def test_uncommenting_the_step_fixes_both_rules():
    text = HEAD + "        # optimizer.step()  # restore me\n        print(loss)\n"
    found = _findings(text)
    assert sorted(f.code for f in found) == ["GL101", "GL102"]
    (commented,) = [f for f in found if f.code == "GL102"]
    assert commented.line == 11 and "backward at line 10" in commented.message
    fixed = fix_text(text, [commented])
    assert fixed == HEAD + "        optimizer.step()  # restore me\n        print(loss)\n"
    assert _findings(fixed) == []


def test_a_step_commented_at_column_zero_gets_the_block_indentation():
    text = HEAD + "#        optimizer.step()\n        print(loss)\n"
    (commented,) = [f for f in _findings(text) if f.code == "GL102"]
    assert fix_text(text, [commented]) == HEAD + "        optimizer.step()\n        print(loss)\n"


def test_a_step_commented_in_one_branch_is_reported_and_uncommented_there():
    """The other branch's hand-written update consumes the backward on its paths only: the
    comment is the update of this branch's paths (uncommenting it leaves the ``pass``)."""
    branches = (
        "        if use_optimizer:\n"
        "            # optimizer.step()\n"
        "            pass\n"
        "        else:\n"
        "            for p in model.parameters():\n"
        "                p.data.add_(p.grad, alpha=-0.1)\n"
    )
    text = HEAD + branches
    (commented,) = _findings(text)
    assert commented.code == "GL102" and commented.line == 12
    assert "in this branch" in commented.message and "backward at line 10" in commented.message
    fixed = fix_text(text, [commented])
    assert fixed == HEAD + branches.replace("# optimizer.step()", "optimizer.step()")
    assert _findings(fixed) == []
    beside = text.replace("            pass\n", "            optimizer.step()\n")
    assert _findings(beside) == []  # an old variant beside a live step


HELPERS = (
    "import torch\n\n\n"
    "class Loop:\n"
    "    def __init__(self, model):\n"
    "        self.model = model\n"
    "        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)\n\n"
    "    def run_step(self, x):\n"
    "        self.opt.zero_grad()\n"
    "        self.model(x).sum().backward()\n"
    "        if self.fp16:\n"
    "            self.optimize_fp16()\n"
    "        else:\n"
    "            self.optimize_normal()\n"
    "{after}\n"
    "    def optimize_fp16(self):\n"
    "        self.opt.step()\n\n"
    "    def optimize_normal(self):\n"
    "        print('step')\n"
    "        # self.opt.step()\n"
)


def test_a_step_commented_in_a_helper_called_in_one_branch_names_the_call():
    text = HELPERS.format(after="")
    (commented,) = [f for f in _findings(text) if f.code == "GL102"]
    assert commented.line == 22
    assert "in optimize_normal(), which run_step() calls in one branch (line 15)" in (
        commented.message
    )
    assert "backward at line 11" in commented.message
    fixed = fix_text(text, [commented])
    assert "        self.opt.step()\n" in fixed.split("def optimize_normal")[1]
    assert _findings(fixed) == []


def test_a_step_after_the_branch_keeps_a_helpers_commented_step_quiet():
    text = HELPERS.format(after="        self.opt.step()\n")
    assert [f for f in _findings(text) if f.code == "GL102"] == []
