"""Training-code facts: which expressions are trainable weights, which optimizers are in
reach, whether code shows training intent, and which weight gradients reach no update.

Intent is what separates a frozen training step from an autodiff demo, a saliency map, a
gradient penalty or a unit test: the sources must be weights *and* the code must look like a
training step before a dropped gradient counts as unapplied.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.dataflow import FateKind, SiteTable
from gradlint.analyzer.names import dotted_name
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.tapes import GradientSite, TapeIndex, named_like_an_optimizer_class
from gradlint.analyzer.vocabulary import WEIGHT_KEEPING_BUILTINS, Vocabulary
from gradlint.analyzer.walk import FastVisitor

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts

#: Element ids of unpacked gradient results live far above real site indexes.
ELEMENT_BASE = 1_000_000_000


@dataclass
class UnappliedSite:
    """A weight gradient in a training step that reaches no update, with what a message
    needs to suggest the missing update."""

    site: GradientSite
    sources_text: str
    gradient_names: list[str]
    optimizer_text: str
    #: The sources are one ``tf.Variable`` rather than a list of them.
    single_variable: bool = False
    #: Only this element of an unpacked result is dropped; the others are applied.
    partial: bool = False
    #: The gradients come as (gradient, variable) pairs (``compute_gradients``).
    pairs: bool = False


class ModuleFacts:
    """Module-wide facts computed once: bindings, loop references, optimizer constructions."""

    def __init__(self, ctx: ModuleContext, index: TapeIndex, vocabulary: Vocabulary) -> None:
        self.ctx = ctx
        self.index = index
        self.vocabulary = vocabulary
        self.bindings: dict[Scope, dict[str, list[cst.BaseExpression]]] = {}
        self.loop_references: set[str] = set()
        self._optimizers: dict[tuple[Scope, int], list[str]] = {}
        self._class_scopes: dict[cst.ClassDef, list[Scope]] = {}
        self._returns: dict[Scope, list[cst.BaseExpression]] = {}
        #: Top-level classes by name, for base classes of the same module.
        self.classes: dict[str, cst.ClassDef] = {
            stmt.name.value: stmt for stmt in ctx.module.body if isinstance(stmt, cst.ClassDef)
        }
        collector = _LoopReferences()
        collector.walk(ctx.module)
        self.loop_references = collector.names
        #: scope -> the ``X.optimizer`` spellings of its ``X.compile(optimizer=...)`` calls.
        self.compiled: dict[Scope, list[str]] = {}
        #: Every such spelling (in reach only for the gradients of ``X``'s weights).
        self.compiled_names: set[str] = set()
        for scope in index.scopes:
            binder = _Bindings()
            walk_scope(scope, binder)
            self.bindings[scope] = binder.values
            if binder.compiled:
                self.compiled[scope] = binder.compiled
                self.compiled_names.update(binder.compiled)
        #: module-level name -> index of the first top-level statement that binds it to an
        #: optimizer construction.
        self.module_optimizers: dict[str, int] = {}
        for position, stmt in enumerate(ctx.module.body):
            binder = _Bindings()
            binder.walk(stmt)
            for name, values in binder.values.items():
                if any(self.is_optimizer_construction(v) for v in values):
                    self.module_optimizers.setdefault(name, position)
            for name in binder.compiled:
                # ``model.compile(optimizer="adam")``: ``model.optimizer`` trains it.
                self.module_optimizers.setdefault(name, position)
                self.compiled_names.add(name)

    # ------------------------------------------------------------------ weights
    #: How far a proof may follow names, wrappers and helpers (cycles are cut separately).
    MAX_WEIGHT_DEPTH = 12

    def is_weights(
        self,
        expr: cst.BaseExpression | None,
        scope: Scope,
        depth: int = 0,
        *,
        all_variables: bool = False,
    ) -> bool:
        """Whether ``expr`` surely holds trainable weights (or a collection of them).

        ``all_variables`` also accepts ``model.variables``/``model.weights``, which hold
        non-trainable state too: the caller passes it only for the sources of a loss's
        gradient (see :meth:`is_loss`).
        """
        return _WeightProof(self, all_variables).holds(expr, scope, depth)

    def differentiates_weights(self, site: GradientSite) -> bool:
        """Whether the site's sources are trainable weights: proven from the expression, or
        implied (``optimizer.compute_gradients(loss)`` without a ``var_list``)."""
        if site.all_trainable:
            return True
        if site.pairs and site.optimizer == "self" and site.sources is not None:
            # ``self.compute_gradients(loss, var_list)`` in an optimizer's own ``minimize``:
            # by the API's contract the variables it is asked about are the ones it updates.
            # (Another object's ``optimizer.compute_gradients(loss, var_list)`` with a
            # ``var_list`` nobody proves to be weights stays unproven.)
            return True
        return self.is_weights(
            site.sources, site.scope, all_variables=self.is_loss(site.target, site.scope)
        )

    def is_loss(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 0) -> bool:
        """A gradient target that is a loss by its name or by what computed it: ``loss``,
        ``batch_loss``, ``loss_info.loss``, ``-elbo_loss``, ``loss_fn(y, p)``, or a name
        bound to one of these."""
        if expr is None or depth > 3:
            return False
        word = self.vocabulary.loss_word
        if isinstance(expr, cst.UnaryOperation):
            return self.is_loss(expr.expression, scope, depth + 1)
        if isinstance(expr, cst.BinaryOperation):
            return self.is_loss(expr.left, scope, depth + 1) or self.is_loss(
                expr.right, scope, depth + 1
            )
        if isinstance(expr, cst.Call):
            name = dotted_name(expr.func)
            if name is not None and word.search(name.rsplit(".", 1)[-1]):
                return True
            return bool(self.vocabulary.loss_name.match((name or "").rsplit(".", 1)[-1]))
        if isinstance(expr, cst.Attribute):
            return bool(word.search(expr.attr.value))
        if isinstance(expr, cst.Subscript):
            return self.is_loss(expr.value, scope, depth + 1)
        if isinstance(expr, cst.Name):
            if word.search(expr.value):
                return True
            for s in scope.chain():
                values = self.bindings.get(s, {}).get(expr.value)
                if values:
                    return any(self.is_loss(v, s, depth + 1) for v in values)
        return False

    def may_be_single_variable(self, expr: cst.BaseExpression | None, scope: Scope) -> bool:
        """A name bound to ``tf.Variable(...)`` (not a list of variables), for the fix text."""
        if not isinstance(expr, cst.Name):
            return False
        for s in scope.chain():
            values = self.bindings.get(s, {}).get(expr.value)
            if values:
                return any(
                    isinstance(v, cst.Call)
                    and self.ctx.imports.is_tensorflow(v.func, self.vocabulary.variable_class)
                    for v in values
                )
        return False

    def class_scopes(self, scope: Scope) -> list[Scope]:
        """The methods of the class around ``scope`` and of its base classes defined in the
        same module, nearest class first (a base class in another module is out of sight)."""
        cls = next((s.class_node for s in scope.chain() if s.class_node is not None), None)
        if cls is None:
            return []
        return self.scopes_of_class(cls)

    def scopes_of_class(self, cls: cst.ClassDef) -> list[Scope]:
        """The methods of ``cls`` and of its same-module base classes, nearest first."""
        cached = self._class_scopes.get(cls)
        if cached is not None:
            return cached
        order: list[cst.ClassDef] = []
        pending = [cls]
        while pending:
            current = pending.pop(0)
            if current in order:
                continue
            order.append(current)
            for base in current.bases:
                name = dotted_name(base.value)
                found = self.classes.get(name or "")
                if found is not None:
                    pending.append(found)
        for node in order:
            self.ctx.require_whole_class(node)
        rank = {node: i for i, node in enumerate(order)}
        methods = [s for s in self.index.scopes if s.class_node in rank]
        methods.sort(key=lambda s: rank[s.class_node])  # type: ignore[index]
        self._class_scopes[cls] = methods
        return methods

    def returned_values(self, scope: Scope) -> list[cst.BaseExpression]:
        cached = self._returns.get(scope)
        if cached is None:
            finder = _Returns()
            walk_scope(scope, finder)
            cached = self._returns[scope] = finder.values
        return cached

    # ------------------------------------------------------------------ intent
    def is_optimizer_construction(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Call):
            return False
        name = dotted_name(expr.func)
        if name is None:
            return False
        qualified = self.ctx.imports.qualify(expr.func) or name
        last = qualified.rsplit(".", 1)[-1]
        vocabulary = self.vocabulary
        return (
            any(package in f".{qualified}." for package in vocabulary.optimizer_packages)
            or last in vocabulary.optimizer_classes
            or (
                last.endswith("Optimizer")
                and vocabulary.legacy_optimizer_package in f".{qualified}."
            )
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
            return self._for_sources(cached, site)
        found: list[str] = []
        for s in scope.chain():
            if s.is_module:
                break
            found += [p for p in s.params() if self.vocabulary.optimizer_name.search(p)]
            refs = _OptimizerReferences(self.vocabulary)
            walk_scope(s, refs)
            found += refs.found
            for name, values in self.bindings.get(s, {}).items():
                if any(self.is_optimizer_construction(v) for v in values):
                    found.append(name)
            found += self.compiled.get(s, [])
        cls = next((s.class_node for s in scope.chain() if s.class_node is not None), None)
        if cls is not None:
            self.ctx.require_whole_class(cls)
            refs = _OptimizerReferences(self.vocabulary, attributes_only=True)
            for stmt in cls.body.body:
                refs.walk(stmt)
            found += refs.found
            for method in self.scopes_of_class(cls):
                # ``def _compile(self, optimizer): self.compile(optimizer=optimizer)``: the
                # class's own ``self.optimizer`` (for its own weights, see _for_sources).
                found += self.compiled.get(method, [])
            found += self._inherited_optimizers(scope)
        for name, position in self.module_optimizers.items():
            if not scope.is_module or position < site.statement_index:
                found.append(name)
            elif position == site.statement_index and self._built_before(name, site):
                # ``with tf.name_scope("SGD"): optimizer = ...; grads = tf.gradients(...)``
                found.append(name)
        result = list(dict.fromkeys(found))
        self._optimizers[key] = result
        return self._for_sources(result, site)

    def _for_sources(self, found: list[str], site: GradientSite) -> list[str]:
        """``model.optimizer`` known from ``model.compile(optimizer=...)`` trains ``model``
        only: it is in reach for the gradients of ``model``'s own weights, not for an
        autodiff demo's ``[w1, w2]`` a few cells after a notebook compiled a model."""
        if not self.compiled_names:
            return found
        sources = ""
        if site.sources is not None:
            sources = self.ctx.module.code_for_node(site.sources).strip()
        return [
            name
            for name in found
            if name not in self.compiled_names or sources.startswith(name[: -len("optimizer")])
        ]

    def _inherited_optimizers(self, scope: Scope) -> list[str]:
        """``self.encoder_optimizer`` that a base class in another module of the project
        assigns: the subclass's steps train with it (cause 9 of issue #14: the only
        optimizer a subclass names may be the one its lost update used)."""
        project = self.ctx.project
        cls = _top_class(scope)
        if project is None or cls is None:
            return []
        name = self.vocabulary.optimizer_name
        reads = self.vocabulary.optimizer_state_reads
        return [
            f"self.{attr}"
            for attr in project.inherited_attributes(cls.name.value)
            if name.search(attr) and attr not in reads
        ]

    def _built_before(self, name: str, site: GradientSite) -> bool:
        """Whether the top-level statement that holds ``site`` binds ``name`` to an
        optimizer before it reaches the site's call (source order is execution order in the
        straight-line blocks of module-level code)."""
        statement = self.ctx.module.body[site.statement_index]
        finder = _BuiltBefore(self, name, site.call)
        finder.walk(statement)
        return finder.built

    @cached_property
    def has_optimizer(self) -> bool:
        """Whether any code of the module constructs, receives or names an optimizer."""
        name = self.vocabulary.optimizer_name
        for scope, values in self.bindings.items():
            if any(name.search(p) for p in scope.params()):
                return True
            for key, bound in values.items():
                if name.search(key.rsplit(".", 1)[-1]) or any(
                    self.is_optimizer_construction(v) for v in bound
                ):
                    return True
        return False

    def is_demonstration(self, site: GradientSite) -> bool:
        """An autodiff demo: no optimizer anywhere in the module (a notebook: in any cell)
        and a target that is not a loss (``tape.gradient(y, x)`` in a loop that shows how
        a rebound variable stops being watched). Its gradients are printed on purpose, and
        the problems it shows are the lesson. Gradients that are applied (a manual
        ``x.assign_sub(lr * g)``) are training, optimizer or not."""
        if self.has_optimizer or self.is_loss(site.target, site.scope):
            return False
        return self.ctx.facts.fate(site).kind is not FateKind.APPLIED

    def training_intent(self, site: GradientSite) -> bool:
        scope = site.scope
        if any(not s.is_module and s.name.startswith("test") for s in scope.chain()):
            # A test checks gradients or training itself; a frozen step would fail the test.
            return False
        if _delegates_to_super(scope) or _is_callback_hook(scope):
            # super().train_step(data) trains; a Keras callback only observes the model.
            return False
        if site.optimizer or self.optimizers_in_reach(site):
            # ``optimizer.compute_gradients(loss)``: an optimizer asked for these gradients.
            return True
        if self.is_demonstration(site):
            return False
        for s in scope.chain():
            if not s.is_module and s.name == "train_step" and s.class_node is not None:
                return True
            if not s.is_module and s.name in self.loop_references:
                return True
        return _inside_loop(site.call, scope)


