"""PyTorch's names, as :class:`~gradlint.analyzer.vocabulary.Vocabulary`.

PyTorch computes gradients by side effect: ``loss.backward()`` fills each parameter's
``.grad`` and ``optimizer.step()`` reads them. So the fields that matter here are the
backward forms, the step forms and the optimizers; the tape-shaped fields are filled with
their nearest PyTorch meaning so that code written against :class:`Vocabulary` keeps working.
"""

from __future__ import annotations

import re

from gradlint.analyzer.vocabulary import Vocabulary

#: torch.optim's classes and the common third-party optimizers (timm, apex, bitsandbytes,
#: transformers, torch_optimizer), by their last name.
OPTIMIZER_CLASSES = frozenset(
    {
        "SGD",
        "Adam",
        "AdamW",
        "Adamax",
        "Adagrad",
        "Adadelta",
        "RMSprop",
        "Rprop",
        "ASGD",
        "LBFGS",
        "NAdam",
        "RAdam",
        "SparseAdam",
        "Adafactor",
        "Lion",
        "Lamb",
        "LAMB",
        "LARS",
        "Lookahead",
        "Shampoo",
        "Sophia",
        "SophiaG",
        "FusedAdam",
        "FusedLAMB",
        "FusedSGD",
        "AdamW8bit",
        "Adam8bit",
        "PagedAdamW",
        "PagedAdamW8bit",
        "DistributedFusedAdam",
        "ZeroRedundancyOptimizer",
        "AdaBelief",
        "AdaBound",
        "Ranger",
        "Yogi",
        "Novograd",
        "DiffGrad",
        "MADGRAD",
        "Muon",
        "ScheduleFreeAdamW",
    }
)

TORCH = Vocabulary(
    root_module="torch",
    short_name="torch",
    # PyTorch has no tape: the autograd graph is recorded by every operation. The gradient
    # functions that *return* values (``torch.autograd.grad``) are its nearest counterpart.
    tape_class="",
    gradient_methods=("grad",),
    trainable_attributes=frozenset({"parameters", "named_parameters"}),
    owner_attributes=frozenset({"parameters", "named_parameters", "state_dict", "buffers"}),
    variable_class="Parameter",
    weight_factory="self.register_parameter",
    update_method=re.compile(r"^(step|optimizer_step)$"),
    commented_update_methods=("step",),
    pair_update_method="",
    split_update_method="",
    # ``optimizerD``, ``d_optim``, ``opt_g``, ``gen_opt``, ``optimizers``.
    optimizer_name=re.compile(
        r"(?i:optim)|(^|_)(opt|OPT)s?(_|$|\d|[A-Z])|[a-z0-9](Opt|OPT)(_|$|\d|[A-Z])"
    ),
    optimizer_classes=OPTIMIZER_CLASSES,
    optimizer_packages=(".optim.", ".optimizers.", ".optimizer."),
    legacy_optimizer_package=".optim.",
    optimizer_state_reads=frozenset(
        {"param_groups", "state", "state_dict", "load_state_dict", "defaults", "zero_grad"}
    ),
    observers=(
        "torch.norm",
        "torch.linalg.norm",
        "torch.isfinite",
        "torch.isnan",
        "torch.isinf",
        "torch.numel",
    ),
    observer_packages=("torch.utils.tensorboard.",),
    effectful_functions=frozenset({"vmap", "checkpoint", "compile"}),
    effectful_packages=frozenset({"distributed", "func"}),
    opaque_functions=frozenset({"vmap", "checkpoint", "compile"}),
    keras_pure_packages=frozenset(),
    structural_functions=frozenset({"as_tensor", "stack", "cat"}),
    stop_gradient="detach",
    to_numpy_method="numpy",
    predict_methods=frozenset(),
    forward_methods=frozenset({"forward", "__call__"}),
    loss_name=re.compile(
        r"^(loss|loss_?fn|loss_?func(tion)?|criterion|\w+_loss_?(fn|func)|\w+_criterion)$"
    ),
    loss_class=re.compile(r"(Loss|Loss2d)$"),
    loss_package=".nn.",
    backward_method="backward",
    # ``accelerator.backward(loss)``, ``self.accelerator.backward``, ``fabric.backward``,
    # ``model_engine.backward`` (DeepSpeed), ``booster.backward`` (ColossalAI), and
    # ``optimizer.backward(loss)`` (apex's ``FP16_Optimizer`` in Megatron-style trainers,
    # ColossalAI's and DeepSpeed's ZeRO optimizers), which scale the loss first.
    backward_owners=re.compile(
        r"(^|_|\.)(accelerator|fabric|engine|model_engine|deepspeed|booster|strategy|optimizer)$",
        re.IGNORECASE,
    ),
    backward_functions=("torch.autograd.backward",),
    self_backward_methods=frozenset({"manual_backward"}),
    step_method="step",
    stepping_functions=frozenset({"optimizer_step"}),
    stepping_owners=re.compile(r"(^|_|\.)(engine|model_engine|deepspeed)$", re.IGNORECASE),
    non_optimizer_step=re.compile(
        r"sched|lr_|warmup|env|environment|simulat|progress|pbar|stepper|ema|swa_",
        re.IGNORECASE,
    ),
    # Calls that take an optimizer (or a name that reads like one) and never step it: they
    # read it, set its learning rate, wrap it for a later step by the code, or clip the
    # gradients the step will read (``accelerator.clip_grad_norm_``,
    # ``fabric.clip_gradients(model, optimizer)``, ``amp.master_params(optimizer)``,
    # Lightning's ``toggle_optimizer``, opacus' ``make_private``/``BatchMemoryManager``,
    # ``accelerator.free_memory``, opacus' old ``engine.attach(optimizer)`` (it hooks the
    # step), a ``linear_annealing(optimizer, ...)`` of the lr, a
    # checkpointer that saves its state (``DetectionCheckpointer(model, optimizer=opt)``), and
    # builtins such as ``vars(opt)`` of an argparse namespace named ``opt``).
    optimizer_readers=re.compile(
        r"(sched|LR$|_lr$|warmup|anneal|unscale_|prepare|initialize|scale_loss|state_dict|"
        r"save|load|checkpoint|print|log|isinstance|len|zip|type|getattr|setattr|hasattr|wrap|"
        r"zero_grad|param_groups|add_param_group|repr|str|format|ZeroRedundancy|"
        r"clip_grad|master_params|toggle_optimizer|free_memory|make_private|"
        r"BatchMemoryManager|subTest|^(vars|range|dir|id|enumerate|sorted|attach)$)",
        re.IGNORECASE,
    ),
    parameter_methods=frozenset({"parameters", "named_parameters"}),
    detach_methods=frozenset({"detach", "detach_", "item", "tolist", "numpy", "cpu_numpy"}),
    grad_observers=frozenset(
        {
            "norm",
            "abs",
            "max",
            "min",
            "mean",
            "sum",
            "isfinite",
            "isnan",
            "isinf",
            "print",
            "log",
            "add_histogram",
            "add_scalar",
            "Histogram",
            "vector_norm",
            "item",
        }
    ),
    inplace_update_methods=frozenset(
        {"add_", "sub_", "mul_", "addcmul_", "addcdiv_", "copy_", "div_", "lerp_"}
    ),
    commented_step_methods=("step",),
)
