"""Which later steps consume a backward's ``.grad``: a ``zero_grad()`` on every path from the
backward to a step empties that step's gradients first, so the step reads none of them."""

from __future__ import annotations

import libcst as cst
import pytest

GAN = (
    "import torch\n"
    "generator = torch.nn.Linear(2, 4)\n"
    "discriminator = torch.nn.Linear(4, 1)\n"
    "optimizer_G = torch.optim.Adam(generator.parameters())\n"
    "optimizer_D = torch.optim.Adam(discriminator.parameters())\n"
    "def train(loader, loss_fn):\n"
    "    for real, z in loader:\n"
    "        optimizer_G.zero_grad()\n"
    "        fake = generator(z)\n"
    "        g_loss = loss_fn(discriminator(fake))\n"
    "        g_loss.backward()\n"
    "{g_step}"
    "        {d_clear}\n"
    "        d_loss = loss_fn(discriminator(real)) + loss_fn(discriminator(fake.detach()))\n"
    "        d_loss.backward()\n"
    "        optimizer_D.step()\n"
)


def _lone_consumed(facts_of, text: str) -> bool:
    """Whether the file's only backward is consumed."""
    facts = facts_of(text)
    (site,) = facts.backward_sites
    return facts.backward_consumption(site).consumed


def _site(facts, loss: str):
    (site,) = [s for s in facts.backward_sites if s.loss_text == loss]
    return facts.backward_consumption(site)


def test_a_step_after_its_own_zero_grad_reads_none_of_an_earlier_backward(facts_of):
    """PyTorch-GAN with ``optimizer_G.step()`` removed: ``g_loss`` reaches the discriminator
    too, but ``optimizer_D.zero_grad()`` empties its ``.grad`` before its step."""
    facts = facts_of(GAN.format(g_step="", d_clear="optimizer_D.zero_grad()"))
    consumption = _site(facts, "g_loss")
    assert consumption.intent and not consumption.consumed
    ((step, clearing),) = consumption.cleared
    assert step.optimizer == "optimizer_D"
    assert facts.ctx.short_text(clearing) == "optimizer_D.zero_grad()"
    # the generator's step of the next iteration follows optimizer_G.zero_grad() too
    assert [s.optimizer for s in consumption.stepped] == ["optimizer_D"]
    assert _site(facts, "d_loss").consumed


def test_the_models_zero_grad_clears_the_optimizer_over_its_parameters(facts_of):
    facts = facts_of(GAN.format(g_step="", d_clear="discriminator.zero_grad()"))
    assert not _site(facts, "g_loss").consumed


@pytest.mark.parametrize(
    "d_clear",
    [
        "if real is None: optimizer_D.zero_grad()",  # not on every path
        "optimizer_D.zero_grad() if real is not None else None",  # part of an expression
        "generator.zero_grad()",  # another model: the discriminator keeps g_loss's .grad
        "pass",
    ],
)
def test_no_clearing_on_every_path_leaves_the_later_step_consuming(facts_of, d_clear):
    # ``optimizer_G`` is handed on (it may step there): only the clearing is in question.
    facts = facts_of(GAN.format(g_step="        log(optimizer_G)\n", d_clear=d_clear))
    consumption = _site(facts, "g_loss")
    assert consumption.consumed
    assert consumption.evidence == "stepped by optimizer_D.step()"


def test_an_optimizer_only_built_and_cleared_never_steps(facts_of):
    """Without ``optimizer_G.step()`` the generator's optimizer is only built and cleared:
    the discriminator's step reads g_loss's ``.grad`` of its own weights only."""
    facts = facts_of(GAN.format(g_step="", d_clear="pass"))
    consumption = _site(facts, "g_loss")
    assert consumption.intent and not consumption.consumed
    assert [o.key for o in consumption.needed] == ["optimizer_G"]
    # d_loss's backward came after the generator's clearing: it is not asked about it
    assert _site(facts, "d_loss").consumed


def test_a_submodules_zero_grad_does_not_clear_the_whole_model(facts_of):
    code = (
        "import torch\n"
        "def train(model, loader):\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for x in loader:\n"
        "        model(x).sum().backward()\n"
        "        model.head.zero_grad()\n"
        "        opt.step()\n"
    )
    facts = facts_of(code)
    assert facts.backward_consumption(facts.backward_sites[0]).consumed


def test_unknown_optimizers_are_cleared_by_name(facts_of):
    """stable-baselines3's SAC with the critic's step removed: the actor's optimizer (built
    elsewhere, its parameters unknown) is cleared before it steps."""
    facts = facts_of(
        "class SAC:\n"
        "    def train(self, batches):\n"
        "        for batch in batches:\n"
        "            critic_loss = self.critic(batch).mean()\n"
        "            self.critic.optimizer.zero_grad()\n"
        "            critic_loss.backward()\n"
        "            actor_loss = -self.critic(self.actor(batch)).mean()\n"
        "            self.actor.optimizer.zero_grad()\n"
        "            actor_loss.backward()\n"
        "            self.actor.optimizer.step()\n"
    )
    critic = _site(facts, "critic_loss")
    assert critic.intent and not critic.consumed
    assert _site(facts, "actor_loss").consumed


