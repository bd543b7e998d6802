"""Top-level backward calls that run before any optimizer exists are no training step."""

from __future__ import annotations

from gradlint.analyzer.torch_inspection import runs_before_any_optimizer

DEMO = (
    "import torch\n"
    "model = torch.nn.Linear(2, 1)\n"
    "model(torch.randn(4, 2)).sum().backward()\n"
    "print(model.weight.grad)\n"
)
LOOP = (
    "for step in range(3):\n"
    "    optimizer.zero_grad()\n"
    "    model(torch.randn(4, 2)).sum().backward()\n"
    "    optimizer.step()\n"
)


def _before(facts_of, text: str) -> list[bool]:
    index = facts_of(text).torch_steps
    return [runs_before_any_optimizer(index, site) for site in index.backward_sites]


def test_a_demo_before_the_optimizer_is_built(facts_of):
    text = DEMO + "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n" + LOOP
    assert _before(facts_of, text) == [True, False]
    assert [c.intent for c in facts_of(text).unstepped_backwards] == []


def test_a_backward_after_the_optimizer_is_built_is_a_training_step(facts_of):
    text = "import torch\nmodel = torch.nn.Linear(2, 1)\n"
    text += "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    text += LOOP.replace("    optimizer.step()\n", "")  # the step removed: frozen
    assert _before(facts_of, text) == [False]
    assert len(facts_of(text).unstepped_backwards) == 1


def test_an_optimizer_mentioned_in_the_statement_itself_counts(facts_of):
    # the loop's own zero_grad() names it: the loop is a training loop
    text = "import torch\nmodel = torch.nn.Linear(2, 1)\n" + LOOP.replace(
        "    optimizer.step()\n", ""
    )
    assert _before(facts_of, text) == [False]


def test_inside_a_function_the_usual_intent_rule_decides(facts_of):
    text = "import torch\ndef f(model):\n    model(torch.randn(4, 2)).sum().backward()\n"
    assert _before(facts_of, text) == [False]


FRESH_MODEL_DEMO = (
    "import torch\n"
    "def largest(net):\n"
    "    return max(p.grad.abs().max() for p in net.parameters())\n"
    "model = torch.nn.Linear(2, 1)\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    + LOOP
    + "model = torch.nn.Linear(2, 1)\n"
    "loss = model(torch.randn(4, 2)).sum()\n"
    "loss.backward()\n"
    "print(largest(model))\n"
)


def test_a_demo_on_a_fresh_model_no_optimizer_holds(facts_of):
    assert _before(facts_of, FRESH_MODEL_DEMO) == [False, True]
    assert facts_of(FRESH_MODEL_DEMO).unstepped_backwards == []


def test_a_model_that_keeps_its_parameters_is_not_fresh(facts_of):
    # DDP(model) / model.to(device) keep the parameters the optimizer holds
    text = FRESH_MODEL_DEMO.replace(
        "model = torch.nn.Linear(2, 1)\nloss", "model = torch.nn.DataParallel(model)\nloss"
    )
    assert _before(facts_of, text) == [False, False]


def test_an_optimizer_over_another_model_keeps_the_backward_a_step(facts_of):
    # the earlier optimizer was not built over the rebound name: it may hold these weights
    text = FRESH_MODEL_DEMO.replace(
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)",
        "optimizer = torch.optim.SGD(params, lr=0.1)",
    )
    assert _before(facts_of, text) == [False, False]


def test_an_optimizer_over_the_fresh_model_makes_it_a_step_again(facts_of):
    text = FRESH_MODEL_DEMO.replace(
        "model = torch.nn.Linear(2, 1)\nloss",
        "model = torch.nn.Linear(2, 1)\nopt2 = torch.optim.SGD(model.parameters())\nloss",
    )
    assert _before(facts_of, text) == [False, False]


def test_a_comment_that_says_optimize_is_no_optimizer(facts_of):
    """A tutorial's "we want to optimize the weights" comment above an autograd demo."""
    text = (
        "import torch\n# We want to optimize the weights, so first a look at autograd.\n"
        + DEMO[len("import torch\n") :]
        + "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        + LOOP
    )
    assert _before(facts_of, text) == [True, False]
    spelled = text.replace("# We want to optimize", "opt_name = 'sgd'  # We want to optimize")
    assert _before(facts_of, spelled) == [False, False]  # code that names one still counts
