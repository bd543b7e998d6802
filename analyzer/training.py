"""Training-code facts that several rules need: which expressions are trainable weights,
whether code shows training intent, and which weight gradients are never used.

These are the guards that keep GL001 quiet on autodiff demos, saliency maps, gradient
penalties and unit tests: the sources must be weights *and* the code must look like a
training step before an unused gradient is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.dataflow import FlowResult, SiteTable, analyze_scopes
from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.tapes import GradientSite, TapeIndex, tape_index
from gradlint.analyzer.walk import FastVisitor

#: Element ids of unpacked gradient results live far above real site indexes.
ELEMENT_BASE = 1_000_000_000
WEIGHT_ATTRIBUTES = {"trainable_variables", "trainable_weights"}
OPTIMIZER_NAME = re.compile(
    r"(^|_)(optimi[sz]ers?|opt|optim|opts)(_|$|\d)|optimi[sz]er$", re.IGNORECASE
)
#: Attributes of an optimizer that are only read for bookkeeping (steps, logging).
OPTIMIZER_STATE_READS = {
    "iterations",
    "learning_rate",
    "lr",
    "get_config",
    "variables",
    "_iterations",
    "loss_scale",
    "dynamic_scale",
}
OPTIMIZER_CLASSES = {
    "SGD",
    "Adam",
    "AdamW",
    "Adamax",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Nadam",
    "Ftrl",
    "Lion",
    "Adafactor",
    "LossScaleOptimizer",
    "GradientDescentOptimizer",
    "AdamOptimizer",
    "MomentumOptimizer",
    "RMSPropOptimizer",
    "AdagradOptimizer",
    "Lamb",
    "LAMB",
    "Yogi",
}


@dataclass
class UnappliedSite:
    site: GradientSite
    sources_text: str
    gradient_names: list[str]
    optimizer_text: str
    #: The sources are one ``tf.Variable`` rather than a list of them.
    single_variable: bool = False
    #: Only this element of an unpacked result is dropped; the others are applied.
    partial: bool = False

    def message(self) -> str:
        names = self.gradient_names
        grads = ", ".join(names) if names else None
        subject = f"gradients '{grads}'" if grads else "the result of tape.gradient"
        grads_expr = names[0] if len(names) == 1 else f"[{grads}]" if names else "grads"
        sources = self.sources_text
        if len(names) <= 1 and sources.isidentifier() and self.single_variable:
            pairs = f"[({grads_expr}, {sources})]"
        else:
            pairs = f"zip({grads_expr}, {sources})"
        fix = f"{self.optimizer_text}.apply_gradients({pairs})"
        if self.partial:
            return (
                f"gradient '{grads}' of '{sources}' never reaches an update while the other "
                f"gradients of this call do; '{sources}' stays frozen (update it too, e.g. "
                f"{sources}.assign_sub(learning_rate * {grads}))"
            )
        verb = "never reach" if grads else "never reaches"
        action = f"add {fix}" if grads else f"assign it, grads = tape.gradient(...), and add {fix}"
        return (
            f"{subject} of '{sources}' {verb} an optimizer update; the weights stay frozen "
            f"({action})"
        )


class ModuleFacts:
    """Module-wide facts computed once: bindings, loop references, optimizer constructions."""

    def __init__(self, ctx: ModuleContext, index: TapeIndex) -> None:
        self.ctx = ctx
        self.index = index
        self.bindings: dict[Scope, dict[str, list[cst.BaseExpression]]] = {}
        self.loop_references: set[str] = set()
        self._optimizers: dict[tuple[Scope, int], list[str]] = {}
        collector = _LoopReferences()
        collector.walk(ctx.module)
        self.loop_references = collector.names
        for scope in index.scopes:
            binder = _Bindings()
            walk_scope(scope, binder)
            self.bindings[scope] = binder.values
        #: module-level name -> index of the first top-level statement that binds it to an
        #: optimizer construction.
        self.module_optimizers: dict[str, int] = {}
        for position, stmt in enumerate(ctx.module.body):
            binder = _Bindings()
            binder.walk(stmt)
            for name, values in binder.values.items():
                if any(self.is_optimizer_construction(v) for v in values):
                    self.module_optimizers.setdefault(name, position)

    # ------------------------------------------------------------------ weights
    def is_weights(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 0) -> bool:
        if expr is None or depth > 4:
            return False
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in WEIGHT_ATTRIBUTES:
                return True
            return self._attribute_bound_to_weights(expr, scope, depth)
        if isinstance(expr, cst.List | cst.Tuple):
            return bool(expr.elements) and all(
                self.is_weights(e.value, scope, depth + 1) for e in expr.elements
            )
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return self.is_weights(expr.left, scope, depth + 1) and self.is_weights(
                expr.right, scope, depth + 1
            )
        if isinstance(expr, cst.Subscript):
            return self.is_weights(expr.value, scope, depth + 1)
        if isinstance(expr, cst.ListComp | cst.GeneratorExp):
            return self.is_weights(expr.for_in.iter, scope, depth + 1)
        if isinstance(expr, cst.Call):
            if self.ctx.imports.is_tensorflow(expr.func, "Variable"):
                return True
            name = dotted_name(expr.func)
            if name in {"list", "tuple"} and expr.args:
                return self.is_weights(expr.args[0].value, scope, depth + 1)
            return False
        if isinstance(expr, cst.Name):
            for s in scope.chain():
                values = self.bindings.get(s, {}).get(expr.value)
                if values:
                    return any(self.is_weights(v, s, depth + 1) for v in values)
            return False
        return False

    def may_be_single_variable(self, expr: cst.BaseExpression | None, scope: Scope) -> bool:
        """A name bound to ``tf.Variable(...)`` (not a list of variables), for the fix text."""
        if not isinstance(expr, cst.Name):
            return False
        for s in scope.chain():
            values = self.bindings.get(s, {}).get(expr.value)
            if values:
                return any(
                    isinstance(v, cst.Call) and self.ctx.imports.is_tensorflow(v.func, "Variable")
                    for v in values
                )
        return False

    def _attribute_bound_to_weights(self, expr: cst.Attribute, scope: Scope, depth: int) -> bool:
        """``self.w`` where the class assigns ``self.w = tf.Variable(...)``."""
        if dotted_name(expr.value) != "self":
            return False
        cls_scope = next((s for s in scope.chain() if s.class_node is not None), None)
        if cls_scope is None:
            return False
        key = f"self.{expr.attr.value}"
        for s in self.index.scopes:
            if s.class_node is cls_scope.class_node:
                for value in self.bindings.get(s, {}).get(key, []):
                    if isinstance(value, cst.Call) and (
                        self.ctx.imports.is_tensorflow(value.func, "Variable")
                        or dotted_name(value.func) == "self.add_weight"
                    ):
                        return True
        return False

    # ------------------------------------------------------------------ intent
    def is_optimizer_construction(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Call):
            return False
        name = dotted_name(expr.func)
        if name is None:
            return False
        qualified = self.ctx.imports.qualify(expr.func) or name
        last = qualified.rsplit(".", 1)[-1]
        return (
            ".optimizers." in f".{qualified}."
            or last in OPTIMIZER_CLASSES
            or (last.endswith("Optimizer") and ".train." in f".{qualified}.")
        )

    def optimizers_in_reach(self, site: GradientSite) -> list[str]:
        """Every optimizer spelling visible from the site, nearest first.

        Module-level code runs top to bottom, so there only optimizers created *before* the
        site count (a notebook that builds an optimizer fifty cells after an autodiff demo is
        not training in that demo). A function can run after any global is bound.
        """
        scope = site.scope
        key = (scope, site.statement_index if scope.is_module else -1)
        cached = self._optimizers.get(key)
        if cached is not None:
            return cached
        found: list[str] = []
        for s in scope.chain():
            if s.is_module:
                break
            found += [p for p in s.params() if OPTIMIZER_NAME.search(p)]
            refs = _OptimizerReferences()
            walk_scope(s, refs)
            found += refs.found
            for name, values in self.bindings.get(s, {}).items():
                if any(self.is_optimizer_construction(v) for v in values):
                    found.append(name)
        cls = next((s.class_node for s in scope.chain() if s.class_node is not None), None)
        if cls is not None:
            self.ctx.require_whole_class(cls)
            refs = _OptimizerReferences(attributes_only=True)
            for stmt in cls.body.body:
                refs.walk(stmt)
            found += refs.found
        for name, position in self.module_optimizers.items():
            if not scope.is_module or position < site.statement_index:
                found.append(name)
        result = list(dict.fromkeys(found))
        self._optimizers[key] = result
        return result

    def training_intent(self, site: GradientSite) -> bool:
        scope = site.scope
        if any(not s.is_module and s.name.startswith("test") for s in scope.chain()):
            # A test checks gradients or training itself; a frozen step would fail the test.
            return False
        if _delegates_to_super(scope) or _is_callback_hook(scope):
            # super().train_step(data) trains; a Keras callback only observes the model.
            return False
        if self.optimizers_in_reach(site):
            return True
        for s in scope.chain():
            if not s.is_module and s.name == "train_step" and s.class_node is not None:
                return True
            if not s.is_module and s.name in self.loop_references:
                return True
        return _inside_loop(site.call, scope)


def _delegates_to_super(scope: Scope) -> bool:
    """``super().train_step(data)`` inside ``train_step``: the parent class does the update."""
    if scope.is_module or scope.class_node is None:
        return False
    finder = _SuperCall(scope.name)
    walk_scope(scope, finder)
    return finder.found


def _is_callback_hook(scope: Scope) -> bool:
    """An ``on_*`` method of a ``keras.callbacks.Callback`` subclass."""
    cls = scope.class_node
    if cls is None or not scope.name.startswith("on_"):
        return False
    return any("Callback" in (dotted_name(base.value) or "") for base in cls.bases)


class _SuperCall(ShallowVisitor):
    def __init__(self, method: str) -> None:
        self.method = method
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == self.method
            and isinstance(func.value, cst.Call)
            and dotted_name(func.value.func) == "super"
        ):
            self.found = True


def _inside_loop(call: cst.Call, scope: Scope) -> bool:
    finder = _LoopContains(call)
    walk_scope(scope, finder)
    return finder.found


class _LoopDepth:
    """Mixin: ``self.depth`` counts the ``for``/``while`` bodies around the current node."""

    depth = 0

    def visit_For(self, node: cst.For) -> None:
        self.depth += 1

    def leave_For(self, original_node: cst.For) -> None:
        self.depth -= 1

    def visit_While(self, node: cst.While) -> None:
        self.depth += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.depth -= 1


class _LoopContains(_LoopDepth, ShallowVisitor):
    def __init__(self, target: cst.CSTNode) -> None:
        self.target = target
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if node is self.target and self.depth > 0:
            self.found = True


class _LoopReferences(_LoopDepth, FastVisitor):
    """Every name or attribute mentioned inside a loop body anywhere in the module."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        if self.depth:
            self.names.add(node.value)