@pytest.mark.parametrize(
    "loop",
    [
        # the clearing at the top of the loop runs again before the next iteration's step
        "    for x in xs:\n        opt.zero_grad()\n        opt.step()\n"
        "        model(x).sum().backward()\n",
        # cleared after the backward, before the iteration ends
        "    for x in xs:\n        opt.step()\n        model(x).sum().backward()\n"
        "        opt.zero_grad()\n",
        # cleared between the backward and the step of the same iteration
        "    for x in xs:\n        model(x).sum().backward()\n        opt.zero_grad()\n"
        "        opt.step()\n",
        "    model(xs).sum().backward()\n    opt.zero_grad(set_to_none=True)\n    opt.step()\n",
    ],
)
def test_cleared_in_the_loop_before_the_step_runs(facts_of, loop):
    facts = facts_of(f"def train(model, opt, xs):\n{loop}")
    consumption = facts.backward_consumption(facts.backward_sites[0])
    assert consumption.intent and not consumption.consumed


@pytest.mark.parametrize(
    "loop",
    [
        # the usual loop: cleared before the backward, stepped after it
        "    for x in xs:\n        opt.zero_grad()\n        model(x).sum().backward()\n"
        "        opt.step()\n",
        # stepped (next iteration) before it is cleared
        "    for x in xs:\n        opt.step()\n        opt.zero_grad()\n"
        "        model(x).sum().backward()\n",
        # gradient accumulation: several backwards, then one step, then the clearing
        "    for i, x in enumerate(xs):\n        model(x).sum().backward()\n"
        "        if i % 4 == 3:\n            opt.step()\n            opt.zero_grad()\n",
        # two losses into one step
        "    for x in xs:\n        opt.zero_grad()\n        model(x).sum().backward()\n"
        "        model(x).mean().backward()\n        opt.step()\n",
        # a continue between the backward and the clearing: the step of the next iteration
        # may run first
        "    for x in xs:\n        opt.step()\n        model(x).sum().backward()\n"
        "        if x is None:\n            continue\n        opt.zero_grad()\n",
        # the clearing runs before the backward when the inner loop comes round again
        "    for x in xs:\n        opt.zero_grad()\n        for y in x:\n"
        "            model(y).sum().backward()\n            opt.step()\n",
        # LBFGS: the closure clears and backpropagates itself
        "    for x in xs:\n        def closure():\n            opt.zero_grad()\n"
        "            loss = model(x).sum()\n            loss.backward()\n            return loss\n"
        "        opt.step(closure)\n",
    ],
)
def test_correct_loops_stay_consumed(facts_of, loop):
    facts = facts_of(f"def train(model, opt, xs):\n{loop}")
    for site in facts.backward_sites:
        assert facts.backward_consumption(site).consumed, loop


def test_a_callee_that_clears_before_it_steps_consumes_nothing_of_the_caller(facts_of):
    code = (
        "import torch\n"
        "netD = torch.nn.Linear(4, 1)\n"
        "netG = torch.nn.Linear(2, 4)\n"
        "opt_d = torch.optim.Adam(netD.parameters())\n"
        "opt_g = torch.optim.Adam(netG.parameters())\n"
        "def train_g(z):\n"
        "    opt_g.zero_grad()\n"
        "    netD(netG(z)).mean().backward()\n"
        "    opt_g.step()\n"
        "def train(loader):\n"
        "    for real, z in loader:\n"
        "        netD.zero_grad()\n"
        "        d_loss = netD(real).mean() + netD(netG(z)).mean()\n"
        "        d_loss.backward()\n"
        "        train_g(z)\n"
    )
    facts = facts_of(code)
    assert not _site(facts, "d_loss").consumed


def test_autograd_grad_is_no_read_of_dot_grad(facts_of):
    """A gradient penalty's ``autograd.grad`` returns gradients; it reads no ``.grad``, so it
    does not consume the backward of a discriminator whose step is gone."""
    code = (
        "import torch\n"
        "import torch.autograd as autograd\n"
        "netD = torch.nn.Linear(4, 1)\n"
        "netG = torch.nn.Linear(2, 4)\n"
        "opt_d = torch.optim.Adam(netD.parameters())\n"
        "opt_g = torch.optim.Adam(netG.parameters())\n"
        "def train(loader):\n"
        "    for real, z in loader:\n"
        "        opt_d.zero_grad()\n"
        "        (grad,) = autograd.grad(netD(real).sum(), real, create_graph=True)\n"
        "        d_loss = netD(real).mean() + grad.pow(2).mean()\n"
        "        d_loss.backward()\n"
        "        opt_g.zero_grad()\n"
        "        netD(netG(z)).mean().backward()\n"
        "        opt_g.step()\n"
    )
    assert not _site(facts_of(code), "d_loss").consumed


def test_an_optimizer_over_weights_it_cannot_name_may_hold_the_losss(facts_of):
    """cleanrl's SAC: the entropy coefficient's optimizer is built over a bare tensor, so its
    step may consume a loss that (to gradlint) also reaches the actor, whose own step is
    cleared first."""
    code = (
        "import torch\n"
        "actor = torch.nn.Linear(4, 2)\n"
        "log_alpha = torch.zeros(1, requires_grad=True)\n"
        "actor_optimizer = torch.optim.Adam(actor.parameters())\n"
        "a_optimizer = torch.optim.Adam([log_alpha])\n"
        "def train(batches):\n"
        "    for obs in batches:\n"
        "        actor_optimizer.zero_grad()\n"
        "        actor(obs).mean().backward()\n"
        "        actor_optimizer.step()\n"
        "        log_pi = actor(obs)\n"
        "        alpha_loss = (-log_alpha.exp() * log_pi).mean()\n"
        "        a_optimizer.zero_grad()\n"
        "        alpha_loss.backward()\n"
        "        a_optimizer.step()\n"
    )
    assert _site(facts_of(code), "alpha_loss").consumed


