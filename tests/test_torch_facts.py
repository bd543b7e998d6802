"""PyTorch's step facts asked directly: backward sites, steps, optimizers, consumption."""

from __future__ import annotations

import pytest

HEAD = (
    "import torch\n"
    "from torch import nn\n"
    "\n"
    "netG = nn.Linear(4, 4)\n"
    "netD = nn.Linear(4, 1)\n"
    "opt_d = torch.optim.Adam(netD.parameters())\n"
    "opt_g = torch.optim.SGD(list(netG.parameters()), lr=0.1)\n"
    "\n"
)


def _consumption(facts):
    (site,) = facts.backward_sites
    return facts.backward_consumption(site)


def test_optimizers_know_the_parameters_they_were_built_over(facts_of):
    facts = facts_of(HEAD)
    found = {o.key: (o.class_name, o.owners) for o in facts.torch_optimizers}
    assert found == {
        "opt_d": ("Adam", frozenset({"netD"})),
        "opt_g": ("SGD", frozenset({"netG"})),
    }


def test_parameters_through_a_local_name_and_param_groups(facts_of):
    facts = facts_of(
        "import torch\n"
        "def build(model, head):\n"
        "    params = [p for p in model.encoder.parameters() if p.requires_grad]\n"
        "    self_opt = torch.optim.AdamW([{'params': params}, {'params': head.parameters()}])\n"
    )
    (optimizer,) = facts.torch_optimizers
    assert optimizer.owners == {"head"}  # the literal groups win over the name
    facts = facts_of(
        "import torch\n"
        "def build(model):\n"
        "    params = list(model.encoder.parameters())\n"
        "    opt = torch.optim.AdamW(params)\n"
    )
    assert facts.torch_optimizers[0].owners == {"model.encoder"}


@pytest.mark.parametrize(
    ("call", "form", "loss"),
    [
        ("loss.backward()", "method", "loss"),
        ("scaler.scale(loss).backward()", "method", "scaler.scale(loss)"),
        ("accelerator.backward(loss)", "owner", "loss"),
        ("self.accelerator.backward(loss)", "owner", "loss"),
        # apex's FP16_Optimizer, ColossalAI's and DeepSpeed's ZeRO optimizers
        ("optimizer.backward(loss)", "owner", "loss"),
        ("self.fp16_optimizer.backward(lm_loss)", "owner", "lm_loss"),
        ("torch.autograd.backward(loss)", "function", "loss"),
        ("self.manual_backward(loss)", "manual_backward", "loss"),
    ],
)
def test_backward_forms(facts_of, call, form, loss):
    facts = facts_of(f"import torch\ndef f(self, loss):\n    {call}\n")
    (site,) = facts.backward_sites
    assert (site.form, site.loss_text) == (form, loss)


def test_a_seeded_backward_of_an_unknown_receiver_is_not_a_loss(facts_of):
    facts = facts_of("def f(self, module, g):\n    module.backward(g)\n    self.backward()\n")
    assert facts.backward_sites == []


@pytest.mark.parametrize(
    ("code", "form", "optimizer"),
    [
        ("optimizer.step()", "step", "optimizer"),
        ("self.opt_d.step()", "step", "self.opt_d"),
        ("optimizer.step(closure)", "closure", "optimizer"),
        ("scaler.step(optimizer)", "scaler", "optimizer"),
        ("xm.optimizer_step(optimizer)", "function", "optimizer"),
        ("model_engine.step()", "engine", None),
        ("p.data.add_(p.grad, alpha=-0.1)", "manual", None),
        ("p -= 0.1 * p.grad", "manual", None),
    ],
)
def test_step_forms(facts_of, code, form, optimizer):
    facts = facts_of(f"def f(self, optimizer, p, scaler, closure):\n    {code}\n")
    (step,) = facts.optimizer_steps
    assert (step.form, step.optimizer) == (form, optimizer)