class _WeightProof:
    """One question "are these trainable weights?", with the expressions already on the way
    (a name rebound to a function of itself, ``v = sorted(v)``, must not loop)."""

    def __init__(self, module: ModuleFacts, all_variables: bool) -> None:
        self.module = module
        self.vocabulary = module.vocabulary
        self.imports = module.ctx.imports
        self.all_variables = all_variables
        self.active: set[tuple[int, int]] = set()

    def holds(self, expr: cst.BaseExpression | None, scope: Scope, depth: int) -> bool:
        if expr is None or depth > ModuleFacts.MAX_WEIGHT_DEPTH:
            return False
        key = (id(expr), id(scope))
        if key in self.active:
            return False
        self.active.add(key)
        try:
            return self._holds(expr, scope, depth + 1)
        finally:
            self.active.discard(key)

    def _holds(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        vocabulary = self.vocabulary
        if isinstance(expr, cst.Attribute):
            attr = expr.attr.value
            if attr in vocabulary.trainable_attributes:
                return True
            if attr == "trainable" and "weight" in (dotted_name(expr.value) or "").lower():
                # TensorFlow Federated's ``model_weights.trainable``: the trainable half of
                # a ``ModelWeights`` (on a layer, ``trainable`` is a flag no one
                # differentiates)
                return True
            if self.all_variables and attr in vocabulary.all_variable_attributes:
                return True
            return self._attribute(expr, scope, depth)
        if isinstance(expr, cst.List | cst.Tuple | cst.Set):
            return bool(expr.elements) and all(
                self.holds(e.value, scope, depth) for e in expr.elements
            )
        if isinstance(expr, cst.Dict):
            return bool(expr.elements) and all(
                isinstance(e, cst.DictElement) and self.holds(e.value, scope, depth)
                for e in expr.elements
            )
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            # ``a + b`` of lists: one side proven weights makes the sum a list of weights
            # (nobody concatenates weights with something else to differentiate).
            return self.holds(expr.left, scope, depth) or self.holds(expr.right, scope, depth)
        if isinstance(expr, cst.Subscript):
            return self.holds(expr.value, scope, depth)
        if isinstance(expr, cst.ListComp | cst.SetComp | cst.GeneratorExp):
            # ``[v for v in weights if ...]`` or ``[n.trainable_variables for n in nets]``.
            return self.holds(expr.for_in.iter, scope, depth) or self.holds(expr.elt, scope, depth)
        if isinstance(expr, cst.DictComp):
            return self.holds(expr.value, scope, depth)
        if isinstance(expr, cst.Call):
            return self._call(expr, scope, depth)
        if isinstance(expr, cst.Name):
            if expr.value == "var_list" and _optimizer_method_parameter(scope, expr.value):
                return True
            for s in scope.chain():
                values = self.module.bindings.get(s, {}).get(expr.value)
                if values:
                    return any(self.holds(v, s, depth) for v in values)
            return False
        return False

    def _call(self, expr: cst.Call, scope: Scope, depth: int) -> bool:
        vocabulary = self.vocabulary
        func = expr.func
        if self.imports.is_tensorflow(func, vocabulary.variable_class):
            return True
        if vocabulary.trainable_functions and self.imports.is_tensorflow(
            func, *vocabulary.trainable_functions
        ):
            return True  # tf.compat.v1.trainable_variables()
        if (
            vocabulary.collection_function
            and self.imports.is_tensorflow(func, vocabulary.collection_function)
            and expr.args
            and (dotted_name(expr.args[0].value) or "").endswith(vocabulary.trainable_collection)
        ):
            return True  # tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)
        first = expr.args[0].value if expr.args and not expr.args[0].keyword else None
        name = dotted_name(func)
        if isinstance(func, cst.Name) and func.value in WEIGHT_KEEPING_BUILTINS:
            return self.holds(first, scope, depth)
        if isinstance(func, cst.Name) and func.value == "filter" and len(expr.args) == 2:
            # ``filter(lambda v: "digits" not in v.name, model.trainable_variables)``: some
            # of the weights, still weights.
            return self.holds(expr.args[1].value, scope, depth)
        if name is not None and name.rsplit(".", 1)[-1] in vocabulary.weight_keeping_classes:
            return self.holds(first, scope, depth)
        qualified = self.imports.qualify(func) if name is not None else None
        if qualified in vocabulary.weight_keeping_functions:
            return self.holds(first, scope, depth)
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == vocabulary.watched_variables_method and not expr.args:
                return self._is_tape(func.value, scope)
            if method == "values" and not expr.args:
                return self.holds(func.value, scope, depth)  # a dict of variables
            if dotted_name(func.value) == "self":
                return any(
                    self._returns_weights(m, depth)
                    for m in self.module.class_scopes(scope)
                    if m.name == method
                )
        if isinstance(func, cst.Name):
            helper = next(
                (
                    s
                    for s in self.module.index.scopes
                    if s.parent is not None
                    and s.parent.is_module
                    and s.class_node is None
                    and s.name == func.value
                ),
                None,
            )
            if helper is not None and func.value not in self.imports.aliases:
                return self._returns_weights(helper, depth)
        return False

    def _returns_weights(self, function: Scope, depth: int) -> bool:
        values = self.module.returned_values(function)
        return bool(values) and all(self.holds(v, function, depth) for v in values)

    def _is_tape(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        if not isinstance(expr, cst.Name):
            return False
        return any(
            tape.name == expr.value and any(s is tape.scope for s in scope.chain())
            for tape in self.module.index.tapes
        )

    def _attribute(self, expr: cst.Attribute, scope: Scope, depth: int) -> bool:
        """``self.w`` where the class (or a same-module base class) assigns weights to it:
        ``self.w = tf.Variable(...)``, ``self.add_weight(...)``, ``self.params = [...]``;
        and ``model.w`` where ``model = Model()`` is an instance of such a class."""
        if dotted_name(expr.value) != "self":
            return self._instance_attribute(expr, scope, depth)
        key = f"self.{expr.attr.value}"
        for method in self.module.class_scopes(scope):
            for value in self.module.bindings.get(method, {}).get(key, []):
                if isinstance(value, cst.Call) and (
                    dotted_name(value.func) == self.vocabulary.weight_factory
                ):
                    return True
                if self.holds(value, method, depth):
                    return True
        return self._inherited_weights(expr.attr.value, scope)

    def _instance_attribute(self, expr: cst.Attribute, scope: Scope, depth: int) -> bool:
        """``model.W`` with ``model = Model()`` bound in reach, where ``Model`` is a class of
        this module whose methods assign ``self.W`` weights (TensorFlow's own custom
        training tutorial: ``class Model(tf.Module): self.w = tf.Variable(5.0)``). A
        notebook may bind ``model`` again to objects with no ``.W`` (a Keras
        ``Sequential``): only classes of the module that assign ``self.W`` have a say."""
        if not isinstance(expr.value, cst.Name):
            return False
        values: list[tuple[cst.BaseExpression, Scope]] = []
        for s in scope.chain():
            bound = self.module.bindings.get(s, {}).get(expr.value.value)
            if bound:
                values = [(v, s) for v in bound]
                break
        if not values:
            return False
        key = f"self.{expr.attr.value}"
        found = False
        for value, _ in values:
            if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)):
                continue  # ``model = tf.keras.Sequential(...)`` in another cell has no ``.W``
            cls = self.module.classes.get(value.func.value)
            if cls is None or value.func.value in self.imports.aliases:
                continue
            assigned = [
                (v, method)
                for method in self.module.scopes_of_class(cls)
                for v in self.module.bindings.get(method, {}).get(key, [])
            ]
            if not assigned:
                continue
            if not any(self._attribute_value_is_weights(v, m, depth) for v, m in assigned):
                return False  # a class of this module whose ``.W`` is something else
            found = True
        return found

    def _attribute_value_is_weights(
        self, value: cst.BaseExpression, method: Scope, depth: int
    ) -> bool:
        factory = self.vocabulary.weight_factory
        if isinstance(value, cst.Call) and dotted_name(value.func) == factory:
            return True
        return self.holds(value, method, depth)

    def _inherited_weights(self, attr: str, scope: Scope) -> bool:
        """``self.log_alpha`` that a base class in another module of the project assigns a
        ``tf.Variable`` (or ``self.add_weight(...)``, or a model's trainable variables)."""
        project = self.module.ctx.project
        cls = _top_class(scope)
        if project is None or cls is None:
            return False
        values = project.inherited_attributes(cls.name.value).get(attr, [])
        return any(_ast_weights(v, self.vocabulary) for v in values)