def _only(facts):
    (site,) = facts.backward_sites
    return facts.backward_consumption(site)


TRAIN = (
    "import torch\n"
    "{imports}"
    "def train(model, optimizer, loader):\n"
    "    for x in loader:\n"
    "        optimizer.zero_grad()\n"
    "        model(x).sum().backward()\n"
    "{after}"
)


#: One pass of a training step, without a loop (a caller that steps after it returns
#: reads its gradients).
ONE_PASS = (
    "import torch\n"
    "{imports}"
    "def train(model, optimizer, x):\n"
    "    optimizer.zero_grad()\n"
    "    model(x).sum().backward()\n"
)


@pytest.mark.parametrize(
    "after",
    [
        # a call that only clips the gradients the (missing) step would read
        "        accelerator.clip_grad_norm_(params_to_optimize, 1.0)\n",
        "        fabric.clip_gradients(model, optimizer, clip_val=0.25)\n",
        "        self.untoggle_optimizer(optimizer)\n",
        "        linear_annealing(optimizer, 1, 10, 1e-3)\n",
        "        print(vars(opt))\n",
        "        for _ in range(optimization_steps):\n            pass\n",
        # an argument named after the verb "optimize" holds no optimizer
        "        make_buffer(8, optimize_memory_usage=optimize_memory_usage)\n",
        "        make_buffer(params_to_optimize)\n",
    ],
)
def test_calls_that_only_read_the_optimizer_do_not_consume(facts_of, after):
    facts = facts_of(TRAIN.format(imports="from lib import linear_annealing\n", after=after))
    consumption = _only(facts)
    assert consumption.intent and not consumption.consumed, consumption.evidence


@pytest.mark.parametrize(
    "after",
    ["        unknown(optimizer)\n", "        trainer.fit(optimizer_d)\n"],
)
def test_an_optimizer_handed_to_unknown_code_may_be_stepped(facts_of, after):
    facts = facts_of(TRAIN.format(imports="from lib import unknown\n", after=after))
    assert _only(facts).consumed


def test_a_local_named_like_the_function_is_no_use_of_it(facts_of):
    """pytorch/examples' siamese network: ``datasets.MNIST(root, train=train)`` in a
    dataset's ``__init__`` passes its own parameter ``train``, not the training function."""
    code = TRAIN.format(imports="", after="") + (
        "class Pairs:\n"
        "    def __init__(self, root, train=True):\n"
        "        self.data = load(root, train)\n"
    )
    assert not _only(facts_of(code)).consumed
    used = ONE_PASS.format(imports="") + "def main():\n    run(train)\n"
    assert _only(facts_of(used)).consumed  # the function handed on: the receiver may step


@pytest.mark.parametrize(
    ("imports", "launch"),
    [
        ("import torch.multiprocessing as mp\n", "mp.spawn(train, nprocs=2)"),
        ("from torch.multiprocessing import spawn\n", "spawn(train, args=(1,))"),
        ("import multiprocessing\n", "multiprocessing.Process(target=train).start()"),
    ],
)
def test_a_function_run_in_a_new_process_has_no_caller_that_steps(facts_of, imports, launch):
    code = TRAIN.format(imports=imports, after="") + f"def main():\n    {launch}\n"
    assert not _only(facts_of(code)).consumed


def test_a_function_handed_to_another_launcher_may_be_stepped_after(facts_of):
    code = ONE_PASS.format(imports="import gevent\n") + "def main():\n    gevent.spawn(train)\n"
    assert _only(facts_of(code)).consumed


@pytest.mark.parametrize("launch", ["run(train)", "gevent.spawn(train)", "train(m, o, xs)"])
def test_a_loop_that_clears_each_pass_unstepped_loses_all_but_the_last(facts_of, launch):
    """Whoever calls ``train`` may step after it returns, but each pass of its loop has
    cleared the previous pass's gradients by then, with nothing stepped in between."""
    code = TRAIN.format(imports="import gevent\n", after="") + (
        f"def main(m, o, xs):\n    {launch}\n    o.step()\n"
    )
    consumption = _only(facts_of(code))
    assert not consumption.consumed
    clearing, loop = consumption.cleared_each_pass
    assert isinstance(loop, cst.For) and clearing.func.value.value == "optimizer"


EACH_PASS = (
    "import torch\n"
    "def train(model, optimizer, loader, other):\n"
    "    for x in loader:\n"
    "{body}"
    "    optimizer.step()\n"
)


@pytest.mark.parametrize(
    ("body", "each_pass", "consumed"),
    [
        ("        optimizer.zero_grad()\n        model(x).sum().backward()\n", True, False),
        ("        model.zero_grad()\n        model(x).sum().backward()\n", True, False),
        # a look at them in the loop keeps it quiet: a statistics pass (Memory Aware
        # Synapses sums |grad| per batch) or a loop that shows them
        (
            "        optimizer.zero_grad()\n        model(x).sum().backward()\n"
            "        importance += model.weight.grad.abs()\n",
            False,
            True,
        ),
        (
            "        optimizer.zero_grad()\n        model(x).sum().backward()\n"
            "        print(model.weight.grad.norm())\n",
            False,
            True,
        ),
        # cleared on some passes only: not every pass loses them
        (
            "        if x:\n            optimizer.zero_grad()\n        model(x).sum().backward()\n",
            False,
            True,
        ),
        # cleared after the backward: that clearing is before the step on every path
        ("        model(x).sum().backward()\n        optimizer.zero_grad()\n", False, False),
        # another optimizer's clearing empties none of these
        ("        other.zero_grad()\n        model(x).sum().backward()\n", False, True),
        # a step, a hand-written use of the gradients, or a break in the loop
        (
            "        optimizer.zero_grad()\n        model(x).sum().backward()\n"
            "        if x > 3:\n            optimizer.step()\n",
            False,
            True,
        ),
        (
            "        optimizer.zero_grad()\n        model(x).sum().backward()\n"
            "        total.append(model.weight.grad.clone())\n",
            False,
            True,
        ),
        (
            "        optimizer.zero_grad()\n        model(x).sum().backward()\n"
            "        if x > 3:\n            break\n",
            False,
            True,
        ),
    ],
)
def test_a_clearing_on_every_pass_of_a_loop_without_a_step(facts_of, body, each_pass, consumed):
    consumption = _only(facts_of(EACH_PASS.format(body=body)))
    assert consumption.consumed is consumed
    assert (consumption.cleared_each_pass is not None) is each_pass


