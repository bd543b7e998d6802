"""Gradients a function returns, followed into every caller the project model can see.

TensorFlow's own custom-training tutorial computes its gradients in a helper,
``def grad(model, x, y): ...; return loss, tape.gradient(loss, model.trainable_variables)``,
and GAN trainers split ``compute_gradients`` from ``apply_gradients``. The flow analysis of
one function stops at ``return``: it is the caller that decides. So a value that a function
only ever returns is followed into each of its callers (same module, a later notebook cell,
another module of the project): the caller's flow analysis starts with the call's result
holding the gradients at the positions the callee returns them (``loss, grads = grad(...)``
unpacks them; ``grad(...)[1]`` indexes them), and a caller that returns them again is
followed further up.

The policy: a caller is judged like the same code written inline.

- A caller *reaches* an update when it applies, stores, yields or passes them to anything
  that may apply (an unknown or third-party call), or returns them to callers of its own
  that reach, or of which none is visible.
- A caller that binds the gradients to a name and then drops them is reported, at the
  ``tape.gradient`` call, naming that caller, even when another caller applies: the
  tutorial's one-step demo cell applies, and the training loop below it that lost its
  ``apply_gradients`` trains nothing (inline, GL001 reports exactly that loop). A caller
  that discards them on purpose (``loss, _ = grad(...)``, ``grad(...)[0]``) is no dropper.
- Callers in tests (``test*`` functions, ``Test*`` classes, ``test_*.py``/``*_test.py``) do
  not count either way: a test that checks the gradients of a helper says nothing about
  the training loop that drops them, and a test that only reads the loss is no bug.
- A function with no visible caller is an API (its callers are outside the project), and
  so is one exported or registered by a decorator (``@tf.function(input_signature=...)``:
  a TFLite or SavedModel signature): it stays quiet. Calls gradlint cannot tie to the
  function (``agent.compute_gradients(x)`` on an object of unknown class, a lambda, a
  ``tf.function(grad)`` wrapper) are not seen, so they neither report nor excuse.
- The site must show training intent (GL001's usual test), or the caller that drops must
  call it in a loop: a helper module without an optimizer still trains its callers' models.

Other modules are searched through the project model's reverse imports
(:meth:`gradlint.analyzer.project.Project.dependents`, a text filter then ``ast``): a module is
parsed with LibCST only when its imports lead to the function. A finding then depends on
every file of the project (a new caller may appear anywhere), which is recorded for the
findings cache.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.dataflow import (
    RETURN_REASON,
    FateKind,
    FlowAnalysis,
    SiteTable,
    Val,
    assigned_names,
    join_val,
    rebound_names,
)
from gradlint.analyzer.names import call_label, dotted_name
from gradlint.analyzer.redefinitions import latest_definition, sees_only, top_level_definitions
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.training import LoopDepth

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.dataflow import FlowResult, HelperIndex
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.tapes import GradientSite

#: How many callers up a returned value is followed.
MAX_CALLER_DEPTH = 4
#: At most this many caller scopes are analyzed per analyzed file (beyond: quiet).
MAX_CALLERS = 64
#: Ids of gradient values followed into callers live far above real site ids.
CALLER_BASE = 3_000_000_000
#: Decorators that keep a function an ordinary callee (any other may register it).
PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod", "function", "wraps"})
_TEST_FILE = re.compile(r"(^test_.*|.*_test)\.py$")


class Verdict(Enum):
    REACHES = "reaches"  # some visible caller applies (or may)
    DROPPED = "dropped"  # a visible caller drops them and none reaches
    UNKNOWN = "unknown"  # no visible caller


@dataclass(frozen=True)
class CallerRef:
    """One caller on the way from the ``return`` to where the gradients are dropped."""

    #: ``train_loop``, ``GAN.train``, or ``""`` for module-level code.
    name: str
    #: The call of the gradients' function in that caller.
    call: cst.Call
    #: The module that holds the call, which knows how to name its position.
    module: _Module = field(compare=False, repr=False)
    #: The names that held the gradients in that caller.
    holders: tuple[str, ...] = ()

    @functools.cached_property
    def where(self) -> str:
        """``line 42``, ``cell 3, line 4`` or ``pkg/train.py:42``: computed only when a
        message names the caller (in a large class a position costs the code of the whole
        top-level statement)."""
        return self.module.where(self.call)

    def describe(self) -> str:
        if not self.name:
            return f"module-level code ({self.where})"
        return f"'{self.name}' ({self.where})"


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    #: For DROPPED: the callers from the function that returns them to the one that drops.
    chain: tuple[CallerRef, ...] = ()


@dataclass(frozen=True)
class DroppedByCaller:
    """A weight gradient that its function only returns, and that its callers drop."""

    site: GradientSite
    sources_text: str
    chain: tuple[CallerRef, ...]
    optimizer_text: str


@dataclass(eq=False)
class _Module:
    """A module the search reads: the analyzed one or one found through the project."""

    ctx: ModuleContext
    helpers: HelperIndex
    #: Absolute path of a module of the project (None: a file the project cannot import).
    path: Path | None
    #: Whether it is the analyzed file (its slice may lack callers; positions differ).
    analyzed: bool
    _recording: dict | None = None

    @property
    def recording(self) -> dict:
        if self._recording is None:
            self._recording = self.ctx.facts.site_table.recording
        return self._recording

    def where(self, node: cst.CSTNode) -> str:
        if self.analyzed:
            return self.ctx.line_ref(node)
        line = self.ctx.position(node).start.line
        project = self.ctx.project
        name = str(self.path)
        if project is not None and self.path is not None:
            with contextlib.suppress(ValueError):
                name = self.path.relative_to(project.project.root).as_posix()
        return f"{name}:{line}"


def dropped_by_callers(ctx: ModuleContext, facts: Facts) -> list[DroppedByCaller]:
    """Read once per file through
    :attr:`gradlint.analyzer.facts.Facts.gradients_dropped_by_callers`."""
    module = facts.module
    by_scope: dict[Scope, list[GradientSite]] = {}
    #: Sites whose sources are a parameter: the weights must come from each caller.
    weights_from: dict[int, str] = {}
    search_sites: dict[int, GradientSite] = {}
    for site in facts.tapes.sites:
        if site.method != "gradient" or site.expects_error or site.scope.is_module:
            continue
        if not _only_returned(facts, site):
            continue
        if not module.differentiates_weights(site):
            parameter = _parameter_sources(site)
            if parameter is None:
                continue
            weights_from[CALLER_BASE + site.index] = parameter
        search_sites[CALLER_BASE + site.index] = site
        by_scope.setdefault(site.scope, []).append(site)
    if not by_scope:
        return []
    search = _CallerSearch(ctx, facts)
    problems = []
    for scope, sites in by_scope.items():
        flow = facts.flow(scope)
        mapping = {}
        for site in sites:
            for element in _ids(facts, site):
                mapping[element] = CALLER_BASE + site.index
        returned = _returned(flow, mapping)
        if returned is None:
            continue
        search.weights_from = weights_from
        search.sites = search_sites
        outcomes = search.follow(search.own, scope, returned, 0, frozenset())
        for site in sites:
            outcome = outcomes.get(CALLER_BASE + site.index)
            if outcome is None or outcome.verdict is not Verdict.DROPPED:
                continue
            if not (module.training_intent(site) or search.dropped_in_loop(outcome)):
                continue
            problems.append(_problem(ctx, facts, site, outcome.chain))
    return problems


def _parameter_sources(site: GradientSite) -> str | None:
    """The parameter that ``site`` differentiates, when its sources are one parameter of
    its function that the function never rebinds (``def backprop(x, y, variables): ...
    tape.gradient(loss, variables)``): the weights arrive from the callers."""
    sources = site.sources
    scope = site.scope
    if isinstance(sources, cst.List | cst.Tuple) and sources.elements:
        # ``[model.W, model.B]`` of a ``model`` parameter: the caller's model decides.
        roots = {
            e.value.value.value
            for e in sources.elements
            if isinstance(e.value, cst.Attribute) and isinstance(e.value.value, cst.Name)
        }
        if len(roots) != 1 or not all(isinstance(e.value, cst.Attribute) for e in sources.elements):
            return None
        (root,) = roots
    elif isinstance(sources, cst.Name):
        root = sources.value
    else:
        return None
    if root not in scope.params() or root in rebound_names(scope):
        return None
    return root


def _sources_in_caller(site: GradientSite, argument: cst.BaseExpression) -> cst.BaseExpression:
    """The site's sources as the caller spells them: the parameter replaced by the call's
    argument (``[model.W, model.B]`` with ``model`` -> ``agent.model``)."""
    sources = site.sources
    if isinstance(sources, cst.List | cst.Tuple):
        return cst.List(
            [
                cst.Element(cst.Attribute(value=argument, attr=e.value.attr))
                for e in sources.elements
                if isinstance(e.value, cst.Attribute)
            ]
        )
    return argument


def _argument_for(call: cst.Call, callee: Scope, parameter: str) -> cst.BaseExpression | None:
    """The expression a call passes for ``parameter`` of ``callee`` (None: not readable)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == parameter:
            return arg.value
    params = callee.params()
    if callee.class_node is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    positional = []
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional.append(arg.value)
    if parameter in params and params.index(parameter) < len(positional):
        return positional[params.index(parameter)]
    return None