@pytest.mark.parametrize(
    "code",
    ["scheduler.step()", "lr_scheduler.step()", "env.step(action)", "total += p.grad.norm()"],
)
def test_what_is_no_step(facts_of, code):
    facts = facts_of(f"def f(scheduler, lr_scheduler, env, action, p, total):\n    {code}\n")
    assert facts.optimizer_steps == []


def test_the_loss_depends_on_models_but_not_through_detach(facts_of):
    facts = facts_of(
        HEAD + "def train(z, real):\n"
        "    fake = netG(z)\n"
        "    d_loss = netD(real).mean() + netD(fake.detach()).mean()\n"
        "    d_loss.backward()\n"
        "    opt_d.step()\n"
    )
    consumption = _consumption(facts)
    assert {"netD", "real"} <= consumption.site.models
    assert "netG" not in consumption.site.models
    assert [o.key for o in consumption.needed] == ["opt_d"]
    assert consumption.consumed and consumption.evidence == "stepped by opt_d.step()"


def test_per_optimizer_another_optimizers_step_does_not_consume(facts_of):
    facts = facts_of(
        HEAD + "def train(loader):\n"
        "    for real in loader:\n"
        "        d_loss = netD(real).mean()\n"
        "        d_loss.backward()\n"
        "        opt_g.step()\n"
    )
    consumption = _consumption(facts)
    assert not consumption.consumed and consumption.intent
    assert [s.optimizer for s in consumption.stepped] == ["opt_g"]
    assert facts.unstepped_backwards == [consumption]


@pytest.mark.parametrize(
    ("body", "evidence"),
    [
        # the step of the next iteration, and accumulation every k iterations
        ("    for x in xs:\n        opt.step()\n        model(x).sum().backward()\n", "stepped"),
        (
            "    for i, x in enumerate(xs):\n        model(x).sum().backward()\n"
            "        if i % 4 == 3:\n            opt.step()\n",
            "stepped",
        ),
        ("    model(xs).sum().backward()\n    helper(opt)\n", "stepped by o.step() in helper"),
        ("    model(xs).sum().backward()\n    unknown(opt)\n", "optimizer passed to unknown"),
        ("    model(xs).sum().backward()\n    return xs.grad\n", "its .grad is read"),
    ],
)
def test_what_consumes_a_backward(facts_of, body, evidence):
    facts = facts_of(
        "import torch\nfrom lib import unknown\n"
        "def helper(o):\n    o.step()\n"
        f"def train(model, opt, xs):\n{body}"
    )
    consumption = _consumption(facts)
    assert consumption.consumed and consumption.evidence.startswith(evidence)


def test_a_step_before_the_backward_outside_a_loop_does_not_consume(facts_of):
    facts = facts_of("def train(model, opt, x):\n    opt.step()\n    model(x).sum().backward()\n")
    assert not _consumption(facts).consumed


def test_callers_step_after_the_helper_returns(facts_of):
    facts = facts_of(
        "def backward_pass(model, x):\n    model(x).sum().backward()\n"
        "def train(model, opt, xs):\n    for x in xs:\n        backward_pass(model, x)\n"
        "        opt.step()\n"
    )
    consumption = _consumption(facts)
    assert consumption.consumed and "after backward_pass() returns" in consumption.evidence
    assert consumption.intent  # the caller holds the optimizer


def test_tests_and_code_without_optimizer_have_no_training_intent(facts_of):
    assert not _consumption(facts_of("def f(m, x):\n    m(x).sum().backward()\n")).intent
    test = "def test_grad(m, optimizer, x):\n    m(x).sum().backward()\n"
    assert not _consumption(facts_of(test)).intent


@pytest.mark.parametrize(
    "code",
    [
        # corpus false alarms (opacus): a loss wrapper's backward, per-sample gradients read
        "class Loss:\n    def backward(self, optimizer):\n        self.loss.backward()\n",
        "def per_sample(model, optimizer, x):\n    model(x).sum().backward()\n"
        "    return {n: p.grad_sample for n, p in model.named_parameters()}\n",
    ],
)
def test_wrappers_and_per_sample_gradients_are_consumed(facts_of, code):
    assert _consumption(facts_of(code)).consumed