@pytest.mark.parametrize(
    ("loop", "consumed"),
    [
        # PyTorch-GAN's ESRGAN warm-up with its step removed: the continue goes round the
        # loop, whose clearing runs before the adversarial branch's step
        (
            "    for i, x in enumerate(xs):\n        opt.zero_grad()\n"
            "        if i < 10:\n            model(x).sum().backward()\n            continue\n"
            "        model(x).mean().backward()\n        opt.step()\n",
            False,
        ),
        # the clearing is after the step: the next iteration's step reads the warm-up's
        (
            "    for i, x in enumerate(xs):\n"
            "        if i < 10:\n            model(x).sum().backward()\n            continue\n"
            "        model(x).mean().backward()\n        opt.step()\n        opt.zero_grad()\n",
            True,
        ),
        # a break leaves the loop: what follows it is not worked out
        (
            "    for i, x in enumerate(xs):\n        opt.zero_grad()\n"
            "        if i < 10:\n            model(x).sum().backward()\n            break\n"
            "        opt.step()\n",
            True,
        ),
    ],
)
def test_a_continue_after_the_backward_goes_round_the_loop(facts_of, loop, consumed):
    facts = facts_of(f"def train(model, opt, xs):\n{loop}")
    assert facts.backward_consumption(facts.backward_sites[0]).consumed is consumed


def test_rpc_backward_is_a_backward_and_a_fetched_optimizer_steps(facts_of):
    """pytorch/examples' RPC scripts: ``dist_autograd.backward(context_id, [loss])``, stepped
    by ``opt.step(context_id)`` or by an optimizer fetched through ``rref.rpc_sync()``."""
    code = (
        "import torch.distributed.autograd as dist_autograd\n"
        "def train(model, opt, opt_rref, loss_fn, batches):\n"
        "    for x, y in batches:\n"
        "        with dist_autograd.context() as context_id:\n"
        "            dist_autograd.backward(context_id, [loss_fn(model(x), y)])\n"
        "{step}"
    )
    facts = facts_of(code.format(step=""))
    (site,) = facts.backward_sites
    assert site.form == "function" and site.loss_text == "[loss_fn(model(x), y)]"
    assert not facts.backward_consumption(site).consumed
    for step in ("opt.step(context_id)", "opt_rref.rpc_sync().step()"):
        facts = facts_of(code.format(step=f"            {step}\n"))
        assert facts.backward_consumption(facts.backward_sites[0]).consumed, step


@pytest.mark.parametrize(
    "look",
    [
        # Lightning's meta-learning example: the gradients are averaged in place
        "    for p in model.parameters():\n        p.grad.data.mul_(0.5)\n",
        # Pytorch-UNet: gradient histograms for the logger
        "    for tag, value in model.named_parameters():\n"
        "        histograms[tag] = wandb.Histogram(value.grad.data.cpu())\n",
        "    norm = torch.linalg.vector_norm(model.weight.grad, 2)\n",
    ],
)
def test_looking_at_or_scaling_dot_grad_in_place_consumes_nothing(facts_of, look):
    code = (
        "import torch\nimport wandb\n"
        "def train(model, optimizer, x, histograms):\n"
        "    optimizer.zero_grad()\n"
        "    model(x).sum().backward()\n"
        f"{look}"
    )
    facts = facts_of(code)
    consumption = facts.backward_consumption(facts.backward_sites[0])
    assert consumption.intent and not consumption.consumed, consumption.evidence


def test_a_helper_that_always_clears_counts_as_the_clearing(facts_of):
    from gradlint.analyzer.names import dotted_name

    text = (
        "import torch\n"
        "d_opt = torch.optim.Adam(D.parameters())\n"
        "g_opt = torch.optim.Adam(G.parameters())\n"
        "def reset_grad():\n"
        "    d_opt.zero_grad()\n"
        "    g_opt.zero_grad()\n"
        "def sometimes(i):\n"
        "    if i:\n"
        "        g_opt.zero_grad()\n"
        "for i in range(3):\n"
        "    reset_grad()\n"
        "    D(G(z)).mean().backward()\n"
        "    CLEAR\n"
        "    G(z).mean().backward()\n"
        "    g_opt.step()\n"
    )
    found = facts_of(text.replace("CLEAR", "reset_grad()")).unstepped_backwards
    assert [dotted_name(c.cleared[0][1].func) for c in found] == ["reset_grad"]
    assert facts_of(text.replace("CLEAR", "sometimes(i)")).unstepped_backwards == []


