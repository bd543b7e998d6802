"""The names gradlint knows, kept apart from the machinery that reads them.

A :class:`Vocabulary` is what one framework calls things: its tape class and gradient
methods, the attributes that hold trainable weights, the update methods, the optimizers, the
functions that only look at a value. The value-flow machinery (:mod:`gradlint.analyzer.tapes`,
:mod:`gradlint.analyzer.dataflow`, :mod:`gradlint.analyzer.forward_pass`, ...) reads names only
through :attr:`gradlint.analyzer.facts.Facts.vocabulary`, so a second framework is a second
instance beside :data:`gradlint.analyzer.vocabulary.tensorflow.TENSORFLOW` (for PyTorch:
``loss.backward()`` as the gradient call, ``.parameters()`` as the weights, ``optimizer.step()``
as the update), not a second copy of the analysis.

The Python names below (builtins, container methods, loggers) are the same whatever the
framework, so they live here and not in a vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """One framework's names. Where two sets look alike, the field says why they differ."""

    #: The framework's top-level module as imports resolve it (``tensorflow``), and how
    #: messages spell it (``tf``).
    root_module: str
    short_name: str
    #: The class that records operations, and its methods that return gradients.
    tape_class: str
    gradient_methods: tuple[str, ...]
    #: Attributes that hold the *trainable* weights of a model: gradients of these are what a
    #: training step must apply (GL001's sources). Narrow on purpose: ``model.variables``
    #: includes non-trainable state, and its gradients are often taken for other reasons.
    trainable_attributes: frozenset[str]
    #: Attributes that hold any weights of their owner. Wider than ``trainable_attributes``:
    #: asking "does the tape's target depend on the model?" (GL003/GL007) or "are these the
    #: same weights?" (GL004) only needs the owner, whichever of its variable lists is read.
    owner_attributes: frozenset[str]
    #: ``tf.Variable``: a constructor whose result is one trainable weight.
    variable_class: str
    #: ``self.add_weight(...)`` in a layer: another way to create one.
    weight_factory: str
    #: Method names that change a variable or run an optimizer step, for the flow analysis:
    #: a gradient passed to one of these reached an update.
    update_method: re.Pattern[str]
    #: The updates that a *comment* may hold for GL002 to report it. Narrower than
    #: ``update_method``: a commented-out line is reported as a bug, so only the usual
    #: spellings of a weight step count (a commented ``step.assign_add(1)`` is a counter, a
    #: commented ``scatter_update`` is rarely a training step).
    commented_update_methods: tuple[str, ...]
    #: Updates that receive (gradient, variable) pairs: ``apply_gradients(zip(g, v))``
    #: and Keras 3's ``apply(g, v)`` (the second only on a receiver named like an optimizer).
    pair_update_method: str
    split_update_method: str
    #: Names of variables, parameters and attributes that hold an optimizer.
    optimizer_name: re.Pattern[str]
    #: Optimizer classes, by their last name (``tf.keras.optimizers.Adam`` -> ``Adam``).
    optimizer_classes: frozenset[str]
    #: The package part that marks an optimizer class (``.optimizers.``), and the v1 package
    #: whose ``*Optimizer`` classes are optimizers too (``.train.``).
    optimizer_packages: tuple[str, ...]
    legacy_optimizer_package: str
    #: Optimizer attributes read only for bookkeeping (steps, logging): reading them is not
    #: a sign of training.
    optimizer_state_reads: frozenset[str]
    #: Functions (qualified) and packages that only observe a value: printing, norms, shapes,
    #: summaries. A gradient that reaches only these is dropped.
    observers: tuple[str, ...]
    observer_packages: tuple[str, ...]
    #: Calls that run code or move values where the flow analysis cannot follow: a gradient
    #: passed to one counts as used (a missed bug beats a false alarm).
    effectful_functions: frozenset[str]
    effectful_packages: frozenset[str]
    #: The same idea for "did the tape record it?": functions that run arbitrary code (and may
    #: call the model themselves). Not the same set as ``effectful_functions``: ``group`` or
    #: ``control_dependencies`` move gradients out of sight, but they run no forward pass,
    #: while ``Module`` (a model built on the spot) does.
    opaque_functions: frozenset[str]
    #: ``keras.<these>.f`` are differentiable functions of their arguments.
    keras_pure_packages: frozenset[str]
    #: Functions that return their argument (or its structure) unchanged, so a value through
    #: them is still the recorded tensor.
    structural_functions: frozenset[str]
    #: The function that cuts the gradient path on purpose.
    stop_gradient: str
    #: Methods that turn a tensor into data the tape cannot see (``.numpy()``), and model
    #: methods that return such data (``predict``).
    to_numpy_method: str
    predict_methods: frozenset[str]
    #: Methods of a model that run its forward pass.
    forward_methods: frozenset[str]
    #: Conventional names of loss callables and loss classes: a loss only reads its inputs.
    loss_name: re.Pattern[str]
    loss_class: re.Pattern[str]
    loss_package: str
    #: Attributes that hold *all* of an owner's variables, non-trainable state included
    #: (``model.variables``): weights for GL001 only when the gradient is of a loss, since a
    #: norm, a checkpoint or a sensitivity check also differentiates with respect to them.
    all_variable_attributes: frozenset[str] = frozenset()
    #: The tape method that returns the variables it recorded (``tape.watched_variables()``).
    watched_variables_method: str | None = None
    #: Functions (qualified) and classes (by their last name) whose result holds the weights
    #: passed in: ``tf.nest.flatten(weights)``, ``ObjectIdentitySet(weights)``.
    weight_keeping_functions: frozenset[str] = frozenset()
    weight_keeping_classes: frozenset[str] = frozenset()
    #: Update methods that, on a non-trainable buffer variable, store a gradient instead of
    #: applying it (``t.assign(g)``; see :mod:`gradlint.analyzer.accumulators`).
    buffer_methods: frozenset[str] = frozenset()
    #: Optimizer methods that ask a tape passed to them for gradients and return
    #: (gradient, variable) pairs (``optimizer.compute_gradients(loss, var_list, tape)``).
    pair_gradient_methods: frozenset[str] = frozenset()
    #: Optimizer methods that return the gradients of a loss in graph mode, without a tape
    #: (Keras 2's ``optimizer.get_gradients(loss, params)``).
    graph_gradient_methods: frozenset[str] = frozenset()
    #: TF1 eager's gradient-function factories (``tfe.implicit_gradients(loss_fn)``): the
    #: function they return yields (gradient, variable) pairs of every variable it touches.
    implicit_gradient_factories: frozenset[str] = frozenset()
    #: Functions (by their last name, under the framework's root) that return trainable
    #: weights: ``tf.compat.v1.trainable_variables()``.
    trainable_functions: frozenset[str] = frozenset()
    #: ``tf.compat.v1.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)``: the collection
    #: function and the key's last name.
    collection_function: str = ""
    trainable_collection: str = ""
    #: The method name that ends a loss's name or a loss method's (``loss``, ``compute_loss``).
    loss_word: re.Pattern[str] = re.compile(r"(^|_)(loss|losses|cost|objective)(_|$|\d)", re.I)
    #: How the framework computes gradients into ``.grad`` by side effect (PyTorch's
    #: ``loss.backward()``), for the step facts (:mod:`gradlint.analyzer.steps`). Empty for
    #: TensorFlow, whose gradients are values (``tape.gradient``) and flow through the
    #: value-flow analysis instead.
    backward_method: str = ""
    #: Receivers whose ``.backward(loss)`` backpropagates ``loss`` (``accelerator``,
    #: ``fabric``, a DeepSpeed engine): the method form with the loss as an argument.
    backward_owners: re.Pattern[str] | None = None
    #: Functions (qualified) that backpropagate their first argument.
    backward_functions: tuple[str, ...] = ()
    #: Methods of ``self`` that backpropagate their argument (Lightning ``manual_backward``).
    self_backward_methods: frozenset[str] = frozenset()
    #: The method that updates the weights from ``.grad`` (``optimizer.step()``).
    step_method: str = ""
    #: Calls that step the optimizer passed as their argument (``scaler.step(opt)``,
    #: ``xm.optimizer_step(opt)``), by their last name.
    stepping_functions: frozenset[str] = frozenset()
    #: Receivers whose ``.step()`` updates weights whatever they are called (a DeepSpeed
    #: engine): they hold their own optimizer.
    stepping_owners: re.Pattern[str] | None = None
    #: Names of things with a ``.step()`` that is no weight update (schedulers, environments).
    non_optimizer_step: re.Pattern[str] | None = None
    #: Calls that take an optimizer and never step it (schedulers, ``unscale_``, ``prepare``,
    #: saving): an optimizer passed to any other unknown call may be stepped there.
    optimizer_readers: re.Pattern[str] | None = None
    #: Model methods that return the weights an optimizer is built over.
    parameter_methods: frozenset[str] = frozenset()
    #: Methods that cut a value from the autograd graph (``.detach()``, ``.item()``).
    detach_methods: frozenset[str] = frozenset()
    #: Functions and methods that read ``.grad`` only to look at it (norms, logging).
    grad_observers: frozenset[str] = frozenset()
    #: In-place tensor methods: ``p.data.add_(...)`` with a ``.grad`` is a manual update.
    inplace_update_methods: frozenset[str] = frozenset()
    #: Steps a commented-out line may hold for GL102 (``# optimizer.step()``).
    commented_step_methods: tuple[str, ...] = ()


