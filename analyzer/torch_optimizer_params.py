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

The same bug from the start: an optimizer over one model stepped after a backward whose
loss reaches only another model, one no optimizer holds (``opt = SGD(model.parameters())``
then ``criterion(net(x), y).backward(); opt.step()``). Said only when nothing can hide a
link between the two: see :func:`optimizers_over_other_models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.walk import FastVisitor

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.layout import ScopeLayout, Where
    from gradlint.analyzer.steps import BackwardSite, OptimizerStep, StepIndex, TorchOptimizer

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


# ---------------------------------------------------------------- an optimizer over another model

#: Methods of the other model that neither share its parameters nor hand them anywhere.
_OWN_USES = IDENTITY_METHODS | {"forward", "zero_grad", "state_dict"}
#: Calls that take the model only to show it.
_SHOWING = frozenset({"print", "repr", "str", "type", "id"})


@dataclass(frozen=True, eq=False)
class OtherModelOptimizer:
    """A backward whose loss reaches only a model no optimizer holds, stepped by an
    optimizer over another model the loss never reaches."""

    site: BackwardSite
    #: The model the loss is computed from (a plain name bound to a new module).
    model: str
    #: Where that model is built (its first construction).
    construction: cst.Call
    optimizer: TorchOptimizer
    #: The model the optimizer holds.
    owner: str
    step: OptimizerStep


def optimizers_over_other_models(ctx: ModuleContext, facts: Facts) -> list[OtherModelOptimizer]:
    """Backwards that train a model the optimizer stepped after them does not hold.

    Precise only: the loss must reach no model any optimizer holds, every optimizer of the
    file must have known parameters, the model trained must be a plain name bound only to a
    new module (``net = Net()``, ``nn.Sequential(...)``) and used only to compute (never
    handed to other code, never a part of another model, never given to an optimizer), and
    only optimizers gradlint knows step after the backward in its own scope."""
    index = facts.torch_steps
    if not index.optimizers or any(not o.owners for o in index.optimizers):
        return []
    owners = {owner for o in index.optimizers for owner in o.owners}
    found: list[OtherModelOptimizer] = []
    for site in index.backward_sites:
        if site.loss is None or not facts.backward_consumption(site).intent:
            continue
        reach = _LossReach(ctx, facts, site)
        if reach.unknown or any(_related_names(o, reach.names) for o in owners):
            continue
        steps = _steps_after(facts, index, site)
        if not steps:
            continue
        step, optimizer = steps[0]
        for name in sorted(reach.names):
            if "." in name or name not in reach.called:
                continue
            construction = _known_model(ctx, facts, index, site.scope, name)
            if construction is None:
                continue
            owner = sorted(optimizer.owners)[0]
            found.append(OtherModelOptimizer(site, name, construction, optimizer, owner, step))
            break
    return found


def _related_names(owner: str, names: set[str]) -> bool:
    return any(owner == m or owner.startswith(m + ".") or m.startswith(owner + ".") for m in names)


class _LossReach:
    """Everything a loss is computed from, following bindings up the scope chain, cut at
    ``.detach()``/``.item()`` like the step index's dependencies.

    ``unknown`` is set when the loss calls code that may read another model: a same-module
    function, a method of ``self``, a function's parameter, a name bound by ``for``/``with``/
    ``def``, or anything reached through ``self``."""

    def __init__(self, ctx: ModuleContext, facts: Facts, site: BackwardSite) -> None:
        self.ctx = ctx
        self.facts = facts
        self.site = site
        self.names: set[str] = set()
        self.called: set[str] = set()
        self.unknown = False
        self._at = facts.layout(site.scope).calls.get(site.call)
        self._seen: set[str] = set()
        self._pending: list[str] = []
        assert site.loss is not None
        self._walk(site.loss)
        steps = 0
        while self._pending and not self.unknown and steps < 200:
            steps += 1
            self._follow(self._pending.pop())
        if any(n.split(".", 1)[0] in ("self", "cls") for n in self.names):
            self.unknown = True

    def _walk(self, node: cst.CSTNode) -> None:
        reach = self
        detach = self.facts.torch_steps.vocabulary.detach_methods

        class _Refs(ShallowVisitor):
            def visit_Call(self, call: cst.Call) -> bool:
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in detach:
                    return False
                name = dotted_name(func)
                if name is not None:
                    reach.called.add(name.split(".", 1)[0])
                return True

            def visit_Attribute(self, attribute: cst.Attribute) -> bool:
                name = dotted_name(attribute)
                if name is None:
                    self.walk(attribute.value)
                    return False
                reach._add(name)
                return False

            def visit_Name(self, name: cst.Name) -> None:
                reach._add(name.value)

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                reach.unknown = True
                return False

        _Refs().walk(node)

    def _add(self, name: str) -> None:
        self.names.add(name)
        root = name.split(".", 1)[0]
        if root not in self._seen:
            self._seen.add(root)
            self._pending.append(root)

    def _follow(self, name: str) -> None:
        called = name in self.called
        for scope in self.site.scope.chain():
            if name in scope.params():
                if called:
                    self.unknown = True
                return
            bindings = self.facts.layout(scope).bindings.get(name)
            if not bindings:
                continue
            if scope is self.site.scope and self._at is not None:
                bindings = [b for b in bindings if b.where.before(self._at)] or bindings
            for binding in bindings:
                value = binding.value or binding.unpacked_from
                if value is None:
                    statement = binding.where.statement
                    if isinstance(statement, cst.FunctionDef) or (
                        called and not isinstance(statement, cst.ClassDef)
                    ):
                        self.unknown = True  # a local function, ``for fn in fns: fn(x)``
                    continue
                self._walk(value)
            return
        if called and name in self.ctx.imports.local_definitions and not _sliced_out(self.ctx):
            self.unknown = True  # a same-module function (not bound here) may read any model


def _steps_after(
    facts: Facts, index: StepIndex, site: BackwardSite
) -> list[tuple[OptimizerStep, TorchOptimizer]]:
    """The steps after ``site`` in its scope, each of one optimizer gradlint saw built; empty
    when anything else may consume the gradients (a manual update, an engine, an optimizer
    handed on, ``.grad`` read by the code, a step gradlint cannot tie to an optimizer)."""
    info = index.info[site.scope]
    if info.optimizer_handoffs or info.grad_reads:
        return []
    layout = facts.layout(site.scope)
    where = layout.calls.get(site.call)
    if where is None:
        return []
    found: list[tuple[OptimizerStep, TorchOptimizer]] = []
    for step in info.steps:
        if not isinstance(step.node, cst.Call) or not _after(layout, where, step.node):
            continue
        named = index.optimizers_named(step.optimizer or "")
        if step.form not in ("step", "scaler", "closure") or len(named) != 1:
            return []
        found.append((step, named[0]))
    return found


def _known_model(
    ctx: ModuleContext, facts: Facts, index: StepIndex, scope: Scope, name: str
) -> cst.Call | None:
    """The construction of ``name`` when it is a new module bound only here and used only to
    compute (see :func:`optimizers_over_other_models`); None otherwise."""
    for owner in scope.chain():
        if name in owner.params():
            return None
        bindings = facts.layout(owner).bindings.get(name)
        if bindings:
            break
    else:
        return None
    construction: cst.Call | None = None
    for binding in bindings:
        value = binding.value
        if not isinstance(value, cst.Call) or binding.augmented:
            return None
        core = _core(value)
        func = dotted_name(core.func) or ""
        if isinstance(core.func, cst.Attribute) and func.split(".", 1)[0] == name:
            if core.func.attr.value not in IDENTITY_METHODS:
                return None
            continue  # ``net = net.to(device)``
        if not _is_module_construction(ctx, index, core):
            return None
        construction = construction or core
    if construction is None or not _only_computes(ctx, facts, index, owner, name):
        return None
    return construction


def _is_module_construction(ctx: ModuleContext, index: StepIndex, call: cst.Call) -> bool:
    name, qualified = _last(ctx, call.func)
    if not name:
        return False
    last = qualified.rsplit(".", 1)[-1]
    local_modules = {
        s.class_node.name.value
        for s in index.scopes
        if s.class_node is not None and _is_module_class(s.class_node)
    }
    return bool(
        (".nn." in f".{qualified}." and last[:1].isupper() and not last.endswith("Loss"))
        or (name in ctx.imports.local_definitions and _sliced_out(ctx))
        or qualified.startswith("torchvision.models.")
        or last in local_modules
        or last.endswith(_MODULE_SUFFIXES)
    )


def _sliced_out(ctx: ModuleContext) -> bool:
    """The file is sliced, so a same-module definition it does not hold may be a model class
    or a function: assume the finding, which makes the whole file be read to decide."""
    return ctx.line_map is not None


def _only_computes(
    ctx: ModuleContext, facts: Facts, index: StepIndex, owner: Scope, name: str
) -> bool:
    """Every use of ``name`` where it is ``owner``'s binding is a call of the model, one of
    its own methods that keep its parameters to itself, or a rebinding: never an argument,
    an attribute read or write, an element of a container, a return value."""
    shadowing = {
        s.node
        for s in index.scopes
        if s is not owner
        and not s.is_module
        and (name in s.params() or name in facts.layout(s).bindings)
        and not _declares_global(s.node, name)
    }
    ok = True
    allowed: set[cst.CSTNode] = set()

    class _Uses(FastVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node not in shadowing

        def visit_Lambda(self, node: cst.Lambda) -> None:
            nonlocal ok
            params = node.params
            if any(p.name.value == name for p in (*params.params, *params.kwonly_params)):
                ok = False

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if isinstance(func, cst.Name) and func.value == name:
                allowed.add(func)
            elif (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == name
                and func.attr.value in _OWN_USES
            ):
                allowed.add(func.value)
            elif isinstance(func, cst.Name) and func.value in _SHOWING:
                for arg in node.args:
                    allowed.add(arg.value)

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            allowed.add(node.target)

        def visit_Attribute(self, node: cst.Attribute) -> None:
            allowed.add(node.attr)

        def visit_Arg(self, node: cst.Arg) -> None:
            if node.keyword is not None:
                allowed.add(node.keyword)

        def visit_Param(self, node: cst.Param) -> None:
            allowed.add(node.name)

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            allowed.add(node.name)

        def visit_Name(self, node: cst.Name) -> None:
            nonlocal ok
            if node.value == name and node not in allowed:
                ok = False

    uses = _Uses()
    if owner.is_module:
        uses.walk(ctx.module)
    else:
        for statement in owner.body():
            uses.walk(statement)
    return ok


def _declares_global(node: cst.CSTNode, name: str) -> bool:
    found = False

    class _Global(FastVisitor):
        def visit_Global(self, statement: cst.Global) -> None:
            nonlocal found
            if any(item.name.value == name for item in statement.names):
                found = True

    _Global().walk(node)
    return found