A3C = (
    "import torch\n"
    "def train(global_model, local_model, batches):\n"
    "    optimizer = torch.optim.Adam(global_model.parameters())\n"
    "    for batch in batches:\n"
    "        loss = local_model(batch).mean()\n"
    "        optimizer.zero_grad()\n"
    "        loss.backward()\n"
    "        for g, p in zip(global_model.parameters(), local_model.parameters()):\n"
    "            g._grad = {value}\n"
    "{step}"
)


@pytest.mark.parametrize(
    "value", ["p.grad", "p.grad.data", "p.grad.clone()", "p.grad.clone().detach().to(g.device)"]
)
def test_a_gradient_copied_into_another_grad_is_consumed_only_by_a_step(facts_of, value):
    """A3C copies the local gradients into the shared model's ``.grad``: the copy is no use
    of them, a step must follow."""
    unstepped = _site(facts_of(A3C.format(value=value, step="")), "loss")
    assert unstepped.intent and not unstepped.consumed
    stepped = _site(facts_of(A3C.format(value=value, step="        optimizer.step()\n")), "loss")
    assert stepped.consumed


@pytest.mark.parametrize("value", ["p.grad * 0.5", "compress(p.grad)", "p.grad.sign()"])
def test_a_value_computed_from_the_gradient_is_still_a_read(facts_of, value):
    """Something computed from ``.grad`` may be the update itself (an own optimizer, a
    compressed exchange): gradlint cannot tell, so it stays quiet."""
    assert _site(facts_of(A3C.format(value=value, step="")), "loss").consumed


MANUAL = (
    "import torch\n"
    "class PPO(LightningModule):\n"
    "    def training_step(self, batch):\n"
    "        opt_actor, opt_critic = self.optimizers()\n"
    "{before}"
    "        loss_actor = self.actor(batch).mean()\n"
    "        self.manual_backward(loss_actor)\n"
    "{after}"
    "        loss_critic = self.critic(batch).mean()\n"
    "        self.manual_backward(loss_critic)\n"
    "        opt_critic.step()\n"
    "        opt_critic.zero_grad()\n"
)


def test_an_optimizer_handed_out_and_cleared_after_its_backward_lost_its_step(facts_of):
    """Lightning's ``backward; step; zero_grad`` idiom with the step lost: the clearing
    right after the backward throws its gradients away."""
    consumption = _site(
        facts_of(MANUAL.format(before="", after="        opt_actor.zero_grad()\n")), "loss_actor"
    )
    assert consumption.intent and not consumption.consumed
    assert [o.key for o in consumption.needed] == ["opt_actor"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "        opt_actor.step()\n        opt_actor.zero_grad()\n"),
        ("        opt_actor.zero_grad()\n", ""),  # cleared before: says less
        ("", "        opt_actor.zero_grad()\n        helper(opt_actor)\n"),  # handed on
    ],
)
def test_a_handed_out_optimizer_stepped_cleared_first_or_handed_on_is_no_finding(
    facts_of, before, after
):
    assert _site(facts_of(MANUAL.format(before=before, after=after)), "loss_actor").consumed


TWO_LOOPS = (
    "import torch\n"
    "w = torch.zeros(1, requires_grad=True)\n"
    "for x in data:\n"
    "    (w * x).sum().backward()\n"
    "    with torch.no_grad():\n"
    "        w -= w.grad * 0.1\n"
    "        w.grad.zero_()\n"
    "model = torch.nn.Linear(1, 1)\n"
    "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "for x in data:\n"
    "    loss = model(x).sum()\n"
    "    loss.backward()\n"
    "{tail}"
)


def test_a_grad_read_before_the_backward_outside_its_loop_consumes_none_of_it(facts_of):
    """An earlier loop's hand-written update reads its own backward's gradients."""
    assert not _site(facts_of(TWO_LOOPS.format(tail="")), "loss").consumed
    read_after = TWO_LOOPS.format(tail="    scaled = model.weight.grad * 2\n")
    assert _site(facts_of(read_after), "loss").consumed  # a read after it may feed anything


ALTERNATING = (
    "import torch\n"
    "def train(model, disc, loader, accelerator):\n"
    "    opt = torch.optim.Adam(model.parameters())\n"
    "    opt_d = torch.optim.Adam(disc.parameters())\n"
    "    for i, batch in enumerate(loader):\n"
    "        gen = i % 2 == 0\n"
    "        if gen:\n"
    "            opt.zero_grad()\n"
    "        else:\n"
    "            opt_d.zero_grad()\n"
    "        fmap = model(batch)\n"
    "{between}"
    "        if {second}:\n"
    "            g_loss = disc(fmap).mean()\n"
    "            accelerator.backward(g_loss)\n"
    "        else:\n"
    "            d_loss = disc(fmap.detach()).mean()\n"
    "            accelerator.backward(d_loss)\n"
    "            opt_d.step()\n"
)


def test_a_clearing_on_the_same_flag_guards_the_other_branchs_step(facts_of):
    """Both ``if gen`` take the same branch: the discriminator steps only on passes that
    cleared it first, so it reads none of the generator's gradients."""
    consumption = _site(facts_of(ALTERNATING.format(between="", second="gen")), "g_loss")
    assert consumption.intent and not consumption.consumed


@pytest.mark.parametrize(
    ("between", "second"),
    [
        ("        gen = fmap.mean() > 0\n", "gen"),  # the flag is computed again
        ("", "gen and i > 3"),  # another condition
        ("", "flags[i]"),  # a subscript may differ
    ],
)
def test_a_condition_that_may_differ_keeps_the_step_counted(facts_of, between, second):
    consumption = _site(facts_of(ALTERNATING.format(between=between, second=second)), "g_loss")
    assert consumption.consumed


