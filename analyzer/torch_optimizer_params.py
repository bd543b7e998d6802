"""Optimizers left holding parameters the training no longer uses (GL105's facts).

A PyTorch optimizer keeps references to the parameter tensors it was built over. Rebinding
the model name afterwards (``model = Net()``, ``model = copy.deepcopy(model)``,
``model = ModuleValidator.fix(model)``) or assigning a new layer into it
(``model.fc = nn.Linear(...)``) leaves the optimizer stepping the old tensors, while the
forward pass uses new ones that no optimizer holds. Nothing fails: the loss is computed,
``backward()`` fills ``.grad`` of the new parameters, and they never change.

What keeps identity is quiet: ``nn.Module.to()``/``cuda()``/``half()``/``float()``/
``train()``/``eval()`` convert in place and return the module itself, and wrappers that
take the model (``torch.compile``, ``DistributedDataParallel``, ``nn.DataParallel``,
``accelerator.prepare``) share its parameters. So only a binding whose value does not
come from the model itself counts as a replacement (a new instance, a deep copy, a model
loaded whole with ``torch.load``, Opacus's ``ModuleValidator.fix`` which copies), and only
when the optimizer is not rebuilt after it and the replaced model is still trained after it
(a fresh instance built to evaluate a checkpoint is fine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.layout import ScopeLayout, Where
    from gradlint.analyzer.steps import StepIndex, TorchOptimizer

#: ``nn.Module`` methods that work in place and return the module itself: a value made by
#: them is the same object, with the same parameters.
IDENTITY_METHODS = frozenset(
    {
        "to",
        "cuda",
        "cpu",
        "xpu",
        "mps",
        "half",
        "float",
        "double",
        "bfloat16",
        "type",
        "train",
        "eval",
        "requires_grad_",
        "share_memory",
        "apply",
        "to_empty",
    }
)
#: Functions that return a new module with new parameters even though they take the model.
_COPYING = {"deepcopy": "deep-copied", "fix": "replaced by ModuleValidator.fix", "load": "loaded"}
#: Class-name endings of layers and models (``nn.Linear``, ``ClassifierHead``, ``ResNet``).
_MODULE_SUFFIXES = (
    "Linear",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "Embedding",
    "Sequential",
    "Identity",
    "Head",
    "Layer",
    "Block",
    "Module",
    "Net",
    "Norm",
    "Classifier",
    "Encoder",
    "Decoder",
    "Parameter",
    "LSTM",
    "GRU",
    "RNN",
)


@dataclass(frozen=True, eq=False)
class StaleOptimizer:
    """An optimizer whose model (or one of its layers) is replaced after it was built."""

    optimizer: TorchOptimizer
    #: The assignment that replaces it.
    statement: cst.CSTNode
    #: The dotted name assigned (``model``, ``model.fc``, ``model.classifier``).
    target: str
    #: The model the optimizer was built over that ``target`` belongs to (or is).
    owner: str
    #: "replaced" (the model itself, or a model it belongs to) or "swapped" (a layer of it).
    kind: str
    #: How: "re-instantiated", "deep-copied", "loaded", "replaced by ModuleValidator.fix".
    how: str


def stale_optimizers(ctx: ModuleContext, facts: Facts) -> list[StaleOptimizer]:
    """Every optimizer whose model is replaced after it was built and trained after that."""
    index = facts.torch_steps
    if not index.optimizers or not index.backward_sites and not index.steps:
        return []
    found: list[StaleOptimizer] = []
    for optimizer in index.optimizers:
        if not optimizer.owners:
            continue
        layout = facts.layout(optimizer.scope)
        built = layout.calls.get(optimizer.construction)
        if built is None:
            continue
        for assignment in _assignments(optimizer.scope):
            stale = _replacement(ctx, index, optimizer, assignment, layout, built)
            if stale is not None:
                found.append(stale)
                break
    return found


@dataclass(frozen=True)
class _Assignment:
    statement: cst.CSTNode
    target: str
    #: The target is an item of it (``model.classifier[6] = ...``), not the name itself.
    item: bool
    value: cst.Call


def _assignments(scope: Scope) -> list[_Assignment]:
    found: list[_Assignment] = []

    class _Collect(ShallowVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if not isinstance(node.value, cst.Call):
                return
            for target in node.targets:
                expr = target.target
                item = False
                while isinstance(expr, cst.Subscript):
                    expr, item = expr.value, True
                name = dotted_name(expr)
                if name is not None:
                    found.append(_Assignment(node, name, item, node.value))

    walk_scope(scope, _Collect())
    return found


def _replacement(
    ctx: ModuleContext,
    index: StepIndex,
    optimizer: TorchOptimizer,
    assignment: _Assignment,
    layout: ScopeLayout,
    built: Where,
) -> StaleOptimizer | None:
    where = layout.calls.get(assignment.value)
    if where is None or not _may_follow(built, where):
        return None
    target = assignment.target
    for owner in sorted(optimizer.owners):
        if not assignment.item and (owner == target or owner.startswith(target + ".")):
            how = _new_object(ctx, assignment.value, target)
            kind = "replaced"
        elif target.startswith(owner + ".") or (assignment.item and owner == target):
            how = _new_layer(ctx, index, assignment.value, target)
            kind = "swapped"
        else:
            continue
        if how is None:
            continue
        if _rebuilt_after(index, optimizer, layout, where):
            return None
        if not _trained_after(index, optimizer, layout, where, owner):
            return None
        return StaleOptimizer(optimizer, assignment.statement, target, owner, kind, how)
    return None


def _core(value: cst.Call) -> cst.Call:
    """``Net().to(device).train()`` -> ``Net()``: the identity methods changed nothing."""
    while (
        isinstance(value.func, cst.Attribute)
        and value.func.attr.value in IDENTITY_METHODS
        and isinstance(value.func.value, cst.Call)
    ):
        value = value.func.value
    return value


def _last(ctx: ModuleContext, func: cst.BaseExpression) -> tuple[str, str]:
    name = dotted_name(func) or ""
    qualified = ctx.imports.qualify(func) or name
    return name, qualified


def _new_object(ctx: ModuleContext, value: cst.Call, target: str) -> str | None:
    """How ``target = value`` makes a new model, or None when it keeps the parameters."""
    core = _core(value)
    name, qualified = _last(ctx, core.func)
    last = qualified.rsplit(".", 1)[-1]
    if last == "deepcopy":
        return _COPYING["deepcopy"]
    if last == "fix" and "ModuleValidator" in qualified:
        return _COPYING["fix"]
    if qualified in ("torch.load", "torch.jit.load"):
        return _COPYING["load"]
    if not name:
        return None  # ``factory()()``, ``models[k]()``: unknown
    root = name.split(".", 1)[0]
    if name == target or name.startswith(target + ".") or root in ("self", "cls"):
        return None  # a method of the model itself, or of the object that holds it
    if _mentions(core, target):
        return None  # a wrapper (compile, DDP, prepare) that shares the parameters
    return "re-instantiated"


def _new_layer(ctx: ModuleContext, index: StepIndex, value: cst.Call, target: str) -> str | None:
    """How ``model.fc = value`` puts new parameters in the model (None: not a layer)."""
    core = _core(value)
    name, qualified = _last(ctx, core.func)
    last = qualified.rsplit(".", 1)[-1]
    if last == "deepcopy":
        return "swapped in as a copy"
    if not name or any(dotted_name(arg.value) == target for arg in core.args):
        return None  # ``model.fc = wrap(model.fc)`` keeps the layer (its shape may be read)
    local_modules = {
        s.class_node.name.value
        for s in index.scopes
        if s.class_node is not None and _is_module_class(s.class_node)
    }
    if (
        ".nn." in f".{qualified}."
        and last[:1].isupper()
        or last in local_modules
        or last.endswith(_MODULE_SUFFIXES)
    ):
        return "swapped"
    return None


def _is_module_class(cls: cst.ClassDef) -> bool:
    return any("Module" in (dotted_name(arg.value) or "") for arg in cls.bases)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    found = False

    class _Find(ShallowVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            nonlocal found
            text = dotted_name(attribute)
            if text is None:
                return True
            if text == name or text.startswith(name + ".") or name.startswith(text + "."):
                found = True
            return False

        def visit_Name(self, node: cst.Name) -> None:
            nonlocal found
            if node.value == name or name.startswith(node.value + "."):
                found = True

    _Find().walk(node)
    return found


def _exclusive(first: Where, second: Where) -> bool:
    """In different branches of one ``if``/``match``: never both on one path."""
    labels = dict(first.chain)
    for node, label in second.chain:
        if node in labels and labels[node] != label and isinstance(node, cst.If | cst.Match):
            return True
    return False


def _may_follow(first: Where, second: Where) -> bool:
    return first.before(second) and not _exclusive(first, second)


def _after(layout: ScopeLayout, where: Where, node: cst.CSTNode) -> bool:
    other = layout.calls.get(node) if isinstance(node, cst.Call) else None
    return other is not None and _follows(where, other)


def _follows(where: Where, other: Where) -> bool:
    """``other`` may run after ``where``: later on one path, or in a loop around both."""
    if where.before(other) and not _exclusive(where, other):
        return True
    loops = {
        n for n, label in where.chain if label == "body" and isinstance(n, cst.For | cst.While)
    }
    return any(n in loops for n, label in other.chain if label == "body")


def _rebuilt_after(
    index: StepIndex, optimizer: TorchOptimizer, layout: ScopeLayout, where: Where
) -> bool:
    """The optimizer is built again (or given new parameters) after the replacement."""
    for other in index.optimizers_named(optimizer.key):
        if other.scope is optimizer.scope and _after(layout, where, other.construction):
            return True
    for binding in layout.bindings.get(optimizer.key, []):
        value = binding.value or binding.unpacked_from
        if value is None or not where.before(binding.where):
            continue
        if not _mentions(value, optimizer.key):
            return True  # a factory that builds it anew (a wrapper takes the old one)
    for call in layout.calls:
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "add_param_group"
            and dotted_name(func.value) == optimizer.key
            and _after(layout, where, call)
        ):
            return True
    return False


def _trained_after(
    index: StepIndex,
    optimizer: TorchOptimizer,
    layout: ScopeLayout,
    where: Where,
    owner: str,
) -> bool:
    """The model (or the optimizer) is used for training after the replacement: a backward
    or a step in the scope, or a call that takes the optimizer or reaches a training step."""
    scope = optimizer.scope
    for site in index.backward_sites:
        if site.scope is scope and _after(layout, where, site.call):
            return True
    for step in index.steps:
        if step.scope is scope and _after(layout, where, step.node):
            return True
    training = _training_scopes(index)
    callees: dict[cst.Call, list[Scope]] = {}
    for callee, callers in index.callers.items():
        for caller, call in callers:
            if caller is scope:
                callees.setdefault(call, []).append(callee)
    for call in layout.calls:
        if not _after(layout, where, call):
            continue
        if any(_mentions(arg.value, optimizer.key) for arg in call.args):
            return True
        if any(callee in training for callee in callees.get(call, [])):
            return True
    if owner.startswith("self.") and scope.class_node is not None:
        # Built in ``__init__``: the class's other methods train it, in an order its user picks.
        cls = scope.class_node
        return any(s.scope.class_node is cls for s in (*index.backward_sites, *index.steps))
    return False


def _training_scopes(index: StepIndex) -> set[Scope]:
    """Scopes that backpropagate or step, and the scopes that call them (a few levels)."""
    found = {s.scope for s in index.backward_sites} | {s.scope for s in index.steps}
    for _ in range(3):
        more = {
            caller
            for callee in list(found)
            for caller, _call in index.callers.get(callee, [])
            if not caller.is_module
        }
        if more <= found:
            break
        found |= more
    return found
