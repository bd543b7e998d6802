"""Facts for GL103/GL104: which backward sites' losses are visibly cut from every model."""

from __future__ import annotations

import libcst as cst
import pytest

from gradlint.analyzer.torch_grad_flow import cut_losses


def _cuts(source: str) -> list[tuple[bool, list[str]]]:
    return [(c.whole, [b.kind for b in c.blockers]) for c in cut_losses(cst.parse_module(source))]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # the whole step under no_grad (real report: loss.backward() inside torch.no_grad())
        (
            "with torch.no_grad():\n    out = model(x)\n    loss = crit(out, y)\n"
            "    loss.backward()\n",
            [(True, ["no_grad"])],
        ),
        # forward under no_grad, loss outside; the target is a parameter named like one
        (
            "def step(x, y):\n    with torch.no_grad():\n        out = model(x)\n"
            "    loss = F.cross_entropy(out, y)\n    loss.backward()\n",
            [(True, ["no_grad"])],
        ),
        # a function decorated with no_grad
        (
            "@torch.no_grad()\ndef train(x, y):\n    loss = crit(model(x), y)\n"
            "    loss.backward()\n",
            [(True, ["no_grad"])],
        ),
        # the model output detached before the loss
        (
            "for x, y in loader:\n    out = model(x)\n    loss = crit(out.detach(), y)\n"
            "    loss.backward()\n",
            [(True, ["cut"])],
        ),
        # real report: adversarial term detached and turned into a float
        (
            "for x, y in loader:\n    fake = G(z)\n    adv = crit(D(fake), ones)\n"
            "    g_loss = content(fake, x) + 1e-3 * float(adv.detach())\n"
            "    g_loss.backward()\n",
            [(False, ["cut"])],
        ),
        # torch.tensor(x.item(), requires_grad=True): a fresh leaf, no model behind it
        (
            "for x, y in loader:\n    out = model(x)\n"
            "    loss = torch.tensor(crit(out, y).item(), requires_grad=True)\n"
            "    loss.backward()\n",
            [(True, ["cut"])],
        ),
    ],
)
def test_cut_losses_found(source: str, expected: list) -> None:
    assert _cuts(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        # no_grad teacher whose output is the target
        "def step(x):\n    with torch.no_grad():\n        t = teacher(x)\n"
        "    loss = F.kl_div(student(x), t)\n    loss.backward()\n",
        # the student output comes in as a parameter: unknown, assumed to carry
        "def distill(student_out, x):\n    with torch.no_grad():\n        t = teacher(x)\n"
        "    loss = F.kl_div(student_out, t)\n    loss.backward()\n",
        # GAN discriminator step: fake.detach() feeds D, whose forward carries
        "for x in loader:\n    fake = G(z)\n"
        "    d_loss = crit(D(fake.detach()), zeros) + crit(D(x), ones)\n    d_loss.backward()\n",
        # detached EMA target
        "for x in loader:\n    loss = mse(student(x), ema(x).detach())\n    loss.backward()\n",
        # AMP scaling of a loss that carries
        "for x in loader:\n    with torch.no_grad():\n        t = teacher(x)\n"
        "    loss = crit(model(x), t)\n    scaler.scale(loss).backward()\n",
        # logging the loss after backward
        "for x, y in loader:\n    loss = crit(model(x), y)\n    loss.backward()\n"
        "    loss = loss.item()\n",
        # backward under no_grad of a loss computed with grad on is fine
        "loss = crit(model(x), y)\nwith torch.no_grad():\n    loss.backward()\n",
        # enable_grad inside no_grad turns recording back on
        "with torch.no_grad():\n    with torch.enable_grad():\n        loss = crit(model(x), y)\n"
        "        loss.backward()\n",
    ],
)
def test_correct_code_stays_quiet(source: str) -> None:
    assert _cuts(source) == []


def test_facts_keep_only_cut_losses_of_training_steps(facts_of) -> None:
    """``facts.cut_losses`` (what GL103/GL104 read) drops sites without training intent."""
    step = (
        "import torch\n"
        "model = torch.nn.Linear(2, 1)\n"
        "{optimizer}"
        "def step(x, y):\n"
        "    with torch.no_grad():\n"
        "        out = model(x)\n"
        "    loss = torch.nn.functional.mse_loss(out, y)\n"
        "    loss.backward()\n"
        "    {step}\n"
    )
    training = step.format(
        optimizer="opt = torch.optim.SGD(model.parameters(), lr=0.1)\n", step="opt.step()"
    )
    demo = step.format(optimizer="", step="return model.weight.grad")
    assert [c.whole for c in facts_of(training).cut_losses] == [True]
    assert facts_of(demo).cut_losses == []