def test_a_name_bound_only_to_optimizer_classes_builds_optimizers(facts_of):
    """``optimizer_class = bnb.optim.AdamW8bit if args.use_8bit_adam else
    torch.optim.AdamW`` (Hugging Face scripts): its call builds an optimizer."""
    text = (
        "import torch\n"
        "import bitsandbytes as bnb\n"
        "optimizer_class = torch.optim.AdamW\n"
        "if args.use_8bit_adam:\n"
        "    optimizer_class = bnb.optim.AdamW8bit if args.paged else bnb.optim.Adam8bit\n"
        "optimizer = optimizer_class(unet.parameters(), lr=1e-4)\n"
        "optim_factory = make_factory()\n"
        "other = optim_factory(unet.parameters())\n"
    )
    optimizers = facts_of(text).torch_steps.optimizers
    assert [(o.key, sorted(o.owners)) for o in optimizers] == [("optimizer", ["unet"])]


def test_a_clearing_right_after_the_backward_with_a_call_between_that_may_step(facts_of):
    """A helper of the module between the backward and the clearing may step it."""
    text = (
        "import torch\n"
        "def update(opt):\n"
        "    opt.step()\n"
        "def train(model, disc, batches):\n"
        "    opt = torch.optim.Adam(model.parameters())\n"
        "    opt_d = torch.optim.Adam(disc.parameters())\n"
        "    for batch in batches:\n"
        "        loss = model(batch).mean()\n"
        "        loss.backward()\n"
        "        {between}\n"
        "        opt.zero_grad()\n"
        "        d_loss = disc(batch).mean()\n"
        "        d_loss.backward()\n"
        "        opt_d.step()\n"
        "        opt_d.zero_grad()\n"
    )
    assert not _site(facts_of(text.format(between="print(loss)")), "loss").consumed
    assert _site(facts_of(text.format(between="update(opt)")), "loss").consumed


def test_a_clearing_after_another_optimizers_step_discards_leaked_gradients(facts_of):
    """``g_loss.backward(); opt_g.step(); opt_d.zero_grad()`` in a generator step whose
    discriminator steps in another function: the clearing throws away what leaked into
    the discriminator on purpose; no finding."""
    text = (
        "import torch\n"
        "G, D = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)\n"
        "opt_g = torch.optim.Adam(G.parameters())\n"
        "opt_d = torch.optim.Adam(D.parameters())\n"
        "def train_generator(z):\n"
        "    g_loss = -D(G(z)).mean()\n"
        "    g_loss.backward()\n"
        "    opt_g.step()\n"
        "    opt_d.zero_grad()\n"
    )
    assert _site(facts_of(text), "g_loss").consumed


@pytest.mark.parametrize(
    ("kept", "consumed"),
    [
        ("importance[name].data += p.grad.abs()", True),
        ("fisher[name] += p.grad.norm()", True),
        # a running total for a log line keeps nothing per weight
        ("total_norm += p.grad.norm().item() ** 2", False),
    ],
)
def test_a_statistic_kept_per_weight_is_a_use_of_the_gradients(facts_of, kept, consumed):
    """Memory Aware Synapses and Fisher information keep a function of every weight's
    gradient, however they look at it (``abs``, ``norm``); nothing steps on purpose."""
    code = (
        "import torch\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "def importance(model, loader):\n"
        "    for x in loader:\n"
        "        model(x).sum().backward()\n"
        "        for name, p in model.named_parameters():\n"
        f"            {kept}\n"
    )
    assert _only(facts_of(code)).consumed is consumed


SIBLINGS = (
    "import torch\n"
    "class Checks:\n"
    "    def _components(self, model):\n"
    "        return model, torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "    def first(self, model, x):\n"
    "        model, optimizer = self._components(model)\n"
    "        optimizer.zero_grad()\n"
    "        model(x).sum().backward()\n"
    "    def second(self, model, loader):\n"
    "        model, optimizer = self._components(model)\n"
    "        for x in loader:\n"
    "{second}"
)


@pytest.mark.parametrize(
    ("second", "consumed"),
    [
        # cleared at the top of each of its passes: it steps only what it computes
        (
            "            optimizer.zero_grad()\n            model(x).sum().backward()\n"
            "            optimizer.step()\n",
            False,
        ),
        # a hook that steps first and clears after: the order is the framework's
        ("            optimizer.step()\n            optimizer.zero_grad()\n", True),
    ],
)
def test_another_method_clearing_before_its_step_consumes_nothing_of_this_one(
    facts_of, second, consumed
):
    facts = facts_of(SIBLINGS.format(second=second))
    (site, *_) = facts.backward_sites
    assert site.scope.name == "first"
    assert facts.backward_consumption(site).consumed is consumed


CLOSURE_AFTER = (
    "import torch\n"
    "class Checks:\n"
    "    def plain(self, model, optimizer, x):\n"
    "        optimizer.zero_grad()\n"
    "        model(x).sum().backward()\n"
    "    def with_closure(self, model, optimizer, loader):\n"
    "        for x in loader:\n"
    "            def closure():\n"
    "{clear}"
    "                loss = model(x).sum()\n"
    "                loss.backward()\n"
    "                return loss\n"
    "            optimizer.step(closure)\n"
    "def run(model, optimizer, loader):\n"
    "    checks = Checks()\n"
    "    checks.plain(model, optimizer, next(iter(loader)))\n"
    "    checks.with_closure(model, optimizer, loader)\n"
)