def _ids(facts: Facts, site: GradientSite) -> tuple[int, ...]:
    return facts.site_table.parts.get(site.index) or (site.index,)


def _only_returned(facts: Facts, site: GradientSite) -> bool:
    """Whether every element of the site's value is used, and only by ``return``."""
    flow = facts.flow(site.scope)
    for element in _ids(facts, site):
        uses = flow.uses.get(element)
        if not uses or uses != {(FateKind.RETURNED, RETURN_REASON)}:
            return False
    return True


def _returned(flow: FlowResult, mapping: dict[int, int]) -> Val | None:
    """The scope's returned value (its ``return`` statements joined) with the followed
    gradients relabelled by ``mapping``; None when no ``return`` carries them."""
    joined: Val | None = None
    for val in flow.returns:
        relabelled = _relabel(val, mapping)
        if not relabelled.sites:
            continue
        joined = relabelled if joined is None else join_val(joined, relabelled)
    return joined


def _relabel(val: Val, mapping: dict[int, int]) -> Val:
    sites = frozenset(mapping[s] for s in val.sites if s in mapping)
    parts = None if val.parts is None else tuple(_relabel(p, mapping) for p in val.parts)
    return Val(sites, parts)


def _all_sites(val: Val) -> set[int]:
    sites = set(val.sites)
    for part in val.parts or ():
        sites |= _all_sites(part)
    return sites