#: Builtins whose result holds the elements of their first argument: a list, a sorted copy
#: or a set of weights is still those weights.
WEIGHT_KEEPING_BUILTINS = frozenset({"list", "tuple", "sorted", "set", "frozenset", "reversed"})
#: Builtins whose result is not a gradient value: they look at their argument.
OBSERVER_BUILTINS = frozenset(
    {
        "print",
        "len",
        "repr",
        "str",
        "format",
        "isinstance",
        "type",
        "id",
        "hasattr",
        "callable",
        "pprint",
        "bool",
        "hash",
    }
)
#: Builtins whose result carries the values of their arguments (the flow analysis follows a
#: gradient through them). Wider than :data:`PATH_BUILTINS`: ``float(g)`` still holds the
#: gradient's value, but no longer its recorded path.
VALUE_BUILTINS = frozenset(
    {
        "zip",
        "list",
        "tuple",
        "dict",
        "set",
        "frozenset",
        "enumerate",
        "reversed",
        "sorted",
        "map",
        "filter",
        "iter",
        "next",
        "sum",
        "min",
        "max",
        "abs",
        "float",
        "int",
        "round",
        "any",
        "all",
        "range",
    }
)
#: Builtins that keep a tensor's recorded path (the tape still differentiates through them).
#: Narrower than :data:`VALUE_BUILTINS`: only the ones that return tensors (or containers of
#: them) unchanged in kind; ``map``/``filter``/``next`` are left unknown rather than guessed.
PATH_BUILTINS = frozenset(
    {"abs", "sum", "min", "max", "list", "tuple", "zip", "reversed", "sorted", "dict"}
)
#: Builtins that turn a tensor into a Python number: the recorded path ends there.
CUT_BUILTINS = frozenset({"float", "int"})
#: Builtin names a loss written as a plain function may read and still only read its inputs.
SAFE_BUILTIN_NAMES = frozenset(
    {
        "abs",
        "sum",
        "min",
        "max",
        "len",
        "range",
        "float",
        "int",
        "bool",
        "list",
        "tuple",
        "dict",
        "zip",
        "enumerate",
        "isinstance",
        "None",
        "True",
        "False",
        "ValueError",
        "TypeError",
        "print",
        "pow",
        "round",
    }
)
#: Methods that put their argument into the receiver container.
CONTAINER_MUTATORS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "add",
        "update",
        "setdefault",
        "appendleft",
        "extendleft",
        "put",
        "push",
    }
)
#: Methods that return (part of) their receiver or argument without side effects, for the
#: flow analysis (a gradient's value goes through them).
VALUE_METHODS = frozenset(
    {
        "numpy",
        "astype",
        "reshape",
        "flatten",
        "ravel",
        "copy",
        "items",
        "values",
        "keys",
        "get",
        "get_unscaled_gradients",
        "get_scaled_loss",
        "with_values",
        "to_tensor",
        "read_value",
        "value",
        "indices",
        "dense_shape",
        "squeeze",
        "transpose",
        "sum",
        "mean",
        "tolist",
        "item",
        "pop",
        "index",
        "count",
        "split",
        "numpy_",
        "__getitem__",
        # ``tf.distribute.get_replica_context().all_reduce("mean", grads)`` returns the
        # reduced values (the replicas' average); applying them is left to the caller.
        "all_reduce",
    }
)
#: Methods of tensors and containers that keep the recorded path (result is derived data).
#: Narrower than :data:`VALUE_METHODS`: ``numpy``, ``tolist`` or ``item`` keep the value but
#: end the path (those are cuts, see ``Vocabulary.to_numpy_method``).
PATH_METHODS = frozenset(
    {
        "mean",
        "sum",
        "reshape",
        "squeeze",
        "transpose",
        "astype",
        "values",
        "items",
        "get",
        "__getitem__",
        "flatten",
        "ravel",
    }
)
#: Modules whose functions compute a result from their arguments and nothing else.
PURE_MODULE_ROOTS = (
    "numpy",
    "math",
    "operator",
    "copy",
    "itertools",
    "functools",
    "jax.numpy",
    "keras.ops",
    "tf_keras.ops",
)
#: Receivers that log (``logger.info(grads)``), and their logging methods.
LOGGER_NAME = re.compile(
    r"(^|\.|_)(log|logger|logging|logs|writer|summary_writer|tb|wandb|"
    r"mlflow|tqdm|pbar|progbar|progress_bar|console)$",
    re.IGNORECASE,
)
LOG_METHODS = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "print",
        "write",
        "set_postfix",
        "set_description",
    }
)
#: Context managers of test frameworks that expect the code inside to raise.
RAISES_CONTEXTS = ("assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "raises")