@pytest.mark.parametrize(
    ("clear", "consumed"),
    [("                optimizer.zero_grad()\n", False), ("", True)],
)
def test_a_closure_step_whose_closure_clears_first_reads_no_earlier_backward(
    facts_of, clear, consumed
):
    """``optimizer.step(closure)`` runs the closure before it updates: a closure that
    clears first leaves nothing of the earlier backward for the step."""
    facts = facts_of(CLOSURE_AFTER.format(clear=clear))
    (site,) = [s for s in facts.backward_sites if s.scope.name == "plain"]
    assert facts.backward_consumption(site).consumed is consumed


TEST_CASE = (
    "import unittest\n"
    "import torch\n"
    "class {name}:\n"
    "    def _train(self, model, optimizer, x):\n"
    "        optimizer.zero_grad()\n"
    "        model(x).sum().backward()\n"
    "    def {other}(self):\n"
    "        self.optimizer.step()\n"
)


@pytest.mark.parametrize(
    ("name", "other", "consumed"),
    [
        ("EngineChecks(unittest.TestCase)", "test_steps", False),  # a test runs alone
        ("Trainer", "optimizer_step", True),  # a hook the framework runs after the backward
    ],
)
def test_a_test_method_steps_nothing_of_a_helper_of_its_class(facts_of, name, other, consumed):
    assert _lone_consumed(facts_of, TEST_CASE.format(name=name, other=other)) is consumed


@pytest.mark.parametrize(
    ("base", "consumed"),
    [("ABC", False), ("unittest.TestCase", False), ("LightningModule", True)],
)
def test_a_standard_library_base_is_no_framework_loop(facts_of, base, consumed):
    text = (
        "import torch\n"
        f"class Checks({base}):\n"
        "    def helper(self, model, optimizer, x):\n"
        "        def closure():\n"
        "            optimizer.zero_grad()\n"
        "            loss = model(x).sum()\n"
        "            loss.backward()\n"
        "            return loss\n"
    )
    assert _lone_consumed(facts_of, text) is consumed


@pytest.mark.parametrize(("checked", "consumed"), [("DPOptimizer", False), ("opt_cls", True)])
def test_a_class_checked_by_isinstance_is_no_optimizer_a_caller_could_step(
    facts_of, checked, consumed
):
    text = (
        "import torch\n"
        "import torch.multiprocessing as mp\n"
        "def worker(rank, model, loader):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=1)\n"
        f"    assert isinstance(optimizer, {checked})\n"
        "    for x in loader:\n"
        "        optimizer.zero_grad()\n"
        "        model(x).sum().backward()\n"
        "        break\n"
        "def launch(fn, model):\n"
        "    mp.spawn(fn, args=(model,), nprocs=2)\n"
        "launch(worker, None)\n"
    )
    assert _lone_consumed(facts_of, text) is consumed


WORKER = (
    "import torch\n"
    "import torch.multiprocessing as mp\n"
    "{helper}"
    "def worker(rank, model, loader):\n"
    "    optimizer = torch.optim.SGD(model.parameters(), lr=1)\n"
    "{handoff}"
    "    for x in loader:\n"
    "        optimizer.zero_grad()\n"
    "        model(x).sum().backward()\n"
    "        break\n"
    "def launch(fn, model):\n"
    "    mp.spawn(fn, args=(model,), nprocs=2)\n"
    "launch(worker, None)\n"
)

_KEEPER = "def helper(model, optimizer):\n    optimizer.step()\n"
_GIVER = "def helper(model, optimizer):\n    return optimizer\n"
_STORER = "def helper(model, optimizer):\n    STATE.optimizer = optimizer\n"


@pytest.mark.parametrize(
    ("helper", "handoff", "consumed"),
    [
        ("", "    model, optimizer = engine.privatize(model, optimizer)\n", False),
        ("", "    wrapped = engine.privatize(model, optimizer)\n", True),
        ("", "    engine.attach(optimizer)\n", False),
        ("", "    engine.register(optimizer)\n", True),
        (_KEEPER, "    helper(model, optimizer)\n", False),
        (_GIVER, "    helper(model, optimizer)\n", True),
        (_STORER, "    helper(model, optimizer)\n", True),
    ],
)
def test_a_worker_keeps_an_optimizer_it_only_wraps_or_lends_to_own_code(
    facts_of, helper, handoff, consumed
):
    """A worker handed to ``mp.spawn`` that builds its optimizer: a wrapper whose result is
    bound back to the optimizer's name, or a helper of the file that neither returns nor
    stores it, leaves nobody else able to step it."""
    facts = facts_of(WORKER.format(helper=helper, handoff=handoff))
    (site,) = [s for s in facts.backward_sites if s.scope.name == "worker"]
    assert facts.backward_consumption(site).consumed is consumed


@pytest.mark.parametrize(
    ("retain", "second_step", "consumed"),
    [
        ("retain_graph=True", "optimizer.step()", True),  # ghost clipping's statistics pass
        ("", "optimizer.step()", False),  # a first loss whose step was lost
        ("retain_graph=True", "other.step()", False),  # the cleared optimizer never steps
    ],
)
def test_a_retained_pass_cleared_before_the_stepped_backward_is_a_statistics_pass(
    facts_of, retain, second_step, consumed
):
    text = (
        "import torch\n"
        "model = torch.nn.Linear(2, 1)\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "other = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)\n"
        "def train(loader):\n"
        "    for x in loader:\n"
        "        out = model(x)\n"
        f"        out.mean().backward({retain})\n"
        "        optimizer.zero_grad()\n"
        "        out.sum().backward()\n"
        f"        {second_step}\n"
    )
    facts = facts_of(text)
    site = facts.backward_sites[0]
    assert site.loss_text == "out.mean()"
    assert facts.backward_consumption(site).consumed is consumed