def _optimizer_method_parameter(scope: Scope, name: str) -> bool:
    """``var_list`` received by a method of an optimizer class (its own ``minimize``): by the
    optimizer API's contract, the variables it is asked to update."""
    for s in scope.chain():
        if name in s.params() and s.class_node is not None:
            return named_like_an_optimizer_class(s.class_node)
    return False


def _top_class(scope: Scope) -> cst.ClassDef | None:
    """The top-level class the scope belongs to (the project index knows only those)."""
    for s in scope.chain():
        if s.class_node is not None:
            return s.class_node if s.parent is not None and s.parent.is_module else None
    return None


def _ast_weights(value: ast.expr, vocabulary: Vocabulary) -> bool:
    """An ``ast`` value (from another module) that surely holds weights."""
    if isinstance(value, ast.Attribute) and value.attr in vocabulary.trainable_attributes:
        return True
    if isinstance(value, ast.List | ast.Tuple):
        return bool(value.elts) and all(_ast_weights(e, vocabulary) for e in value.elts)
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if last == vocabulary.variable_class:
        return True
    factory = vocabulary.weight_factory.rsplit(".", 1)[-1]
    return (
        last == factory
        and isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
    )


class _Returns(ShallowVisitor):
    def __init__(self) -> None:
        self.values: list[cst.BaseExpression] = []

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.values.append(node.value)


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


