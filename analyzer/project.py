"""The project a file belongs to: its root, its modules and where its first-party imports lead.

A frozen training step often hides behind a door in another file: a helper imported from the
project's own ``utils`` that only logs the gradients, a base class whose ``_apply`` lost its
update, a loop in another module that drops the gradients a step returns. To see through
those doors the analyzer needs to know which imports are the project's own and where they
lead, without paying a LibCST parse for every module: this module reads files with CPython's
``ast`` only (defs, classes, imports), once per content, and LibCST is used later only for the
few functions that a gradient value actually flows into (:mod:`gradlint.analyzer.summaries`).

Sources can come from memory instead of the disk (``overrides``: unsaved editor buffers), and
every module read is recorded in :attr:`Project.consulted` so that a cached result can be
checked against the files it depended on.

Within one run (:func:`one_snapshot`) the tree is taken to stand still: its fingerprint and
the digests of the files results depend on are computed once, not once per file analyzed
or per cache entry checked.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

#: Files whose folder is a project's root (the first found walking up from a file).
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
#: Folders never searched for modules or callers (virtual environments, build output).
SKIPPED_FOLDERS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "build",
        "dist",
        "__pycache__",
        "node_modules",
        ".ipynb_checkpoints",
        ".gradlint_cache",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
    }
)
#: A project with more files than this is not searched for callers (they stay unknown).
MAX_PROJECT_FILES = 20_000
#: Files larger than this are not indexed (generated code; it stays unknown).
MAX_MODULE_BYTES = 2_000_000
#: How many bytes of a project's files one :class:`Project` keeps in memory for the caller
#: search (:meth:`Project.files_mentioning`); files past the budget are read again each time.
MAX_KEPT_BYTES = 64 * 2**20


def find_root(path: Path) -> Path:
    """The folder of the nearest ``pyproject.toml``/``setup.cfg``/``setup.py``/``.git`` above
    ``path``; without one, the folder above the top package holding ``path``."""
    start = Path(os.path.abspath(path)).parent
    # Asked for every file (twice): within one run each folder's answer is measured once.
    return _remembered("root", str(start), lambda: _find_root(start))


def _find_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    folder = start
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


@dataclass(frozen=True)
class ClassInfo:
    """A class as the project model needs it: its bases (as spelled) and its methods."""

    bases: tuple[str, ...]
    methods: frozenset[str]


@dataclass(frozen=True)
class ModuleIndex:
    """What ``ast`` tells about one module: where its names come from and what it defines."""

    path: Path
    #: The dotted module name relative to the project root ("" for a loose script).
    name: str
    is_package: bool
    digest: str
    #: local name -> absolute dotted target, for every top-level import (relative resolved).
    imports: Mapping[str, str]
    functions: frozenset[str]
    classes: Mapping[str, ClassInfo]

    @property
    def package(self) -> str:
        if self.is_package:
            return self.name
        return self.name.rpartition(".")[0]


@dataclass(frozen=True)
class Target:
    """What a dotted name resolves to inside the project."""

    kind: str  # "module", "function", "class", "method"
    path: Path
    #: "" for a module, "f" for a function or class, "C.m" for a method.
    qualname: str = ""


@dataclass
class Project:
    """One project's module index; ``overrides`` maps absolute paths to in-memory sources."""

    root: Path
    overrides: Mapping[Path, str] = field(default_factory=dict)
    #: absolute path -> content digest of every module this run read (dependencies).
    consulted: dict[Path, str] = field(default_factory=dict)
    _indexes: dict[Path, ModuleIndex | None] = field(default_factory=dict, repr=False)
    _files: list[Path] | None = field(default=None, repr=False)
    #: The bytes of files read by :meth:`files_mentioning` (None: too large or unreadable).
    _bytes: dict[Path, bytes | None] = field(default_factory=dict, repr=False)
    _kept_bytes: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(os.path.abspath(self.root))
        self.overrides = {Path(os.path.abspath(p)): text for p, text in self.overrides.items()}

    # ------------------------------------------------------------------ sources
    def source(self, path: Path) -> str | None:
        """The text of a ``.py`` module (an override if there is one), or None."""
        path = Path(os.path.abspath(path))
        if path in self.overrides:
            return self.overrides[path]
        try:
            if path.stat().st_size > MAX_MODULE_BYTES:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def module_name(self, path: Path) -> str:
        """The dotted name ``path`` is imported as from the root (or from ``src/``)."""
        path = Path(os.path.abspath(path))
        for base in (self.root / "src", self.root):
            try:
                relative = path.relative_to(base)
            except ValueError:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if all(part.isidentifier() for part in parts):
                return ".".join(parts)
        return ""

    def index(self, path: Path) -> ModuleIndex | None:
        """The ``ast`` index of a module (None when it cannot be read or parsed)."""
        path = Path(os.path.abspath(path))
        if path in self._indexes:
            result = self._indexes[path]
        else:
            text = self.source(path)
            result = None if text is None else self._build_index(path, text)
            self._indexes[path] = result
        self.consulted[path] = result.digest if result is not None else ""
        return result

    def index_text(self, path: Path, text: str) -> ModuleIndex | None:
        """The index of the module at ``path`` from ``text`` (the analyzed file itself, or a
        notebook's code cells), kept for later look-ups of that path."""
        path = Path(os.path.abspath(path))
        result = self._indexes[path] = self._build_index(path, text)
        return result

    def _build_index(self, path: Path, text: str) -> ModuleIndex | None:
        from gradlint.analyzer.python_ast import outline, parse_python

        digest = text_digest(text)
        # The analyzed file's statements are the slicer's (parsed, or stubs of the ones
        # it did not need to parse).
        body = outline(text)
        if body is None:
            tree = parse_python(text)
            if tree is None:
                return None
            body = tree.body
        is_package = path.name == "__init__.py"
        name = self.module_name(path)
        package = name if is_package else name.rpartition(".")[0]
        imports: dict[str, str] = {}
        functions: set[str] = set()
        classes: dict[str, ClassInfo] = {}
        for node in _top_level(body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        imports[head] = head
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module, node.level, package)
                if base is None:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    target = f"{base}.{alias.name}" if base else alias.name
                    imports[alias.asname or alias.name] = target
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.add(node.name)
                imports.pop(node.name, None)
            elif isinstance(node, ast.ClassDef):
                methods = frozenset(
                    item.name
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                )
                bases = tuple(b for b in (_dotted(base) for base in node.bases) if b)
                classes[node.name] = ClassInfo(bases, methods)
                imports.pop(node.name, None)
        return ModuleIndex(path, name, is_package, digest, imports, frozenset(functions), classes)

    # ------------------------------------------------------------------ resolution
    def module_path(self, name: str, near: Path | None = None) -> Path | None:
        """The file of first-party module ``name``: searched in the importing file's folder
        (a script's ``sys.path[0]``), in ``src/`` and in the root."""
        if not name:
            return None
        if self.overrides:  # an editor's unsaved files: asked anew each time
            return self._module_path(name, near)
        # The same names are asked for from every file of a folder: within one run
        # (:func:`one_snapshot`) each is looked up once.
        folder = os.path.dirname(os.path.abspath(near)) if near is not None else ""
        return _remembered(
            "module_path",
            f"{self.root}\0{folder}\0{name}",
            lambda: self._module_path(name, near),
        )

    def _module_path(self, name: str, near: Path | None) -> Path | None:
        # Strings, not ``Path`` objects: asked for every dotted name every analyzed file
        # calls through an import (a few hundred times in a large tree).
        parts = name.split(".")
        root = str(self.root)
        prefix = root.rstrip(os.sep) + os.sep
        bases = []
        if near is not None:
            bases.append(os.path.dirname(os.path.abspath(near)))
        bases += [os.path.join(root, "src"), root]
        for base in dict.fromkeys(bases):
            if base != root and not base.startswith(prefix):
                continue  # outside the project
            stem = os.path.join(base, *parts)
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                # Within one run each candidate is looked up on disk once, not once per call.
                if (self.overrides and Path(candidate) in self.overrides) or _remembered(
                    "is_file", candidate, functools.partial(os.path.isfile, candidate)
                ):
                    return Path(candidate)
        return None

    def resolve(self, dotted: str, near: Path | None = None, _seen: frozenset = frozenset()):
        """Where the absolute dotted name leads in the project, following re-exports
        (``from .core import f`` in an ``__init__``); None for third-party names."""
        if dotted in _seen or len(_seen) > 16:
            return None  # an import cycle
        seen = _seen | {dotted}
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            path = self.module_path(".".join(parts[:cut]), near)
            if path is None:
                continue
            rest = parts[cut:]
            if not rest:
                return Target("module", path)
            return self._member(path, rest, seen)
        return None

    def _member(self, path: Path, rest: list[str], seen: frozenset) -> Target | None:
        index = self.index(path)
        if index is None:
            return None
        head = rest[0]
        if head in index.functions:
            return Target("function", path, head) if len(rest) == 1 else None
        if head in index.classes:
            if len(rest) == 1:
                return Target("class", path, head)
            if len(rest) == 2:
                return self.method(path, head, rest[1])
            return None
        if head in index.imports:
            return self.resolve(".".join([index.imports[head], *rest[1:]]), path, seen)
        if index.is_package:
            sub = self.module_path(f"{index.name}.{head}" if index.name else head, path)
            if sub is not None:
                return (
                    Target("module", sub) if len(rest) == 1 else self._member(sub, rest[1:], seen)
                )
        return None

    def resolve_local(self, index: ModuleIndex, dotted: str) -> Target | None:
        """What ``dotted``, as spelled in the module of ``index``, names in the project."""
        head, _, rest = dotted.partition(".")
        if head in index.functions and not rest:
            return Target("function", index.path, head)
        if head in index.classes:
            if not rest:
                return Target("class", index.path, head)
            if "." not in rest:
                return self.method(index.path, head, rest)
            return None
        if head not in index.imports:
            return None
        qualified = index.imports[head] + (f".{rest}" if rest else "")
        return self.resolve(qualified, index.path)

    def method(self, path: Path, cls: str, name: str, depth: int = 0) -> Target | None:
        """``cls.name`` found in ``cls`` or, through its bases, in a class of any module."""
        index = self.index(path)
        if index is None or depth > 8:
            return None
        info = index.classes.get(cls)
        if info is None:
            return None
        if name in info.methods:
            return Target("method", path, f"{cls}.{name}")
        for base in info.bases:
            target = self.resolve_local(index, base)
            if target is not None and target.kind == "class":
                found = self.method(target.path, target.qualname, name, depth + 1)
                if found is not None:
                    return found
        return None

    # ------------------------------------------------------------------ the whole tree
    def files(self) -> list[Path]:
        """Every ``.py`` and ``.ipynb`` file of the project (skipping environments and build
        output), plus the overrides; empty when the project is too large to search."""
        if self._files is None:
            found = _remembered("files", str(self.root), lambda: _walk(self.root))
            extra = [p for p in self.overrides if p not in set(found) and _inside(p, self.root)]
            self._files = found + sorted(extra)
        return self._files

    def mentions(self, path: Path, word: str) -> bool:
        """Whether the file at ``path`` contains ``word`` anywhere (a cheap "could it call
        X?" test: a name in a string or a comment, or inside a longer name, counts too,
        which only makes it answer "maybe" more often)."""
        if path in self.overrides:
            return word in self.overrides[path]
        data = self._bytes[path] if path in self._bytes else self._read_bytes(path)
        return data is not None and word.encode() in data

    def files_mentioning(self, word: str) -> Iterator[Path]:
        """Project files whose bytes contain ``word`` (the cheap first filter for callers).

        Every file whose callers are searched asks this of the whole tree: the bytes are
        read once per project (within :data:`MAX_KEPT_BYTES`), as its indexes are."""
        needle = word.encode()
        for path in self.files():
            if path in self.overrides:
                if word in self.overrides[path]:
                    yield path
                continue
            data = self._bytes[path] if path in self._bytes else self._read_bytes(path)
            if data is not None and needle in data:
                yield path

    def _read_bytes(self, path: Path) -> bytes | None:
        try:
            data = None if path.stat().st_size > MAX_MODULE_BYTES else path.read_bytes()
        except OSError:
            return None
        if data is None or self._kept_bytes + len(data) <= MAX_KEPT_BYTES:
            self._bytes[path] = data
            self._kept_bytes += len(data or b"")
        return data

    def dependents(self, path: Path) -> list[Path]:
        """The project's ``.py`` files that import the module at ``path`` (directly, or one
        of its names): what to lint again when that module changes."""
        path = Path(os.path.abspath(path))
        name = self.module_name(path)
        if not name:
            name = path.stem
        last = name.rsplit(".", 1)[-1]
        result = []
        for other in self.files_mentioning(last):
            if other == path or other.suffix != ".py":
                continue
            index = self.index(other)
            if index is None:
                continue
            for target in index.imports.values():
                if target == name or target.startswith(name + "."):
                    result.append(other)
                    break
                resolved = self.resolve(target, other)
                if resolved is not None and resolved.path == path:
                    result.append(other)
                    break
        return result


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIPPED_FOLDERS and not d.endswith(".egg-info")
        )
        found += [Path(folder, n) for n in sorted(names) if n.endswith((".py", ".ipynb"))]
        if len(found) > MAX_PROJECT_FILES:
            return []
    return found


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