def _problem(
    ctx: ModuleContext, facts: Facts, site: GradientSite, chain: tuple[CallerRef, ...]
) -> DroppedByCaller:
    from gradlint.analyzer.training import _best_optimizer as best_optimizer
    from gradlint.analyzer.training import optimizer_spellings, sources_spelling

    module = facts.module
    sources = " ".join(sources_spelling(ctx, site).split())
    optimizer = best_optimizer(module.vocabulary, optimizer_spellings(module, site), sources)
    if optimizer == "optimizer" and site.scope.class_node is not None:
        optimizer = "self.optimizer"
    return DroppedByCaller(site, sources, chain, optimizer)


class _CallerSearch:
    """Finds and analyzes the callers of functions, in the analyzed module and beyond."""

    def __init__(self, ctx: ModuleContext, facts: Facts) -> None:
        self.ctx = ctx
        project = ctx.project
        path = Path(os.path.abspath(ctx.unit.path)) if project is not None else None
        self.own = _Module(ctx, facts.helpers, path, analyzed=True)
        self.project = project
        self.budget = MAX_CALLERS
        self._next_id = CALLER_BASE * 2
        self._modules: dict[Path, _Module | None] = {}
        if path is not None:
            self._modules[path] = self.own
        #: Caller that drops gradients -> whether it calls in a loop.
        self._loops: dict[CallerRef, bool] = {}
        #: The lines of the analyzed file its slice keeps (computed when first needed).
        self._kept: set[int] | None = None
        #: Followed id -> the parameter of the gradients' function that holds their sources:
        #: a direct call counts only where it passes weights for it.
        self.weights_from: dict[int, str] = {}
        #: Followed id -> its site (for the sources a caller must pass weights for).
        self.sites: dict[int, GradientSite] = {}

    # ------------------------------------------------------------------ following
    def follow(
        self, module: _Module, scope: Scope, returned: Val, depth: int, seen: frozenset
    ) -> dict[int, Outcome]:
        """What the callers of ``scope`` do with each gradient id of ``returned``."""
        ids = _all_sites(returned)
        key = (id(module), id(scope))
        if key in seen or depth > MAX_CALLER_DEPTH or not _plain_callee(scope):
            return {i: Outcome(Verdict.REACHES) for i in ids}
        seen = seen | {key}
        verdicts: dict[int, list[Outcome]] = {i: [] for i in ids}
        for caller_module, caller, calls in self.callers(module, scope):
            if _is_test(caller_module, caller):
                continue
            if self.budget <= 0:
                return {i: Outcome(Verdict.REACHES) for i in ids}
            self.budget -= 1
            for i, outcome in self._caller(
                caller_module, caller, calls, returned, depth, seen, scope if depth == 0 else None
            ).items():
                verdicts[i].append(outcome)
        return {i: _combine(found) for i, found in verdicts.items()}

    def _caller(
        self,
        module: _Module,
        caller: Scope,
        calls: list[cst.Call],
        returned: Val,
        depth: int,
        seen: frozenset,
        callee: Scope | None = None,
    ) -> dict[int, Outcome]:
        """Each call's result gets ids of its own: a loop that applies what one call
        returns does not excuse another call of the same scope that drops it. ``callee``
        (the gradients' own function) is given for its direct callers, which must pass
        weights where the sources are a parameter (:attr:`weights_from`)."""
        if module.analyzed:
            self._require_callees_of(module, caller)
        table = SiteTable(recording=module.recording)
        labels: list[tuple[cst.Call, dict[int, int]]] = []
        for call in calls:
            mapping = {i: self._fresh() for i in _all_sites(returned)}
            table.results[call] = _relabel(returned, mapping)
            labels.append((call, mapping))
        flow = FlowAnalysis(module.ctx, caller, table, module.helpers).run()
        name = _qualname(caller)
        outcomes: dict[int, list[Outcome]] = {i: [] for i in _all_sites(returned)}
        further: dict[int, int] = {}
        refs: dict[int, CallerRef] = {}
        for call, mapping in labels:
            for i, label in mapping.items():
                parameter = self.weights_from.get(i) if callee is not None else None
                if parameter is not None:
                    argument = _argument_for(call, callee, parameter)
                    site = self.sites.get(i)
                    if (
                        argument is None
                        or site is None
                        or not module.ctx.facts.module.is_weights(
                            _sources_in_caller(site, argument), caller
                        )
                    ):
                        # Not surely weights here (an input, a saliency map): no verdict.
                        outcomes[i].append(Outcome(Verdict.UNKNOWN))
                        continue
                uses = flow.uses.get(label)
                holders = tuple(flow.holders.get(label, ()))
                if not uses and not any(not h.startswith("_") for h in holders):
                    # ``loss, _ = grad(...)``, ``grad(...)[0]``: discarded on purpose.
                    outcomes[i].append(Outcome(Verdict.UNKNOWN))
                elif not uses:
                    # The position only where a message may name it: in a large class,
                    # positions cost the code of the whole statement.
                    ref = CallerRef(name, call, module, holders)
                    outcomes[i].append(Outcome(Verdict.DROPPED, (ref,)))
                    self._note_loop(caller, [call], ref)
                elif uses == {(FateKind.RETURNED, RETURN_REASON)} and not caller.is_module:
                    further[label] = self._fresh()
                    refs[label] = CallerRef(name, call, module, holders)
                else:
                    outcomes[i].append(Outcome(Verdict.REACHES))
        if further:
            up = _returned(flow, further)
            above = self.follow(module, caller, up, depth + 1, seen) if up is not None else {}
            for _call, mapping in labels:
                for i, label in mapping.items():
                    if label not in further:
                        continue
                    outcome = above.get(further[label], Outcome(Verdict.REACHES))
                    if outcome.verdict is Verdict.DROPPED:
                        chain = (refs[label], *outcome.chain)
                        outcomes[i].append(Outcome(Verdict.DROPPED, chain))
                    else:
                        # Returned to callers out of sight (or that reach): they decide.
                        outcomes[i].append(Outcome(Verdict.REACHES))
        return {i: _combine(found) for i, found in outcomes.items()}

    def _fresh(self) -> int:
        self._next_id += 1
        return self._next_id

    def _note_loop(self, caller: Scope, calls: list[cst.Call], ref: CallerRef) -> None:
        finder = _LoopCalls(set(calls))
        walk_scope(caller, finder)
        self._loops[ref] = finder.found

    def dropped_in_loop(self, outcome: Outcome) -> bool:
        """Whether the caller that drops the gradients calls in a loop (training intent
        seen from the caller: a helper module without an optimizer still trains)."""
        return bool(outcome.chain) and self._loops.get(outcome.chain[-1], False)

    # ------------------------------------------------------------------ finding callers
    def callers(self, module: _Module, scope: Scope) -> list[tuple[_Module, Scope, list[cst.Call]]]:
        """The visible calls of ``scope``, grouped by calling scope."""
        found = self._local_callers(module, scope)
        if module.path is not None and _is_module_function(scope):
            found += self._foreign_callers(module, scope)
        return found

    def _local_callers(
        self, module: _Module, callee: Scope
    ) -> list[tuple[_Module, Scope, list[cst.Call]]]:
        """Calls of ``callee`` in its own module: ``f(...)`` of a module-level function,
        ``self.f(...)`` of a method of the class (or of a subclass in the module)."""
        name = callee.name
        method = callee.class_node is not None
        if module.analyzed:
            self._require_whole_file(name)
        helpers = module.helpers
        rivals = [] if method else top_level_definitions(module.ctx.module, name)
        groups: list[tuple[_Module, Scope, list[cst.Call]]] = []
        for scope in helpers.scopes:
            finder = _Calls(name)
            walk_scope(scope, finder)
            if not finder.calls:
                continue
            local = assigned_names(scope) if not scope.is_module else set()
            calls = []
            for call in finder.calls:
                label = call_label(call)
                if label is None or method != label.startswith("self.") or label in local:
                    continue  # ``agent.step(x)``, ``obj.grad(...)``, a local of that name
                if len(rivals) > 1:
                    # Redefined (a notebook's later cell): module-level code calls the
                    # definition last run before it; a function, the one bound when it
                    # runs (see redefinitions.sees_only).
                    if scope.is_module:
                        seen = latest_definition(rivals, module.ctx.module, finder.statement[call])
                        if seen is callee.node:
                            calls.append(call)
                    elif sees_only(module.ctx.module, rivals, scope, callee):
                        calls.append(call)
                elif helpers.resolve(label, scope) is callee:
                    calls.append(call)
            if calls:
                groups.append((module, scope, calls))
        return groups

    def _require_callees_of(self, module: _Module, caller: Scope) -> None:
        """A caller kept in the slice only because its loop calls the step may call helpers
        the slice dropped (``average_gradients(tower_grads)``): unread, such a helper would
        count as an unknown call that may apply. The whole file is analyzed instead."""
        if self.ctx.line_map is None:
            return
        finder = _CalledNames()
        walk_scope(caller, finder)
        local = assigned_names(caller) if not caller.is_module else set()
        for name in sorted(finder.names - local):
            if module.helpers.resolve(name, caller) is None:
                self._require_whole_file(name, definition=True)

    def _require_whole_file(self, name: str, definition: bool = False) -> None:
        """A slice lacks the statements no rule looks at, and so may lack callers or a
        redefinition: when the name is on a line the slice dropped (``definition``: a line
        that defines it, ``def name``), the whole file is analyzed instead."""
        line_map = self.ctx.line_map
        if line_map is None:
            return
        if self._kept is None:
            # A dropped run of lines is one empty line of the slice, mapped to the run's
            # first line: a line is kept when the slice holds it with its own text.
            # The text the slice was parsed from, not ``module.code``: regenerating the code
            # of a large module costs as much as a third of its analysis.
            parsed = self.ctx.parsed_text
            sliced = (self.ctx.module.code if parsed is None else parsed).splitlines()
            self._kept = {
                number
                for text, number in zip(sliced, line_map, strict=False)
                if text == self.ctx.text_lines[number - 1]
            }
        word = re.compile(
            rf"^\s*(async\s+)?(def|class)\s+{re.escape(name)}\b"
            if definition
            else rf"\b{re.escape(name)}\b"
        )
        code_lines = None
        for number, line in enumerate(self.ctx.text_lines, start=1):
            if name in line and number not in self._kept and word.search(line):
                if code_lines is None:
                    code_lines = _lines_naming_in_code(self.ctx.unit.text, name)
                if number not in code_lines:
                    continue  # a comment or a docstring that names it: neither calls it
                from gradlint.analyzer.context import NeedsWholeFile

                raise NeedsWholeFile(f"callers of {name}")

    def _foreign_callers(
        self, module: _Module, callee: Scope
    ) -> list[tuple[_Module, Scope, list[cst.Call]]]:
        """Calls of a module-level function from the other modules of the project."""
        view = module.ctx.project
        if view is None or module.path is None:
            return []
        project = view.project
        from gradlint.analyzer.project import TREE_DEPENDENCY, tree_fingerprint

        # A caller may appear in any file: the result depends on the whole tree.
        project.consulted[Path(TREE_DEPENDENCY + str(project.root))] = tree_fingerprint(
            project.root
        )
        groups: list[tuple[_Module, Scope, list[cst.Call]]] = []
        name = callee.name
        for path in project.dependents(module.path):
            index = project.index(path)
            if index is None or not project.mentions(path, name) or _TEST_FILE.match(path.name):
                continue
            if not any(
                _leads_to(project, index, local, module.path, name) for local in index.imports
            ):
                continue
            other = self._module(path)
            if other is None:
                continue
            for scope in other.helpers.scopes:
                finder = _Calls(name)
                walk_scope(scope, finder)
                local = assigned_names(scope) if not scope.is_module else set()
                calls = []
                for call in finder.calls:
                    spelled = dotted_name(call.func) or ""
                    if not spelled or spelled.split(".")[0] in local:
                        continue
                    target = other.helpers.foreign(spelled)
                    if target is not None and _is_target(target, module.path, name):
                        calls.append(call)
                if calls:
                    groups.append((other, scope, calls))
        return groups

    def _module(self, path: Path) -> _Module | None:
        if path in self._modules:
            return self._modules[path]
        assert self.project is not None
        parsed = self.project.store._parse(path)
        result = None if parsed is None else _Module(parsed[0], parsed[1], path, analyzed=False)
        self._modules[path] = result
        return result