class LoopDepth:
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


class _LoopContains(LoopDepth, ShallowVisitor):
    def __init__(self, target: cst.CSTNode) -> None:
        self.target = target
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if node is self.target and self.depth > 0:
            self.found = True


class _LoopReferences(LoopDepth, FastVisitor):
    """Every name or attribute mentioned inside a loop body anywhere in the module."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        if self.depth:
            self.names.add(node.value)


class _BuiltBefore(ShallowVisitor):
    """Walks one statement in source order until ``call``: was ``name`` bound to an
    optimizer construction on the way?"""

    def __init__(self, module: ModuleFacts, name: str, call: cst.Call) -> None:
        self.module = module
        self.name = name
        self.call = call
        self.built = False
        self.done = False

    def visit_Call(self, node: cst.Call) -> bool:
        if node is self.call:
            self.done = True
        return not self.done

    def visit_Assign(self, node: cst.Assign) -> bool:
        if self.done:
            return False
        if self.module.is_optimizer_construction(node.value) and any(
            dotted_name(t.target) == self.name for t in node.targets
        ):
            self.built = True
        return True


class _OptimizerReferences(ShallowVisitor):
    def __init__(self, vocabulary: Vocabulary, attributes_only: bool = False) -> None:
        self.found: list[str] = []
        self.attributes_only = attributes_only
        self.state_reads = vocabulary.optimizer_state_reads
        self.optimizer_name = vocabulary.optimizer_name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self.attributes_only

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if node.attr.value in self.state_reads:
            return False  # self.model.optimizer.iterations reads a counter; it trains nothing
        if self.optimizer_name.search(node.attr.value):
            self.found.append(dotted_name(node) or node.attr.value)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        if not self.attributes_only and self.optimizer_name.search(node.value):
            self.found.append(node.value)


class _Bindings(ShallowVisitor):
    """name (or ``self.attr``) -> every value assigned to it in the scope; and the
    ``X.optimizer`` of every ``X.compile(optimizer=...)`` (Keras keeps it there)."""

    def __init__(self) -> None:
        self.values: dict[str, list[cst.BaseExpression]] = {}
        self.compiled: list[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "compile"):
            return
        receiver = dotted_name(func.value)
        if receiver is None:
            return
        for arg in node.args:
            named = arg.keyword is not None and arg.keyword.value == "optimizer"
            if named and not (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
                self.compiled.append(f"{receiver}.optimizer")

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


def unapplied_weight_gradients(ctx: ModuleContext, facts: Facts) -> list[UnappliedSite]:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.unapplied_gradients`."""
    index = facts.tapes
    candidates = [s for s in index.sites if s.method == "gradient" and not s.expects_error]
    if not candidates:
        return []
    module = facts.module
    candidates = [
        s for s in candidates if module.differentiates_weights(s) and not minimized_instead(ctx, s)
    ]
    problems = []
    for site in candidates:
        fate = facts.fate(site)
        if fate.reaches_use:
            continue
        if not module.training_intent(site):
            continue
        optimizer_candidates = optimizer_spellings(module, site)
        unused = fate.dropped_elements
        if fate.unpacked and len(unused) < len(facts.site_table.parts[site.index]):
            # Some elements of ``dw, db = tape.gradient(loss, [w, b])`` are applied, some not.
            assert isinstance(site.sources, cst.List | cst.Tuple)
            for i in unused:
                source = ctx.module.code_for_node(site.sources.elements[i].value).strip()
                problems.append(
                    UnappliedSite(
                        site,
                        " ".join(source.split()),
                        [site.assigned_to[i]],
                        _best_optimizer(module.vocabulary, optimizer_candidates, source),
                        single_variable=True,
                        partial=True,
                    )
                )
            continue
        sources_text = sources_spelling(ctx, site)
        optimizer = _best_optimizer(module.vocabulary, optimizer_candidates, sources_text)
        if optimizer == "optimizer" and site.scope.class_node is not None:
            optimizer = "self.optimizer"
        problems.append(
            UnappliedSite(
                site,
                " ".join(sources_text.split()),
                site.assigned_to or list(fate.holders[:1]),
                optimizer,
                single_variable=module.may_be_single_variable(site.sources, site.scope),
                pairs=site.pairs,
            )
        )
    return problems


