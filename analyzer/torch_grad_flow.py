"""Does the loss handed to ``backward()`` still carry a gradient back to a model?

PyTorch records the autograd graph only for operations run with grad mode on, and only
through tensor operations: a forward pass under ``torch.no_grad()``/``inference_mode()``
(GL103) or a ``.detach()``/``.item()``/``float()``/``.numpy()`` on the way (GL104) leaves a
loss whose ``backward()`` reaches no parameter of the model that produced it. This module
answers, for each backward site, whether the loss is cut and by what (the *blockers*).

The evaluation is deliberately one-sided, because a false alarm on correct code is worse
than a miss: anything it cannot see (a function parameter, an attribute, a same-module
helper, a comprehension, a call of an unknown callable) is assumed to carry a gradient, so
a loss is reported only when every path back from it is visibly cut. A cut that only feeds
a loss function's argument (``mse(pred, target.detach())``) or another model's forward
(``D(fake.detach())``) is an input, not a cut of the loss, as long as another path carries.
An additive term that is itself cut (``loss = ce + float(adv)``) is reported even when the
other terms carry: that term contributes nothing to any gradient.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from gradlint.analyzer.names import dotted_name as dotted
from gradlint.analyzer.walk import FastVisitor, children

#: Context managers / decorators that switch grad mode off, and the ones that switch it on.
_NO_GRAD = frozenset({"no_grad", "inference_mode"})
_ENABLE_GRAD = frozenset({"enable_grad"})
#: Tensor methods that cut the graph (their result has no grad_fn).
CUT_METHODS = frozenset({"detach", "item", "numpy", "tolist", "detach_"})
#: Builtins / constructors that turn a tensor into a plain number or a fresh leaf.
CUT_FUNCTIONS = frozenset({"float", "int"})
#: ``env.step(action)``, ``self.envs.reset()``: a gym-style environment's receiver.
_ENVIRONMENT = re.compile(r"(^|[._])(env|envs|environment|environments)$", re.IGNORECASE)
_TENSOR_FROM = frozenset({"tensor", "as_tensor", "Tensor", "FloatTensor", "array", "asarray"})
#: Module roots whose functions are differentiable operations of their arguments.
_PURE_ROOTS = frozenset({"torch", "F", "nn", "np", "numpy", "math", "functional"})
#: Builtins that count or test, never pass a tensor on: ``len(ep_rews)``.
_COUNTS = frozenset({"len", "isinstance", "hasattr", "id"})
_PURE_BUILTINS = frozenset({"sum", "abs", "max", "min", "pow", "list", "tuple", "sorted"})
#: Tensor methods whose result carries its receiver's (and arguments') gradient.
_TENSOR_METHODS = frozenset(
    [
        "mean",
        "sum",
        "view",
        "reshape",
        "squeeze",
        "unsqueeze",
        "flatten",
        "float",
        "double",
        "half",
        "to",
        "cuda",
        "cpu",
        "log",
        "exp",
        "pow",
        "abs",
        "clamp",
        "softmax",
        "log_softmax",
        "sigmoid",
        "tanh",
        "relu",
        "max",
        "min",
        "t",
        "transpose",
        "permute",
        "contiguous",
        "mul",
        "add",
        "sub",
        "div",
        "neg",
        "sqrt",
        "norm",
        "expand",
        "expand_as",
        "repeat",
        "gather",
        "masked_fill",
        "type",
        "chunk",
        "split",
        "square",
        "scale",
        "sign",
        "cumsum",
        "prod",
        "squeeze_",
        "unsqueeze_",
        "view_as",
        "reshape_as",
        "clone",
        "narrow",
        "select",
        "index_select",
        "masked_select",
        "logsumexp",
        "std",
        "var",
        "mm",
        "matmul",
        "bmm",
        "dot",
    ]
)


#: Names of a loss function's arguments that hold targets, not predictions.
_TARGET_NAME = re.compile(r"^(y|ys|yb|y_?true|y_?batch|gts?|\w*_?(target|label|gt)s?)$", re.I)


@dataclass(frozen=True, eq=False)
class Blocker:
    """Where a gradient path was visibly cut: ``kind`` is ``"no_grad"`` or ``"cut"``."""

    kind: str
    node: cst.CSTNode
    #: The ``with``/decorator that turned grad mode off (for ``no_grad``), else None.
    context: cst.CSTNode | None = None


@dataclass(frozen=True, eq=False)
class CutLoss:
    """A backward site whose loss (or one additive term of it) reaches no model."""

    backward: cst.Call
    loss: cst.BaseExpression
    #: True: the whole loss carries no gradient; False: one additive term is cut.
    whole: bool
    blockers: tuple[Blocker, ...]


def grad_switch(node: cst.BaseExpression) -> bool | None:
    """False for ``torch.no_grad()`` & co., True for ``enable_grad()``, None otherwise."""
    call = node if isinstance(node, cst.Call) else None
    name = dotted(call.func if call else node)
    if not name:
        return None
    last = name.rsplit(".", 1)[-1]
    if last in _NO_GRAD:
        if last == "inference_mode" and call and call.args:
            value = call.args[0].value
            if isinstance(value, cst.Name) and value.value == "False":
                return True
            if not (isinstance(value, cst.Name) and value.value == "True"):
                return None
        return False
    if last in _ENABLE_GRAD:
        return True
    if last == "set_grad_enabled" and call and call.args:
        value = call.args[0].value
        if isinstance(value, cst.Name) and value.value in ("True", "False"):
            return value.value == "True"
    return None


@dataclass
class _Binding:
    value: cst.BaseExpression | None
    grad: bool
    context: cst.CSTNode | None
    data: bool = False


@dataclass
class _ScopeRecord:
    bindings: dict[str, list[_Binding]] = field(default_factory=dict)
    backwards: list[tuple[cst.Call, cst.BaseExpression, bool, cst.CSTNode | None]] = field(
        default_factory=list
    )


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _calls_free_code(function: cst.FunctionDef) -> bool:
    """Whether the function calls something it is not handed (a model it closes over, a
    global helper, ``self.net``): its result may carry a gradient whatever its arguments."""
    params = {p.name.value for p in (*function.params.params, *function.params.kwonly_params)}
    found = False

    class _Calls(FastVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            name = dotted(node.func) or ""
            root = name.split(".", 1)[0]
            if (
                root
                and root not in params
                and root not in _PURE_ROOTS
                and not (name in _PURE_BUILTINS or name in _COUNTS or name in CUT_FUNCTIONS)
            ):
                found = True

    _Calls().walk(function.body)
    return found


def _pairwise(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> list[tuple[cst.BaseExpression, cst.BaseExpression]] | None:
    """``a, b = x, y``: each target with its own value (``ep_ret, ep_len = sum(r), len(r)``
    gives ``ep_len`` nothing of ``sum(r)``); None when the shapes do not match one to one."""
    if not (isinstance(target, cst.Tuple | cst.List) and isinstance(value, cst.Tuple | cst.List)):
        return None
    if len(target.elements) != len(value.elements) or any(
        isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)
    ):
        return None
    return [(t.value, v.value) for t, v in zip(target.elements, value.elements, strict=True)]


class _Recorder(FastVisitor):
    """One scope's bindings and backward calls, each with the grad mode it ran under."""

    def __init__(self, record: _ScopeRecord, grad: bool, context: cst.CSTNode | None) -> None:
        self.record = record
        self.modes: list[tuple[bool, cst.CSTNode | None]] = [(grad, context)]

    def _bind(self, names: Iterator[str], value: cst.BaseExpression | None, data=False) -> None:
        grad, context = self.modes[-1]
        for name in names:
            self.record.bindings.setdefault(name, []).append(_Binding(value, grad, context, data))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_With(self, node: cst.With) -> None:
        grad, context = self.modes[-1]
        for item in node.items:
            switch = grad_switch(item.item)
            if switch is not None:
                grad, context = switch, (None if switch else node)
            if item.asname is not None:
                self._bind(_target_names(item.asname.name), None)
        self.modes.append((grad, context))

    def leave_With(self, original_node: cst.With) -> None:
        self.modes.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            pairs = _pairwise(target.target, node.value)
            if pairs is None:
                self._bind(_target_names(target.target), node.value)
            for name_target, value in pairs or ():
                self._bind(_target_names(name_target), value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(_target_names(node.target), node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(_target_names(node.target), node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(_target_names(node.target), node.value)

    def visit_For(self, node: cst.For) -> None:
        iterated = cst.Module([]).code_for_node(node.iter)
        data = not any(word in iterated for word in ("param", "grad", "model", "zip("))
        self._bind(_target_names(node.target), None if not data else node.iter, data=data)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "backward"):
            return
        grad, context = self.modes[-1]
        if node.args:
            # accelerator.backward(loss) / torch.autograd.backward(loss)
            if any(arg.keyword is None for arg in node.args[:1]):
                self.record.backwards.append((node, node.args[0].value, grad, context))
            return
        self.record.backwards.append((node, func.value, grad, context))


def _decorator_mode(node: cst.FunctionDef) -> tuple[bool, cst.CSTNode | None]:
    for decorator in node.decorators:
        switch = grad_switch(decorator.decorator)
        if switch is False:
            return False, decorator
    return True, None


def _scopes(module: cst.Module) -> Iterator[tuple[cst.CSTNode, bool, cst.CSTNode | None]]:
    yield module, True, None
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        for child in children(node):
            if isinstance(child, cst.FunctionDef):
                grad, context = _decorator_mode(child)
                yield child, grad, context
            stack.append(child)


class _Evaluator:
    """Whether an expression carries a gradient, with the blockers met on the way."""

    def __init__(
        self, record: _ScopeRecord, own_functions: dict[str, cst.FunctionDef] | None = None
    ) -> None:
        self.bindings = record.bindings
        self.active: set[str] = set()
        #: The module's functions by name (nested ones too), to see when a loss helper
        #: computes its loss from a model it closes over.
        self.own_functions = own_functions or {}

    def carries(
        self, expr: cst.BaseExpression, grad: bool, context: cst.CSTNode | None
    ) -> tuple[bool, list[Blocker]]:
        if isinstance(expr, cst.Name):
            return self._name(expr.value)
        carry, blockers = self._grad_mode(expr)
        if not grad and carry:
            return False, [Blocker("no_grad", expr, context)]
        return carry, blockers

    def _name(self, name: str) -> tuple[bool, list[Blocker]]:
        if name in ("True", "False", "None"):
            return False, []
        found = self.bindings.get(name)
        if not found:
            return True, []  # a parameter, a global, a builtin: unknown, assume it carries
        if name in self.active:
            return False, []
        self.active.add(name)
        try:
            blockers: list[Blocker] = []
            for binding in found:
                if binding.data:
                    continue
                if binding.value is None:
                    return True, []
                carry, more = self.carries(binding.value, binding.grad, binding.context)
                if carry:
                    return True, []
                blockers.extend(more)
            return False, blockers
        finally:
            self.active.discard(name)

    def _all(self, exprs, grad_ctx=None) -> tuple[bool, list[Blocker]]:
        blockers: list[Blocker] = []
        for expr in exprs:
            carry, more = self.carries(expr, True, None)
            if carry:
                return True, []
            blockers.extend(more)
        return False, blockers

    def _grad_mode(self, expr: cst.BaseExpression) -> tuple[bool, list[Blocker]]:
        """The answer as if grad mode were on for ``expr``'s own operations."""
        if isinstance(expr, (cst.BaseNumber, cst.BaseString, cst.Comparison, cst.BooleanOperation)):
            return False, []
        if isinstance(expr, cst.BinaryOperation):
            return self._all([expr.left, expr.right])
        if isinstance(expr, cst.UnaryOperation):
            return self.carries(expr.expression, True, None)
        if isinstance(expr, cst.IfExp):
            return self._all([expr.body, expr.orelse])
        if isinstance(expr, (cst.Tuple, cst.List)):
            return self._all([element.value for element in expr.elements])
        if isinstance(expr, cst.Subscript):
            return self.carries(expr.value, True, None)
        if isinstance(expr, cst.Attribute):
            if expr.attr.value == "data":
                return self._cut(expr, expr.value)
            return self.carries(expr.value, True, None)
        if isinstance(expr, cst.Call):
            return self._call(expr)
        return True, []

    def _cut(self, node: cst.CSTNode, inner: cst.BaseExpression) -> tuple[bool, list[Blocker]]:
        carry, blockers = self.carries(inner, True, None)
        if carry:
            return False, [Blocker("cut", node)]
        return False, blockers

    def _call(self, call: cst.Call) -> tuple[bool, list[Blocker]]:
        func = call.func
        args = [arg.value for arg in call.args]
        name = dotted(func) or ""
        last = name.rsplit(".", 1)[-1]
        if any(arg.keyword and arg.keyword.value == "requires_grad" for arg in call.args):
            if last in _TENSOR_FROM and args:
                carry, blockers = self._all(args[:1])
                if carry:
                    return False, [Blocker("cut", call)]
                return (False, blockers) if blockers else (True, [])
            return True, []
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("step", "reset")
            and _ENVIRONMENT.search(name.rsplit(".", 1)[0])
        ):
            # an environment's observations and rewards are numbers from outside the graph
            # (policy-gradient returns built from them are constants on purpose)
            return False, []
        if isinstance(func, cst.Attribute) and dotted(func.value) is None:
            # a method of a computed value: out.detach(), model(x).mean()
            return self._method(call, func, args)
        if name in CUT_FUNCTIONS and len(args) == 1:
            return self._cut(call, args[0])
        root = name.split(".", 1)[0]
        if "." in name and root in _PURE_ROOTS:
            if last in _TENSOR_FROM and args:
                return self._cut(call, args[0])
            if root == "F" or "functional" in name or "loss" in last:
                return self._all([a for a in args if not self._unbound(a)])
            return self._all(args)
        if isinstance(func, cst.Attribute) and func.attr.value in (CUT_METHODS | _TENSOR_METHODS):
            return self._method(call, func, args)
        if name in _PURE_BUILTINS:
            return self._all(args)
        if name in _COUNTS:
            return False, []  # an int: it carries no gradient, and cuts nothing either
        own = self.own_functions.get(name)
        if own is not None and _calls_free_code(own):
            return True, []  # ``compute_loss(obs, act, w)`` runs the policy it closes over
        if "loss" in last.lower() or "crit" in last.lower():
            # a loss function's plain-name arguments the scope never binds are its targets
            return self._all([a for a in args if not self._unbound(a)])
        return True, []  # a model, a helper, anything else: it may carry

    def _unbound(self, expr: cst.BaseExpression) -> bool:
        """A name the scope never binds that reads as a target (``y``, ``labels``)."""
        return (
            isinstance(expr, cst.Name)
            and expr.value not in self.bindings
            and _TARGET_NAME.match(expr.value) is not None
        )

    def _method(
        self, call: cst.Call, func: cst.Attribute, args: list[cst.BaseExpression]
    ) -> tuple[bool, list[Blocker]]:
        method = func.attr.value
        if method in CUT_METHODS:
            return self._cut(call, func.value)
        if method in _TENSOR_METHODS:
            return self._all([func.value, *args])
        return True, []


def _terms(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The additive terms of a loss expression, constants' factors stripped."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Subtract)):
        yield from _terms(expr.left)
        yield from _terms(expr.right)
    elif isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.Multiply, cst.Divide)
    ):
        if isinstance(expr.left, cst.BaseNumber):
            yield from _terms(expr.right)
        elif isinstance(expr.right, cst.BaseNumber):
            yield from _terms(expr.left)
        else:
            yield expr
    elif isinstance(expr, cst.UnaryOperation):
        yield from _terms(expr.expression)
    else:
        yield expr


