"""Whether train/eval mode can change what a model computes (GL107's precision guard).

``model.eval()`` only matters through the layers that read ``self.training``: dropout,
batch norm, instance norm with running statistics, and code that tests ``self.training``
itself. A tutorial's ``nn.Sequential(nn.Linear(...), nn.ReLU(), ...)`` or a small class of
the module built from linear layers computes the same in both modes: leaving it in eval mode
is a habit to fix, not a bug worth a warning. So a model counts as mode-free only when
gradlint can read all of it: it is built in this module from ``torch.nn`` layers known to
ignore the mode, or from classes of this module that are (recursively); anything else (a
parameter, a pretrained model, a class of another module, an unknown call) may hold
dropout or batch norm, and the mode matters.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.walk import FastVisitor

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.scopes import Scope

#: ``torch.nn`` layers whose forward does not depend on ``self.training`` (recurrent layers
#: only with no ``dropout=`` argument, which the text check below catches).
_MODE_FREE_LAYERS = frozenset(
    {
        "Linear", "Bilinear", "LazyLinear", "Identity", "Flatten", "Unflatten",
        "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
        "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "Hardtanh", "Hardswish",
        "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
        "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
        "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
        "Embedding", "LayerNorm", "GroupNorm", "Upsample", "PixelShuffle",
        "RNN", "LSTM", "GRU", "Sequential", "ModuleList", "ModuleDict", "Parameter",
    }
)  # fmt: skip
#: Text that shows a model reads the mode.
_MODE_WORDS = re.compile(r"[Dd]ropout|BatchNorm|batch_norm|InstanceNorm|instance_norm|training")
#: Module methods that return the module itself (``Net().to(device)`` is a ``Net``,
#: ``model.to(device).train()`` switches ``model``).
_RETURN_THE_MODULE = frozenset(
    {"to", "cuda", "cpu", "float", "half", "double", "bfloat16", "train", "eval", "requires_grad_"}
)
_HARMLESS_ROOTS = frozenset({"torch", "nn", "F", "functional", "math", "np", "numpy", "self"})
_HARMLESS_CALLS = frozenset(
    {"super", "range", "len", "int", "float", "list", "tuple", "dict", "zip", "enumerate",
     "isinstance", "getattr", "setattr", "print", "max", "min", "sum", "abs", "round"}
)  # fmt: skip


class ModeSensitivity:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        module = facts.ctx.module
        self.module = module
        self.classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
        self.imported = _imported_names(module)
        self._class_free: dict[str, bool] = {}
        scopes = facts.torch_steps.scopes
        self.module_scope = next((s for s in scopes if s.is_module), None)

    def matters(self, scope: Scope, model: str) -> bool:
        """Whether eval mode may change what ``model`` (as ``scope`` names it) computes."""
        values = self._bound_values(scope, model)
        return not values or not all(self._mode_free(value, set()) for value in values)

    def _bound_values(self, scope: Scope, model: str) -> list[cst.BaseExpression]:
        if model.startswith("self."):
            if scope.class_node is None or model.count(".") != 1:
                return []
            return _self_assignments(scope.class_node, model)
        if "." in model or model in scope.params():
            return []
        for where in (scope, self.module_scope):
            if where is None:
                continue
            bindings = self.facts.layout(where).bindings.get(model, [])
            if bindings:
                values = [b.value for b in bindings]
                return [] if any(v is None for v in values) else values
        return []

    def _mode_free(self, expr: cst.BaseExpression, seen: set[str]) -> bool:
        expr = module_itself(expr)
        if not isinstance(expr, cst.Call):
            return False
        if _MODE_WORDS.search(self.module.code_for_node(expr)):
            return False
        name = dotted_name(expr.func) or ""
        if name in self.classes:
            if not self._class_is_mode_free(name, seen):
                return False
        elif not _is_nn_layer(name):
            return False
        return all(
            self._mode_free(arg.value, seen)
            for arg in expr.args
            if isinstance(arg.value, cst.Call) and _constructs(arg.value)
        )

    def _class_is_mode_free(self, name: str, seen: set[str]) -> bool:
        if name in self._class_free:
            return self._class_free[name]
        if name in seen:
            return True  # recursion: decided by the outer call
        node = self.classes[name]
        free = not _MODE_WORDS.search(self.module.code_for_node(node)) and all(
            dotted_name(base.value) in ("nn.Module", "torch.nn.Module", "Module")
            for base in node.bases
        )
        if free:
            for call in _calls(node):
                callee = dotted_name(call.func) or ""
                root = callee.split(".", 1)[0]
                if callee in self.classes:
                    free = self._class_is_mode_free(callee, seen | {name})
                elif _is_nn_layer(callee) or callee in _HARMLESS_CALLS:
                    continue
                elif not callee or root in _HARMLESS_ROOTS or root not in self.imported:
                    # a method of a value, torch's functions, or a local function: unless
                    # it builds a module of another library, it does not change the mode
                    free = root not in self.imported or root in _HARMLESS_ROOTS
                else:
                    free = False
                if not free:
                    break
        self._class_free[name] = free
        return free


def module_itself(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``Net().to(device).train()`` without the calls that return the module itself."""
    while (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _RETURN_THE_MODULE
    ):
        expr = expr.func.value
    return expr


def _is_nn_layer(name: str) -> bool:
    prefix, _, last = name.rpartition(".")
    return prefix in ("nn", "torch.nn") and last in _MODE_FREE_LAYERS


def _constructs(call: cst.Call) -> bool:
    """An argument that builds a layer (``nn.Linear(2, 4)``), not a computed number."""
    name = dotted_name(call.func) or ""
    last = name.rsplit(".", 1)[-1]
    return bool(last) and last[0].isupper()


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class _Find(FastVisitor):  # a class's methods are part of what it computes
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    _Find().walk(node)
    return found


def _self_assignments(class_node: cst.ClassDef, attribute: str) -> list[cst.BaseExpression]:
    values: list[cst.BaseExpression] = []
    failed = False

    class _Find(FastVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            nonlocal failed
            for target in node.targets:
                if dotted_name(target.target) == attribute:
                    values.append(node.value)
                elif attribute in (dotted_name(e.value) for e in _elements(target.target)):
                    failed = True

    _Find().walk(class_node)
    return [] if failed else values


def _elements(target: cst.BaseExpression) -> list[cst.BaseElement]:
    return list(target.elements) if isinstance(target, cst.Tuple | cst.List) else []


def _imported_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import | cst.ImportFrom) and not isinstance(
                small.names, cst.ImportStar
            ):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    names.add((dotted_name(bound) or "").split(".", 1)[0])
    return names