def sources_spelling(ctx: ModuleContext, site: GradientSite) -> str:
    """The sources as written, for messages (what TF1 differentiates when none are given)."""
    if site.sources is not None:
        return ctx.module.code_for_node(site.sources).strip()
    return "tf.compat.v1.trainable_variables()" if site.all_trainable else "?"


def optimizer_spellings(module: ModuleFacts, site: GradientSite) -> list[str]:
    """The optimizers a message may name: the one the call is made on first."""
    found = module.optimizers_in_reach(site)
    return [site.optimizer, *found] if site.optimizer else found


def minimized_instead(ctx: ModuleContext, site: GradientSite) -> bool:
    """A graph-mode site whose loss an optimizer's ``minimize`` also trains, on the same
    path: ``minimize`` computes and applies its own gradients, and these are for a summary
    (``tf.gradients(loss, tvars)`` logged, then ``optimizer.minimize(loss)``). A
    ``minimize`` in the other branch of an ``if`` (clip and apply, else minimize) trains
    nothing on the site's path."""
    if not site.tape.graph or site.target is None:
        return False
    finder = _Minimize(ctx.module.code_for_node(site.target).strip(), ctx.facts.vocabulary)
    walk_scope(site.scope, finder)
    if not finder.found:
        return False
    layout = ctx.facts.layout(site.scope)
    here = layout.calls.get(site.call)
    if here is None:
        return False
    for call in finder.found:
        there = layout.calls.get(call)
        if there is None:
            continue
        shorter, longer = sorted((here.chain, there.chain), key=len)
        if longer[: len(shorter)] == shorter:
            return True
    return False


