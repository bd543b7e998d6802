"""What a function of another module does with its parameters, for the flow analysis.

A call the analyzer cannot see into is presumed to apply the gradients passed to it (a missed
bug is better than a false alarm). Inside the project that presumption is not needed: the
function's module is read and the function is summarised like a same-module helper
(:meth:`gradlint.analyzer.dataflow.HelperIndex.summary`): per parameter, ``"observed"`` (it
only reads it), ``"returned"`` (it gives it back, maybe transformed) or ``"used"`` (it applies,
stores or passes it on to something that may). Third-party code stays unknown, except
:data:`KNOWN_OBSERVERS` and :data:`KNOWN_PURE`, functions documented to only log, or to return
what they are given.

LibCST is the expensive part, so a module is parsed only when a gradient value actually
flows into one of its functions, and each summary is kept in memory for the process and, when
the engine hands a :class:`SummaryStore` a persistent ``backend``, on disk under its
dependencies' content digests: pre-commit on one file reads the summaries of the modules it
imports from the cache.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gradlint.analyzer.project import ModuleIndex, Project, Target

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.dataflow import HelperIndex
    from gradlint.analyzer.scopes import Scope

#: Third-party functions documented to only read their arguments (logging, summaries).
KNOWN_OBSERVERS = frozenset(
    {
        "wandb.log",
        "mlflow.log_metric",
        "mlflow.log_metrics",
        "tf_agents.utils.eager_utils.add_gradients_summaries",
        "tf_agents.utils.eager_utils.add_variables_summaries",
    }
)
#: Third-party functions documented to return (a transformation of) their arguments.
KNOWN_PURE = frozenset(
    {
        "tf_agents.utils.eager_utils.clip_gradient_norms",
        # Horovod's reductions return the averaged tensors; the caller applies them.
        "horovod.tensorflow.allreduce",
        "horovod.tensorflow.grouped_allreduce",
        "horovod.tensorflow.keras.allreduce",
    }
)
#: Summaries are read at most this many modules away from the analyzed file.
MAX_MODULE_DEPTH = 3


@dataclass(frozen=True)
class FunctionSummary:
    """``effects``: parameter -> ``"observed"`` | ``"returned"`` | ``"used"``."""

    params: tuple[str, ...]
    effects: dict[str, str]


class SummaryBackend(Protocol):
    """Where summaries persist between runs (the engine adapts gradlint's cache to this)."""

    def get_summary(self, key: str) -> dict | None: ...

    def put_summary(self, key: str, value: dict) -> None: ...


@dataclass
class SummaryStore:
    """Summaries of one run, keyed by module content and qualified name."""

    project: Project
    backend: SummaryBackend | None = None
    #: How many summaries were computed (not read from memory or the backend): tests read it.
    computed: int = 0
    _memory: dict[tuple[str, str], tuple[FunctionSummary | None, dict[Path, str]]] = field(
        default_factory=dict
    )
    _active: set[tuple[Path, str]] = field(default_factory=set)
    _views: dict[Path, ProjectModule] = field(default_factory=dict)
    _parsed: dict[Path, tuple] = field(default_factory=dict)

    def view(self, path: Path, text: str | None = None) -> ProjectModule | None:
        """The project as seen from the module at ``path`` (its text, when not on disk)."""
        path = Path(os.path.abspath(path))
        view = self._views.get(path)
        if view is None or text is not None:
            index = self.project.index_text(path, text) if text is not None else None
            if index is None:
                index = self.project.index(path)
            if index is None:
                return None
            view = self._views[path] = ProjectModule(self, index)
        return view

    def summary(self, target: Target, depth: int) -> FunctionSummary | None:
        """What the function ``target`` does with each parameter; None when unknown."""
        index = self.project.index(target.path)
        if index is None or target.kind not in {"function", "method"}:
            return None
        key = (index.digest, f"{target.path}:{target.qualname}")
        if key in self._memory:
            result, deps = self._memory[key]
            self.project.consulted.update(deps)
            return result
        if (target.path, target.qualname) in self._active or depth > MAX_MODULE_DEPTH:
            return None
        loaded = self._load(key)
        if loaded is not None:
            self._memory[key] = loaded
            self.project.consulted.update(loaded[1])
            return loaded[0]
        outer = self.project.consulted
        self.project.consulted = {}
        self._active.add((target.path, target.qualname))
        try:
            result = self._compute(target, depth)
        finally:
            self._active.discard((target.path, target.qualname))
            deps = self.project.consulted
            deps[Path(target.path)] = index.digest
            self.project.consulted = outer
            outer.update(deps)
        self.computed += 1
        self._memory[key] = (result, deps)
        if result is not None:
            self._save(key, result, deps)
        return result

    def _compute(self, target: Target, depth: int) -> FunctionSummary | None:
        from gradlint.analyzer.dataflow import HelperIndex

        parsed = self._parse(target.path)
        if parsed is None:
            return None
        ctx, helpers = parsed
        scope = _find_scope(helpers, target.qualname)
        if scope is None:
            return None
        assert isinstance(helpers, HelperIndex)
        effects = helpers.summary(ctx, scope, depth)
        return FunctionSummary(tuple(scope.params()), dict(effects))

    def _parse(self, path: Path) -> tuple[ModuleContext, HelperIndex] | None:
        if path in self._parsed:
            return self._parsed[path]
        from gradlint.analyzer.context import ModuleContext
        from gradlint.analyzer.dataflow import HelperIndex
        from gradlint.analyzer.parsing import parse_unit
        from gradlint.analyzer.scopes import build_scopes
        from gradlint.analyzer.sources import SourceError, SourceUnit

        result = None
        text = self.project.source(path)
        view = self.view(path)
        if text is not None and view is not None:
            parsed = parse_unit(SourceUnit(path=str(path), text=text))
            if not isinstance(parsed, SourceError):
                # With the text, positions (a caller named in a message) start each
                # top-level statement where ``ast`` says instead of generating the code of
                # every statement above it.
                ctx = ModuleContext(SourceUnit(path=str(path), text=text), parsed, parsed_text=text)
                ctx.project = view
                result = (ctx, HelperIndex(build_scopes(parsed), project=view))
        self._parsed[path] = result
        return result

    # ------------------------------------------------------------------ persistence
    def _load(self, key: tuple[str, str]) -> tuple[FunctionSummary, dict[Path, str]] | None:
        if self.backend is None:
            return None
        value = self.backend.get_summary(_backend_key(key))
        if value is None:
            return None
        deps: dict[Path, str] = {}
        try:
            for name, digest in value["deps"].items():
                path = Path(name)
                index = self.project.index(path)
                if (index.digest if index is not None else "") != digest:
                    return None
                deps[path] = digest
            params = tuple(str(p) for p in value["params"])
            effects = {str(k): str(v) for k, v in value["effects"].items()}
        except (KeyError, TypeError, AttributeError):
            return None
        return FunctionSummary(params, effects), deps

    def _save(self, key: tuple[str, str], summary: FunctionSummary, deps: dict) -> None:
        if self.backend is not None:
            value = {
                "params": list(summary.params),
                "effects": summary.effects,
                "deps": {str(p): d for p, d in deps.items()},
            }
            self.backend.put_summary(_backend_key(key), value)


def _backend_key(key: tuple[str, str]) -> str:
    return f"{key[0]}\0{key[1]}"


def _find_scope(helpers: HelperIndex, qualname: str) -> Scope | None:
    cls, _, name = qualname.rpartition(".")
    if not cls:
        return helpers.functions.get(name)
    for class_node, methods in helpers.methods.items():
        if class_node.name.value == cls and name in methods:
            return methods[name]
    return None


@dataclass
class ProjectModule:
    """The project seen from one module: where its calls lead and what those functions do."""

    store: SummaryStore
    index: ModuleIndex
    _inherited: dict[str, dict[str, list[ast.expr]]] = field(default_factory=dict, repr=False)

    @property
    def project(self) -> Project:
        return self.store.project

    def function(self, dotted: str) -> Target | None:
        """The project function (or method of a project class) a call's callee names."""
        target = self.project.resolve_local(self.index, dotted)
        if target is not None and target.kind in {"function", "method"}:
            return target
        return None

    def inherited(self, cls: str, method: str) -> Target | None:
        """``self.method`` of class ``cls`` defined by a base class in another module."""
        info = self.index.classes.get(cls)
        if info is None:
            return None
        for base in info.bases:
            target = self.project.resolve_local(self.index, base)
            if target is not None and target.kind == "class" and target.path != self.index.path:
                found = self.project.method(target.path, target.qualname, method)
                if found is not None:
                    return found
        return None

    def summary(self, target: Target, depth: int) -> FunctionSummary | None:
        return self.store.summary(target, depth)

    def inherited_attributes(self, cls: str) -> dict[str, list[ast.expr]]:
        """``self.<attr>`` -> the values the base classes of ``cls`` in other modules assign
        to it, in any of their methods (``self.log_alpha = tf.Variable(...)`` in a base
        agent's ``__init__``), through their own bases too. Read with ``ast``: only the
        facts the weight proof and the optimizer search need, not a flow analysis."""
        cached = self._inherited.get(cls)
        if cached is not None:
            return cached
        found: dict[str, list[ast.expr]] = {}
        self._inherited[cls] = found
        info = self.index.classes.get(cls)
        if info is None:
            return found
        seen: set[tuple[Path, str]] = set()
        pending = [(self.index, base) for base in info.bases]
        while pending and len(seen) < 8:
            index, base = pending.pop(0)
            target = self.project.resolve_local(index, base)
            if target is None or target.kind != "class" or target.path == self.index.path:
                continue
            key = (target.path, target.qualname)
            if key in seen:
                continue
            seen.add(key)
            node = _class_node(self.project, target)
            if node is None:
                continue
            for attr, values in _self_assignments(node).items():
                found.setdefault(attr, []).extend(values)
            base_index = self.project.index(target.path)
            base_info = base_index.classes.get(target.qualname) if base_index else None
            if base_index is not None and base_info is not None:
                pending += [(base_index, b) for b in base_info.bases]
        return found


_CLASS_NODES: dict[tuple[Path, str, str], ast.ClassDef | None] = {}


def _class_node(project: Project, target: Target) -> ast.ClassDef | None:
    """The top-level ``class`` statement ``target`` names, parsed with ``ast``."""
    index = project.index(target.path)
    digest = index.digest if index is not None else ""
    key = (target.path, target.qualname, digest)
    if key not in _CLASS_NODES:
        text = project.source(target.path)
        node = None
        if text is not None:
            from gradlint.analyzer.python_ast import parse_python

            tree = parse_python(text)
            for stmt in tree.body if tree is not None else ():
                if isinstance(stmt, ast.ClassDef) and stmt.name == target.qualname:
                    node = stmt
        _CLASS_NODES[key] = node
    return _CLASS_NODES[key]


def _self_assignments(node: ast.ClassDef) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for item in node.body:
        if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for sub in ast.walk(item):
            if isinstance(sub, ast.Assign):
                targets, value = sub.targets, sub.value
            elif isinstance(sub, ast.AnnAssign) and sub.value is not None:
                targets, value = [sub.target], sub.value
            else:
                continue
            for t in targets:
                if (
                    isinstance(t, ast.Attribute)
                    and isinstance(t.value, ast.Name)
                    and t.value.id == "self"
                ):
                    found.setdefault(t.attr, []).append(value)
    return found


class ProjectModel:
    """The entry point: the projects of one process, found from the files analyzed.

    ``overrides`` (absolute path -> source) replaces files on disk, for editors whose buffers
    are not saved; ``backend`` persists summaries between runs. One model serves every file
    of a run (a worker keeps it across files), so each module is indexed and each function
    summarised once.
    """

    def __init__(
        self,
        overrides: dict[str, str] | None = None,
        backend: SummaryBackend | None = None,
    ) -> None:
        self.overrides = {Path(os.path.abspath(p)): t for p, t in (overrides or {}).items()}
        self.backend = backend
        self._stores: dict[Path, SummaryStore] = {}

    def store_for(self, path: str | Path) -> SummaryStore:
        from gradlint.analyzer.project import find_root

        root = find_root(Path(path))
        store = self._stores.get(root)
        if store is None:
            project = Project(root, self.overrides)
            store = self._stores[root] = SummaryStore(project, self.backend)
        return store

    def view(self, path: str | Path, text: str) -> ProjectModule | None:
        """The project as seen from the file at ``path`` whose analyzed text is ``text``."""
        return self.store_for(path).view(Path(path), text)

    def dependents(self, path: str | Path) -> list[Path]:
        """Project files that import the module at ``path`` (reverse imports)."""
        return self.store_for(path).project.dependents(Path(path))