def _combine(outcomes: list[Outcome]) -> Outcome:
    """One caller that drops is reported; else one that reaches keeps them used."""
    dropped = [o for o in outcomes if o.verdict is Verdict.DROPPED]
    if dropped:
        return dropped[0]
    if any(o.verdict is Verdict.REACHES for o in outcomes):
        return Outcome(Verdict.REACHES)
    return Outcome(Verdict.UNKNOWN)


def _leads_to(project, index, local: str, path: Path, name: str) -> bool:
    """Whether the import bound to ``local`` is the function (or its module)."""
    target = project.resolve_local(index, local)
    if target is None or target.path != path:
        return False
    return target.kind == "module" or (target.kind == "function" and target.qualname == name)


def _is_target(target, path: Path, name: str) -> bool:
    return target.path == path and target.kind == "function" and target.qualname == name


def _plain_callee(scope: Scope) -> bool:
    """A function its visible calls account for: not exported or registered by a decorator
    (``@tf.function(input_signature=...)`` is a TFLite/SavedModel signature)."""
    assert isinstance(scope.node, cst.FunctionDef)
    for decorator in scope.node.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            if any(
                arg.keyword is not None and arg.keyword.value == "input_signature"
                for arg in expr.args
            ):
                return False
            expr = expr.func
        name = (dotted_name(expr) or "").rsplit(".", 1)[-1]
        if name not in PLAIN_DECORATORS:
            return False
    return True