T = TypeVar("T")

#: What one run has already measured of the tree (None outside :func:`one_snapshot`).
_snapshot: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar(
    "gradlint_project_snapshot", default=None
)


@contextlib.contextmanager
def one_snapshot() -> Iterator[None]:
    """Within the block, :func:`tree_fingerprint`, :func:`current_digest` and the walk of
    :meth:`Project.files` measure each tree and file once: one run of the command line
    takes the tree as it stands.

    That never makes a cached result stale: a fingerprint or digest recorded for a result
    is one the tree had before the analysis read the files, so a file changed since then
    only makes the next run miss. Checking a cache entry within the block answers for the
    tree as it was when first measured in it. Outside the block (an editor's session, a
    later run) nothing is remembered. Processes forked within it keep what was measured
    before the fork. A block inside a block keeps the outer one's memory."""
    token = _snapshot.set({}) if _snapshot.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _snapshot.reset(token)


def begin_snapshot() -> None:
    """Start a snapshot that lasts as long as this process (a worker zygote started before
    the run's own :func:`one_snapshot`, which its workers then share)."""
    if _snapshot.get() is None:
        _snapshot.set({})


def _remembered(kind: str, name: str, measure: Callable[[], T]) -> T:
    memory = _snapshot.get()
    if memory is None:
        return measure()
    key = (kind, name)
    if key not in memory:
        memory[key] = measure()
    return memory[key]


def current_digest(path: str | Path) -> str:
    """The digest :class:`Project` records for the file at ``path`` now ("" when unreadable):
    a cached result that depended on it is stale when this changes."""

    def measure() -> str:
        text = Project(Path(path).parent).source(Path(path))
        return "" if text is None else text_digest(text)

    return _remembered("digest", os.path.abspath(path), measure)


TREE_DEPENDENCY = "<tree>"


def tree_fingerprint(root: Path) -> str:
    """Names, sizes and modification times of every file of the project: a result that
    searched the whole project for callers is stale when any file appears or changes."""

    def measure() -> str:
        digest = hashlib.sha256()
        for path in Project(root).files():
            try:
                st = path.stat()
            except OSError:
                continue
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    return _remembered("tree", os.path.abspath(root), measure)


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Top-level statements, looking into ``if``/``try`` (``try: import x except: ...``)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level(node.body)
            for handler in node.handlers:
                yield from _top_level(handler.body)
            yield from _top_level(node.orelse)
        else:
            yield node


def _absolute(module: str | None, level: int, package: str) -> str | None:
    """The absolute module of ``from <level dots><module> import ...`` in ``package``."""
    if level == 0:
        return module or None
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(path).relative_to(root)
    except ValueError:
        return False
    return True
