"""What the confirmer runs and where it looks: the script (a ``.py`` file or a notebook), and
its sites as lines of the text the child executes.

For a notebook that text is the code cells joined in order, with IPython syntax neutralized
line for line (:func:`gradlint.analyzer.notebooks.load_notebook`), so a site is a line of the
joined text here and ``cell N:line`` for the user.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from gradlint.runtime_check.runner import ConfirmError

#: Rules whose findings claim that weights stay frozen; their lines are the default sites.
FROZEN_CODES = ("GL001", "GL003", "GL007")
#: The same for PyTorch: gradients never stepped, the step commented out, the forward pass
#: under ``no_grad``, the loss path cut. Their site is a backward call (see ``_backward_for``).
TORCH_FROZEN_CODES = ("GL101", "GL102", "GL103", "GL104")
#: Findings that sit after their backward call (the commented-out step): the site is the
#: backward before them; the others sit on it or before it.
_AFTER_BACKWARD = ("GL102",)


def frozen_codes(framework: str) -> tuple[str, ...]:
    return TORCH_FROZEN_CODES if framework == "torch" else FROZEN_CODES


@dataclass
class Target:
    display: str  # the path as the user gave it
    path: Path  # absolute
    notebook: bool = False
    unit: object | None = None  # the notebook's SourceUnit

    def locate(self, line: int) -> tuple[int | None, int]:
        """``(cell, line in cell)`` for a line of the executed text (cell None for .py)."""
        if self.unit is None:
            return None, line
        cell, in_cell, _ = self.unit.locate(line)
        return cell, in_cell

    def text_line(self, cell: int | None, line: int) -> int | None:
        """The line of the executed text for ``line`` of ``cell`` (None: no such cell)."""
        if self.unit is None or cell is None:
            return line
        for span in self.unit.cells:
            if span.cell == cell and 1 <= line <= max(span.line_count, 1):
                return span.first_line + line - 1
        return None

    def label(self, line: int) -> str:
        cell, in_cell = self.locate(line)
        return (
            f"{self.display}:cell {cell}:{in_cell}"
            if cell is not None
            else f"{self.display}:{in_cell}"
        )


@dataclass
class SiteRequest:
    line: int  # line of the executed text
    codes: list[str] = field(default_factory=list)


def load_target(script: str) -> Target:
    """Check that SCRIPT exists and is Python; raises :class:`ConfirmError` naming it."""
    path = Path(script)
    if not path.exists():
        raise ConfirmError(f"{script}: no such file")
    if path.is_dir():
        raise ConfirmError(f"{script}: is a directory, not a script")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfirmError(f"{script}: cannot read: {exc.strerror or exc}") from exc
    absolute = path.resolve()
    if path.suffix == ".ipynb":
        from gradlint.analyzer.notebooks import load_notebook
        from gradlint.analyzer.sources import SourceError

        unit = load_notebook(raw, str(absolute))
        if isinstance(unit, SourceError):
            raise ConfirmError(f"{script}: not a readable notebook: {unit.message}")
        if not unit.text.strip():
            raise ConfirmError(f"{script}: not a Python notebook (no Python code cells)")
        _check_python(unit.text, script, unit)
        return Target(script, absolute, notebook=True, unit=unit)
    if b"\x00" in raw:
        raise ConfirmError(f"{script}: not a Python file (it contains NUL bytes)")
    _check_python(raw, script, None)
    return Target(script, absolute)


def _check_python(source: str | bytes, script: str, unit) -> None:
    try:
        compile(source, script, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        where = ""
        if exc.lineno:
            where = f"line {exc.lineno}"
            if unit is not None:
                cell, in_cell, _ = unit.locate(exc.lineno)
                if cell is not None:
                    where = f"cell {cell}:{in_cell}"
            where = f" ({where})"
        raise ConfirmError(f"{script}: not valid Python{where}: {exc.msg}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfirmError(f"{script}: not a Python file: {exc}") from exc


def default_sites(target: Target, framework: str = "tensorflow") -> list[SiteRequest]:
    """The lines flagged by ``framework``'s frozen-weights rules, with their codes."""
    from gradlint import api
    from gradlint.settings import Settings

    settings = Settings(use_cache=False, jobs=1)  # never write a cache into the user's tree
    findings = api.lint_paths([str(target.path)], settings).findings
    return sites_from_findings(target, findings, framework)


def sites_from_findings(
    target: Target, findings, framework: str = "tensorflow"
) -> list[SiteRequest]:
    """The sites to observe for ``findings``: TensorFlow findings sit on their
    ``tape.gradient`` call; a PyTorch finding's site is the backward call it is about."""
    codes = frozen_codes(framework)
    calls = _scoped_site_calls(target, framework) if framework == "torch" else []
    by_line: dict[int, SiteRequest] = {}
    for finding in findings:
        if finding.code not in codes:
            continue
        line = target.text_line(finding.cell, finding.line)
        if line is not None and framework == "torch":
            line = _backward_for(calls, line, finding.code in _AFTER_BACKWARD)
        if line is None:
            continue
        site = by_line.setdefault(line, SiteRequest(line))
        if finding.code not in site.codes:
            site.codes.append(finding.code)
    return [by_line[line] for line in sorted(by_line)]


@dataclass(frozen=True)
class _Call:
    start: int
    end: int
    scope: tuple[int, int]  # the innermost enclosing function's lines, (0, 0) for the module