def _is_cut_expression(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Call):
        name = dotted(expr.func)
        if name in CUT_FUNCTIONS:
            return True
        return isinstance(expr.func, cst.Attribute) and expr.func.attr.value in CUT_METHODS
    return isinstance(expr, cst.Attribute) and expr.attr.value == "data"


def _cut_term(
    evaluator: _Evaluator, record: _ScopeRecord, loss: cst.BaseExpression
) -> list[Blocker]:
    """Blockers of additive terms of ``loss`` that are themselves a cut (``+ float(adv)``)."""
    expressions = [loss]
    if isinstance(loss, cst.Name):
        expressions = [b.value for b in record.bindings.get(loss.value, []) if b.value is not None]
    found: list[Blocker] = []
    for expression in expressions:
        terms = list(_terms(expression))
        if len(terms) < 2:
            continue
        for term in terms:
            values = [term]
            if isinstance(term, cst.Name):
                values = [b.value for b in record.bindings.get(term.value, []) if b.value]
                if len(values) != 1:
                    continue
            if _is_cut_expression(values[0]):
                carry, blockers = evaluator.carries(values[0], True, None)
                found.extend(b for b in blockers if b.kind == "cut")
    return found


def cut_losses(
    module: cst.Module, functions: Iterable[cst.FunctionDef] | None = None
) -> list[CutLoss]:
    """Every backward site whose loss, or an additive term of it, reaches no model.

    ``functions``: every function of the module, when the caller has them (the facts'
    shared scopes): then the tree is not walked again to find them."""
    results: list[CutLoss] = []
    if functions is None:
        scopes = _scopes(module)
    else:
        scopes = itertools.chain(
            [(module, True, None)], ((f, *_decorator_mode(f)) for f in functions)
        )
    scopes = list(scopes)
    own_functions = {
        scope.name.value: scope for scope, _, _ in scopes if isinstance(scope, cst.FunctionDef)
    }
    for scope, grad, context in scopes:
        record = _ScopeRecord()
        recorder = _Recorder(record, grad, context)
        if isinstance(scope, cst.FunctionDef):
            recorder.walk(scope.body)
        else:
            for statement in scope.body:
                recorder.walk(statement)
        for call, loss, site_grad, site_context in record.backwards:
            evaluator = _Evaluator(record, own_functions)
            carry, blockers = evaluator.carries(loss, site_grad, site_context)
            if not carry and blockers:
                results.append(CutLoss(call, loss, True, tuple(blockers)))
                continue
            if carry:
                terms = _cut_term(evaluator, record, loss)
                if terms:
                    results.append(CutLoss(call, loss, False, tuple(terms)))
    return results