class _OptimizerReferences(ShallowVisitor):
    def __init__(self, attributes_only: bool = False) -> None:
        self.found: list[str] = []
        self.attributes_only = attributes_only

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self.attributes_only

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if node.attr.value in OPTIMIZER_STATE_READS:
            return False  # self.model.optimizer.iterations reads a counter; it trains nothing
        if OPTIMIZER_NAME.search(node.attr.value):
            self.found.append(dotted_name(node) or node.attr.value)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        if not self.attributes_only and OPTIMIZER_NAME.search(node.value):
            self.found.append(node.value)


class _Bindings(ShallowVisitor):
    """name (or ``self.attr``) -> every value assigned to it in the scope."""

    def __init__(self) -> None:
        self.values: dict[str, list[cst.BaseExpression]] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._add(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._add(node.target, node.value)

    def _add(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        key = dotted_name(target)
        if key is not None and (isinstance(target, cst.Name) or key.startswith("self.")):
            self.values.setdefault(key, []).append(value)
        elif (
            isinstance(target, cst.Tuple | cst.List)
            and isinstance(value, cst.Tuple | cst.List)
            and len(target.elements) == len(value.elements)
        ):
            for t, v in zip(target.elements, value.elements, strict=True):
                self._add(t.value, v.value)


def _gradient_names(site: GradientSite, flow: FlowResult) -> list[str]:
    names = flow.holders.get(site.index, [])
    return names[:3]


def unapplied_weight_gradients(ctx: ModuleContext) -> list[UnappliedSite]:
    index = tape_index(ctx)
    candidates = [s for s in index.sites if s.method == "gradient" and not s.expects_error]
    if not candidates:
        return []
    facts = ctx.shared.get("facts")
    if facts is None:
        facts = ctx.shared["facts"] = ModuleFacts(ctx, index)
    candidates = [s for s in candidates if facts.is_weights(s.sources, s.scope)]
    if not candidates:
        return []
    table = ctx.shared.get("site_table")
    if table is None:
        table = ctx.shared["site_table"] = site_table(index)
    scopes = {id(s.scope): s.scope for s in candidates}
    flow = analyze_scopes(ctx, index.scopes, table, scopes.values())
    problems = []
    for site in candidates:
        if site.index in flow.used:
            continue
        parts = table.parts.get(site.index, ())
        unused = [i for i, part in enumerate(parts) if part not in flow.used]
        if parts and not unused:
            continue
        if not facts.training_intent(site):
            continue
        optimizer_candidates = facts.optimizers_in_reach(site)
        if parts and len(unused) < len(parts):
            # Some elements of ``dw, db = tape.gradient(loss, [w, b])`` are applied, some not.
            assert isinstance(site.sources, cst.List | cst.Tuple)
            for i in unused:
                source = ctx.module.code_for_node(site.sources.elements[i].value).strip()
                problems.append(
                    UnappliedSite(
                        site,
                        " ".join(source.split()),
                        [site.assigned_to[i]],
                        _best_optimizer(optimizer_candidates, source),
                        single_variable=True,
                        partial=True,
                    )
                )
            continue
        sources_text = ctx.module.code_for_node(site.sources).strip() if site.sources else "?"
        optimizer = _best_optimizer(optimizer_candidates, sources_text)
        if optimizer == "optimizer" and site.scope.class_node is not None:
            optimizer = "self.optimizer"
        problems.append(
            UnappliedSite(
                site,
                " ".join(sources_text.split()),
                site.assigned_to or _gradient_names(site, flow)[:1],
                optimizer,
                single_variable=facts.may_be_single_variable(site.sources, site.scope),
            )
        )
    return problems


def site_table(index: TapeIndex) -> SiteTable:
    """Site ids for the flow analysis, with element ids for unpacked results."""
    table = SiteTable()
    for site in index.sites:
        table.ids[site.call] = site.index
        table.tape_of[site.index] = site.tape
        sources = site.sources
        if (
            len(site.assigned_to) > 1
            and isinstance(sources, cst.List | cst.Tuple)
            and len(sources.elements) == len(site.assigned_to)
            and not any(isinstance(e, cst.StarredElement) for e in sources.elements)
        ):
            count = len(site.assigned_to)
            parts = tuple(ELEMENT_BASE + site.index * 1000 + i for i in range(count))
            table.parts[site.index] = parts
            for part in parts:
                table.tape_of[part] = site.tape
    for tape in index.tapes:
        for with_node in tape.with_nodes:
            table.recording.setdefault(with_node, []).append(tape)
    return table


def _best_optimizer(candidates: list[str], sources_text: str) -> str:
    """The optimizer most likely meant for these weights: ``d_optimizer`` for the
    discriminator, ``self.optimizer`` in a method, else the nearest one in reach."""
    usable = [c for c in candidates if OPTIMIZER_NAME.search(c.rsplit(".", 1)[-1])]
    if not usable:
        return "optimizer"
    owner = sources_text.split(".", 1)[0].lower()
    if owner == "self" and "." in sources_text:
        owner = sources_text.split(".")[1].lower()

    def score(candidate: str) -> int:
        word = candidate.rsplit(".", 1)[-1].lower()
        shared = 0
        for a, b in zip(word, owner, strict=False):
            if a != b:
                break
            shared += 1
        return shared

    return max(usable, key=score)