def _scoped_site_calls(target: Target, framework: str) -> list[_Call]:
    """Every site call of ``framework`` with the function it is in."""
    methods = SITE_CALLS[framework][0]
    calls: list[_Call] = []

    def visit(node: ast.AST, scope: tuple[int, int]) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = (child.lineno, child.end_lineno or child.lineno)
            elif (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in methods
            ):
                calls.append(_Call(child.lineno, child.end_lineno or child.lineno, scope))
            visit(child, inner)

    visit(_tree(target), (0, 0))
    return sorted(calls, key=lambda c: c.start)


def _backward_for(calls: list[_Call], line: int, after: bool) -> int | None:
    """The first line of the backward call a finding at ``line`` is about.

    The call on that line; else, in the innermost function around the line (or among all
    calls, when none is), the nearest call before it for a finding that follows its backward
    (``after``), the nearest after it for one that precedes it (a forward pass under
    ``no_grad``, a cut), then the other way round. A comment below a function's last
    statement is outside the function's lines, so a scope without calls falls back to all.
    """
    for call in calls:
        if call.start <= line <= call.end:
            return call.start
    scopes = [c.scope for c in calls if c.scope[0] <= line <= c.scope[1]]
    innermost = max(scopes, default=None, key=lambda s: s[0])
    pool = [c for c in calls if c.scope == innermost] if innermost else calls
    before = [c.start for c in pool if c.end < line]
    following = [c.start for c in pool if c.start > line]
    nearest_before = before[-1] if before else None
    nearest_after = following[0] if following else None
    first, second = (nearest_before, nearest_after) if after else (nearest_after, nearest_before)
    return first if first is not None else second


def detect_framework(target: Target) -> str:
    """``torch`` for a script that imports torch and not TensorFlow; else ``tensorflow``.

    Only imports count (anywhere in the file, functions included): a script that imports both
    frameworks is taken for TensorFlow, the confirmer's first framework, and ``--framework
    torch`` says otherwise."""
    imported = {_root_module(node) for node in ast.walk(_tree(target)) if _is_import(node)}
    names = {name for group in imported for name in group}
    return "torch" if "torch" in names and "tensorflow" not in names else "tensorflow"


def _is_import(node: ast.AST) -> bool:
    return isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level)


def _root_module(node) -> tuple[str, ...]:
    if isinstance(node, ast.Import):
        return tuple(alias.name.partition(".")[0] for alias in node.names)
    return ((node.module or "").partition(".")[0],)


def _tree(target: Target) -> ast.Module:
    source: str | bytes = target.unit.text if target.unit is not None else target.path.read_bytes()
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return ast.Module(body=[], type_ignores=[])


#: What a site is, per framework: the method name of the call, and how users call it.
SITE_CALLS = {
    "tensorflow": (("gradient",), "tape.gradient"),
    "torch": (("backward", "manual_backward"), ".backward()"),
}


def parse_site(target: Target, value: str, framework: str = "tensorflow") -> int:
    """``--site LINE`` (or ``CELL:LINE`` for a notebook) as a line of the executed text."""
    text = value.strip()
    cell: int | None = None
    if ":" in text:
        if not target.notebook:
            raise ConfirmError(f"--site {value}: CELL:LINE is only for notebooks; give a line")
        cell_text, _, text = text.partition(":")
        if not cell_text.strip().isdigit():
            raise ConfirmError(f"--site {value}: expected CELL:LINE with numbers")
        cell = int(cell_text)
    if not text.isdigit() or int(text) < 1:
        raise ConfirmError(f"--site {value}: expected a line number")
    if target.notebook and cell is None:
        raise ConfirmError(f"--site {value}: in a notebook, give CELL:LINE (e.g. 3:12)")
    line = target.text_line(cell, int(text))
    if line is None:
        raise ConfirmError(
            f"--site {value}: {target.display} has no code cell {cell} with a line {text}"
        )
    spans = site_calls(target, framework)
    if not any(start <= line <= end for start, end in spans):
        where = ", ".join(_site_name(target, start) for start, _ in spans[:10])
        known = f"; its calls are at {where}" if spans else "; it has none"
        raise ConfirmError(
            f"--site {value}: {target.display} has no {SITE_CALLS[framework][1]} call at "
            f"{'cell:line' if target.notebook else 'line'} {value.strip()}{known}"
        )
    return line


def _site_name(target: Target, line: int) -> str:
    cell, in_cell = target.locate(line)
    return str(in_cell) if cell is None else f"{cell}:{in_cell}"


def gradient_calls(target: Target) -> list[tuple[int, int]]:
    """First and last line of every ``something.gradient(...)`` call in the executed text:
    a site is one of them, so ``--site`` naming another line is a usage error."""
    return site_calls(target, "tensorflow")


def site_calls(target: Target, framework: str) -> list[tuple[int, int]]:
    """First and last line of every site call of ``framework`` in the executed text (for
    PyTorch: ``X.backward(...)``, which covers ``loss.backward()``,
    ``scaler.scale(loss).backward()``, ``accelerator.backward(loss)`` and
    ``torch.autograd.backward(...)``, and Lightning's ``self.manual_backward(loss)``)."""
    methods = SITE_CALLS[framework][0]
    return sorted(
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(_tree(target))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in methods
    )


def is_runnable(path: str) -> bool:
    """Whether running the file would do something: a notebook, or a script with a
    ``__main__`` guard or top-level statements beyond definitions (a library module is not)."""
    if path.endswith(".ipynb"):
        return True
    if not path.endswith(".py"):
        return False
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return False
    quiet = (
        ast.Import,
        ast.ImportFrom,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.Pass,
    )
    for node in tree.body:
        if isinstance(node, quiet):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        return True
    return False