class _Minimize(ShallowVisitor):
    def __init__(self, target: str, vocabulary: Vocabulary) -> None:
        self.target = target
        self.optimizer_name = vocabulary.optimizer_name
        self.found: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "minimize"):
            return
        owner = (dotted_name(func.value) or "").rsplit(".", 1)[-1]
        loss = next((a.value for a in node.args if a.keyword is None), None)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "loss":
                loss = arg.value
        if loss is None or not self.optimizer_name.search(owner):
            return
        if cst.Module([]).code_for_node(loss).strip() == self.target:
            self.found.append(node)


def site_table(index: TapeIndex) -> SiteTable:
    """Site ids for the flow analysis, with element ids for unpacked results."""
    table = SiteTable()
    for site in index.sites:
        table.ids[site.call] = site.index
        table.tape_of[site.index] = site.tape
        table.calls_of.setdefault(id(site.tape), []).append(site.call)
        if site.tape.graph:
            table.graph.add(site.index)
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


def _best_optimizer(vocabulary: Vocabulary, candidates: list[str], sources_text: str) -> str:
    """The optimizer most likely meant for these weights: ``d_optimizer`` for the
    discriminator, ``self.optimizer`` in a method, else the nearest one in reach."""
    if candidates and candidates[0] == "self":
        return "self"  # ``self.compute_gradients(...)`` in an optimizer's own method
    usable = [c for c in candidates if vocabulary.optimizer_name.search(c.rsplit(".", 1)[-1])]
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