@pytest.mark.parametrize(
    ("after", "consumed"),
    [
        ("        self.optimizers().zero_grad()\n", False),  # gone before the loop sees it
        ("        self.log('loss', loss)\n", True),  # returned: the loop steps
    ],
)
def test_gradients_cleared_before_a_hook_returns_reach_no_framework_step(facts_of, after, consumed):
    text = (
        "import torch\n"
        "from lightning.pytorch import LightningModule\n"
        "class Model(LightningModule):\n"
        "    def training_step(self, batch):\n"
        "        loss = self.layer(batch).sum()\n"
        "        loss.backward()\n"
        f"{after}"
        "        return loss\n"
        "    def on_train_start(self):\n"
        "        self.check(self.optimizer)\n"
    )
    assert _lone_consumed(facts_of, text) is consumed


@pytest.mark.parametrize(
    ("between", "cleared", "consumed"),
    [
        ("", "opt_g", False),  # emptied at once: the later hand-off gets nothing
        ("", "opt_d", True),  # another optimizer cleared: opt_g's gradients remain
        ("    local_step()\n", "opt_g", True),  # own code that steps runs first
    ],
)
def test_a_zero_grad_right_after_the_backward_leaves_nothing_for_later_code(
    facts_of, between, cleared, consumed
):
    text = (
        "import torch\n"
        "gen = torch.nn.Linear(2, 2)\n"
        "disc = torch.nn.Linear(2, 1)\n"
        "opt_g = torch.optim.Adam(gen.parameters())\n"
        "opt_d = torch.optim.Adam(disc.parameters())\n"
        "def local_step():\n"
        "    opt_g.step()\n"
        "def train(batch):\n"
        "    loss = gen(batch).sum()\n"
        "    loss.backward()\n"
        f"{between}"
        f"    {cleared}.zero_grad()\n"
        "    engine.run_with(opt_g)\n"
    )
    assert _lone_consumed(facts_of, text) is consumed


@pytest.mark.parametrize(
    ("nested", "consumed"),
    [
        ("    def batches():\n        yield torch.ones(1, 2)\n", False),
        ("    def report():\n        print(opt)\n", True),
    ],
)
def test_a_nested_function_carries_out_an_optimizer_only_if_it_mentions_one(
    facts_of, nested, consumed
):
    text = (
        "import torch\n"
        "import torch.distributed.rpc as rpc\n"
        "def trainer(model):\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        f"{nested}"
        "    for x in [torch.ones(1, 2)]:\n"
        "        model(x).sum().backward()\n"
        "def run():\n"
        "    rpc.rpc_async('trainer0', trainer, args=(None,))\n"
    )
    assert _lone_consumed(facts_of, text) is consumed


@pytest.mark.parametrize(
    ("after", "consumed"),
    [
        ("        self.optim(list(self.model.parameters()))\n", True),  # an optimizer object
        ("        self.run_optimizer()\n", True),  # a method of the imported base class
        ("        self.optimizers()\n", False),  # Lightning's fetch: no update
        ("        self.log_optimizer_state()\n", False),  # a reader (log)
        ("        self.optimizer_class(self.model.parameters())\n", False),  # builds one
        ("        return self.optimizer._gather_flat_grad()\n", True),  # hands out .grad
        ("        self.optimizer._gather_flat_grad()\n", False),  # a value nobody uses
    ],
)
def test_code_named_as_an_optimizer_that_the_file_does_not_hold_may_update(
    facts_of, after, consumed
):
    text = (
        "import torch\n"
        "from train_base import TrainBase\n"
        "class Trainer(TrainBase):\n"
        "    def train_step(self, x):\n"
        "        loss = self.model(x).sum()\n"
        "        loss.backward()\n"
        f"{after}"
        "    def configure(self):\n"
        "        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)\n"
    )
    assert _lone_consumed(facts_of, text) is consumed


@pytest.mark.parametrize(
    ("name", "called", "consumed"),
    [
        ("run_fwd_bwd", False, True),  # a backward helper: its callers are elsewhere
        ("run_fwd_bwd", True, False),  # called here, by code that steps nothing
        ("train_epoch", False, False),  # not a backward helper
    ],
)
def test_a_backward_helper_without_callers_here_is_stepped_by_its_callers_elsewhere(
    facts_of, name, called, consumed
):
    text = (
        "import torch\n"
        "optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)\n"
        f"def {name}(model, x):\n"
        "    loss = model(x).sum()\n"
        "    loss.backward()\n"
        "    return loss\n"
        + (f"def main(model, x):\n    print({name}(model, x))\n" if called else "")
    )
    assert _lone_consumed(facts_of, text) is consumed


@pytest.mark.parametrize(
    ("held", "consumed"),
    [("        m.optimizer.zero_grad()\n", True), ("        m.log('done')\n", False)],
)
def test_an_object_that_holds_an_optimizer_steps_it(facts_of, held, consumed):
    """``m.step()`` where the code also names ``m.optimizer`` (DeepSpeed's engines)."""
    text = (
        "import torch\n"
        "optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)\n"
        "def train(loader):\n"
        "    m = wrap(torch.nn.Linear(2, 1))\n"
        "    for x in loader:\n"
        "        m.module(x).sum().backward()\n"
        "        m.step()\n"
        f"{held}"
    )
    assert _lone_consumed(facts_of, text) is consumed