def _is_module_function(scope: Scope) -> bool:
    return scope.parent is not None and scope.parent.is_module and scope.class_node is None


def _qualname(scope: Scope) -> str:
    if scope.is_module:
        return ""
    names = []
    for s in scope.chain():
        if s.is_module:
            break
        names.append(s.name)
        if s.class_node is not None:
            names.append(s.class_node.name.value)
    return ".".join(reversed(names))


def _is_test(module: _Module, scope: Scope) -> bool:
    for s in scope.chain():
        if s.is_module:
            break
        if s.name.startswith("test") or (
            s.class_node is not None and s.class_node.name.value.startswith("Test")
        ):
            return True
    return bool(module.path is not None and _TEST_FILE.match(module.path.name))


class _CalledNames(ShallowVisitor):
    """The plain names a scope calls (``helper(...)``)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.names.add(node.func.value)


class _Calls(ShallowVisitor):
    """In one scope: the calls whose callee is or ends in ``name`` (a lambda's calls are
    out of sight: when it runs is unknown), with the statement of the scope each is in."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[cst.Call] = []
        self.statement: dict[cst.Call, cst.CSTNode] = {}
        self._current: cst.CSTNode | None = None

    def walk(self, node: cst.CSTNode) -> None:
        if self._current is None:
            self._current = node
            try:
                super().walk(node)
            finally:
                self._current = None
        else:
            super().walk(node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (isinstance(func, cst.Name) and func.value == self.name) or (
            isinstance(func, cst.Attribute) and func.attr.value == self.name
        ):
            self.calls.append(node)
            assert self._current is not None
            self.statement[node] = self._current


class _LoopCalls(LoopDepth, ShallowVisitor):
    """Whether one of ``calls`` sits in a ``for``/``while`` body."""

    def __init__(self, calls: set[cst.Call]) -> None:
        self.calls = calls
        self.depth = 0
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if node in self.calls and self.depth:
            self.found = True


def _lines_naming_in_code(text: str, name: str) -> set[int]:
    """The lines (1-based) where ``name`` is a whole word in code, not in a comment or a
    string: a dropped comment that mentions a function must not cost a whole-file analysis."""
    from gradlint.analyzer.code_mentions import code_mentions
    from gradlint.analyzer.sources import LINE_BREAK

    lines = set()
    for offset in code_mentions(text, (name,)):
        end = offset + len(name)
        if (offset and _WORD_CHAR.match(text, offset - 1)) or _WORD_CHAR.match(text, end):
            continue  # part of a longer name
        lines.add(len(LINE_BREAK.findall(text, 0, offset)) + 1)
    return lines


_WORD_CHAR = re.compile(r"\w")
