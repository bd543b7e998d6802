"""Recall harness: delete or comment out real weight updates and see whether gradlint notices.

Precision is measured on correct code; recall needs bugs, and real ones are rare. So this
harness makes them: for each real update statement of a repository checkout (TensorFlow's
``apply_gradients``; with ``--framework torch`` PyTorch's ``optimizer.step()``,
``optimizer.step(closure)`` and ``scaler.step(optimizer)``) it writes one mutant that removes
the statement and one that comments it out, lints that one file in place (from the
repository root, so that project-wide analysis can see its neighbours), and restores the
original byte for byte. A mutant is caught when it has more findings of its framework's
"never applied" rule (GL001, GL101) than the original file, or, commented out, of that rule
and its "commented-out update" rule together (GL001+GL002, GL101+GL102).

Left out, because deleting them is not a bug gradlint can be asked to find: statements inside
``test*`` functions; steps in a step wrapper (a function named ``step`` or ``optimizer_step``
that runs no backward: an optimizer's or a precision plugin's own step, which only delegates,
with no backward in reach); and for the removed kind a statement in one branch of an ``if``
whose other branch also applies (the other path still trains).

The checkouts are modified while the harness runs: use scratch copies outside the project.
Every file is restored in a ``finally`` (also on Ctrl-C and SIGTERM) and its hash is checked
at the end. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

KINDS = ("removed", "commented")
#: The frameworks whose updates can be mutated (``--framework``; "all" takes both).
FRAMEWORKS = ("tensorflow", "torch")
#: Per framework: the rule whose count rises when an update goes, and the commented-out rule.
RULES = {"tensorflow": ("GL001", "GL002"), "torch": ("GL101", "GL102")}
COUNTED = ("GL000", "GL001", "GL002", "GL101", "GL102")
_TF_UPDATE = "apply_gradients"
#: ``X.step()`` is an optimizer step when X is named like one (``opt``, ``optimizer_d``,
#: ``self.optimizers()``, ``adam``); environments and schedulers step too and are not.
_OPTIMIZER_NAME = re.compile(r"opt|adam|sgd|lbfgs|rmsprop|adagrad", re.IGNORECASE)
_NOT_OPTIMIZER = re.compile(r"sched|env|warmup", re.IGNORECASE)
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", ".gradlint_cache"}
#: IPython lines that are not Python; masked (same line count) before ``ast`` reads a cell.
_MAGIC = re.compile(r"^\s*[%!?]")


@dataclass(frozen=True)
class Site:
    """One update statement that a mutant removes or comments out."""

    start: int  # 1-based first line, in the file or in the cell's source
    end: int  # 1-based last line
    only_child: bool  # the statement is alone in its block: the mutant needs a ``pass``
    per_branch: bool  # another branch of an enclosing ``if`` also applies
    function: str  # enclosing function (dotted with classes), or "" at module level
    text: str  # the statement's first line, stripped, for reports
    framework: str = "tensorflow"  # whose update it is: picks the rules that must notice


@dataclass
class Row:
    """One mutant's result: the unit of ``--json`` output."""

    repo: str
    file: str
    line: str  # "12", or "cell3:L5" in a notebook (cells counted from 0 over all cells)
    kind: str
    caught: bool
    framework: str
    function: str
    statement: str
    original: dict[str, int] = field(default_factory=dict)
    mutant: dict[str, int] = field(default_factory=dict)
    error: str = ""


class HarnessError(Exception):
    """A problem with the input that ends the run with a one-line message."""


# --- finding the statements ------------------------------------------------------------


def update_framework(node: ast.AST) -> str | None:
    """Whose weight update the call ``node`` is ("tensorflow", "torch"), if it is one."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    if node.func.attr == _TF_UPDATE:
        return "tensorflow"
    if node.func.attr != "step":
        return None
    receiver = ast.unparse(node.func.value)
    if "scaler" in receiver.lower():  # ``scaler.step(optimizer)``: AMP's step
        return "torch" if node.args else None
    if _NOT_OPTIMIZER.search(receiver) or not _OPTIMIZER_NAME.search(receiver):
        return None
    # ``optimizer.step()`` or ``optimizer.step(closure)``; more arguments are not torch's.
    return "torch" if len(node.args) + len(node.keywords) <= 1 else None


def _contains_update(nodes: Iterable[ast.AST], frameworks: frozenset[str]) -> bool:
    return any(update_framework(sub) in frameworks for node in nodes for sub in ast.walk(node))


def _own_calls(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a simple statement, without those of nested lambdas."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.Lambda))


_SIMPLE = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return)
#: The names of functions that are themselves a step: an optimizer's ``step``, a
#: precision plugin's or strategy's ``optimizer_step``.
_STEP_WRAPPER = re.compile(r"^(step|_?optimizer_step)$")


def _step_wrapper(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function that is itself a step and runs no backward (``DPOptimizer.step``,
    Lightning's ``Precision.optimizer_step``): it only delegates the step to the optimizer
    it wraps. Deleting that breaks the wrapper's contract with whoever calls it, but no
    backward is in reach of the function for GL101 to ask about (its callers, which
    backpropagate, live in other projects or call it through a framework's loop)."""
    if not _STEP_WRAPPER.match(function.name):
        return False
    return not any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("backward", "manual_backward")
        or isinstance(node, ast.Attribute)
        and node.attr == "backward"
        for node in ast.walk(function)
    )


def _frameworks(framework: str) -> frozenset[str]:
    return frozenset(FRAMEWORKS if framework == "all" else (framework,))


def find_sites(source: str, framework: str = "tensorflow") -> list[Site]:
    """Update statements of ``source`` outside ``test*`` functions (raises SyntaxError).

    ``framework`` is "tensorflow", "torch" or "all": whose updates are sites.
    """
    wanted = _frameworks(framework)
    tree = ast.parse(source)
    lines = source.splitlines()
    sites: list[Site] = []

    def visit(
        body: list[ast.stmt],
        scope: list[str],
        branches: list[list[ast.stmt]],
        wrapper: bool = False,
    ) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                if not stmt.name.startswith("test"):
                    visit(stmt.body, [*scope, stmt.name], [], _step_wrapper(stmt))
                continue
            if isinstance(stmt, ast.ClassDef):
                visit(stmt.body, [*scope, stmt.name], [])
                continue
            if isinstance(stmt, ast.If):
                visit(stmt.body, scope, [*branches, stmt.orelse], wrapper)
                visit(stmt.orelse, scope, [*branches, stmt.body], wrapper)
                continue
            if isinstance(stmt, _SIMPLE):
                found = [update_framework(n) for n in _own_calls(stmt)]
                owner = next((f for f in found if f in wanted), None)
                if owner is not None and not (wrapper and owner == "torch"):
                    first = lines[stmt.lineno - 1]
                    if first[: stmt.col_offset].strip():
                        continue  # shares its line with another statement (``a; b``)
                    end = stmt.end_lineno or stmt.lineno
                    if lines[end - 1][stmt.end_col_offset :].strip().startswith(";"):
                        continue
                    sites.append(
                        Site(
                            start=stmt.lineno,
                            end=end,
                            only_child=len(body) == 1,
                            # Only the same framework's update keeps the other path training.
                            per_branch=any(
                                _contains_update(b, frozenset((owner,))) for b in branches
                            ),
                            function=".".join(scope),
                            text=first.strip(),
                            framework=owner,
                        )
                    )
                continue
            for name in ("body", "orelse", "finalbody"):
                visit(getattr(stmt, name, None) or [], scope, branches, wrapper)
            for child in [*getattr(stmt, "handlers", []), *getattr(stmt, "cases", [])]:
                visit(child.body, scope, branches, wrapper)  # except handlers, match cases

    visit(tree.body, [], [])
    return sites


# --- writing the mutants ----------------------------------------------------------------


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def mutate(source: str, site: Site, kind: str) -> str:
    """``source`` with the statement at ``site`` removed or commented out."""
    lines = source.splitlines(keepends=True)
    stmt = lines[site.start - 1 : site.end]
    indent = _indent(stmt[0])
    newline = "\r\n" if stmt[0].endswith("\r\n") else "\n"
    if kind == "removed":
        new = [f"{indent}pass{newline}"] if site.only_child else []
    else:
        # What an editor's "toggle comment" writes: ``# `` at the smallest indentation.
        width = min(len(_indent(line)) for line in stmt if line.strip())
        new = [line[:width] + "# " + line[width:] if line.strip() else line for line in stmt]
        if not new[-1].endswith(("\n", "\r")):
            new[-1] += newline
        if site.only_child:
            new.append(f"{indent}pass{newline}")
    result = "".join(lines[: site.start - 1] + new + lines[site.end :])
    if not source.endswith(("\n", "\r")) and result.endswith("\n") and site.end == len(lines):
        result = result.rstrip("\r\n")
    return result


def _masked(cell: str) -> str:
    """A cell's source with IPython magics and shell lines blanked, line numbers kept."""
    lines = cell.splitlines(keepends=True)
    if lines and lines[0].lstrip().startswith("%%"):
        return ""  # a cell magic: its body may not be Python
    return "".join("#\n" if _MAGIC.match(line) else line for line in lines)


# --- notebooks ------------------------------------------------------------------------


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _json_style(raw: str, notebook: dict) -> dict | None:
    """The ``json.dumps`` options that reproduce ``raw`` exactly, if any do."""
    for indent in (1, 2, 4, None):
        for sort_keys in (True, False):
            for ensure_ascii in (False, True):
                style = {"indent": indent, "sort_keys": sort_keys, "ensure_ascii": ensure_ascii}
                text = json.dumps(notebook, **style)
                for tail in ("\n", ""):
                    if text + tail == raw:
                        return {**style, "tail": tail}
    return None


@dataclass
class Unit:
    """A piece of Python the harness mutates: a whole ``.py`` file, or one notebook cell."""

    label: str  # "" for a file, "cell3" for a notebook cell
    index: int | None
    source: str
    masked: str  # what ``ast`` reads (magics blanked)


def _units(path: Path, raw: bytes) -> tuple[list[Unit], dict | None, dict | None]:
    if path.suffix != ".ipynb":
        text = raw.decode("utf-8")
        return [Unit("", None, text, text)], None, None
    text = raw.decode("utf-8")
    notebook = json.loads(text)
    style = _json_style(text, notebook)
    units = [
        Unit(f"cell{k}", k, _cell_source(cell), _masked(_cell_source(cell)))
        for k, cell in enumerate(notebook.get("cells", []))
        if cell.get("cell_type") == "code"
    ]
    return units, notebook, style


def _write_unit(path: Path, notebook: dict | None, style: dict | None, unit: Unit, new: str):
    if notebook is None:
        return new.encode("utf-8")
    cells = json.loads(json.dumps(notebook))["cells"]
    cells[unit.index]["source"] = (
        new.splitlines(keepends=True)
        if isinstance(notebook["cells"][unit.index].get("source"), list)
        else new
    )
    style = style or {"indent": 1, "sort_keys": True, "ensure_ascii": False, "tail": "\n"}
    tail = style["tail"]
    options = {k: v for k, v in style.items() if k != "tail"}
    return (json.dumps({**notebook, "cells": cells}, **options) + tail).encode("utf-8")


# --- linting --------------------------------------------------------------------------


def lint(gradlint: list[str], root: Path, relpath: str) -> dict[str, int]:
    """Counts of the ``COUNTED`` codes for one file, linted from the repository root."""
    command = [*gradlint, "--format", "json", "--no-cache", "--isolated", relpath]
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"gradlint exited {proc.returncode}: {tail}")
    counts = dict.fromkeys(COUNTED, 0)
    for finding in json.loads(proc.stdout or "[]"):
        if finding["code"] in counts:
            counts[finding["code"]] += 1
    return counts


def score(counts: dict[str, int], kind: str, framework: str) -> int:
    """What a mutant of ``framework``'s update must raise to count as caught."""
    missing, commented = RULES[framework]
    return counts.get(missing, 0) + (counts.get(commented, 0) if kind == "commented" else 0)


# --- one file, restored whatever happens ----------------------------------------------


class Originals:
    """Every file the harness has touched, with its bytes, mode times and hash."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[Path, tuple[bytes, os.stat_result, str]] = {}

    def remember(self, path: Path) -> bytes:
        raw = path.read_bytes()
        with self._lock:
            self._files[path] = (raw, path.stat(), hashlib.sha256(raw).hexdigest())
        return raw

    def restore(self, path: Path) -> None:
        raw, stat, _ = self._files[path]
        path.write_bytes(raw)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    def verify_all(self) -> list[Path]:
        """Restore and report any file whose content differs from the original."""
        bad = []
        with self._lock:
            items = list(self._files.items())
        for path, (_, _, digest) in items:
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                self.restore(path)
                bad.append(path)
        return bad


def run_file(
    repo: str,
    root: Path,
    relpath: str,
    gradlint: list[str],
    originals: Originals,
    stop: threading.Event,
    framework: str = "tensorflow",
) -> list[Row]:
    """All mutants of one file, one after another (they share the file)."""
    path = root / relpath
    raw = originals.remember(path)
    try:
        units, notebook, style = _units(path, raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Row(repo, relpath, "", "", False, "", "", "", error=f"unreadable: {exc}")]
    plan: list[tuple[Unit, Site]] = []
    for unit in units:
        try:
            plan.extend((unit, site) for site in find_sites(unit.masked, framework))
        except SyntaxError:
            continue  # a cell or file Python cannot parse holds no site we can mutate
    if not plan:
        return []
    rows: list[Row] = []
    try:
        original = lint(gradlint, root, relpath)
        for unit, site in plan:
            for kind in KINDS:
                if stop.is_set():
                    return rows
                if kind == "removed" and site.per_branch:
                    continue
                line = f"{unit.label}:L{site.start}" if unit.label else str(site.start)
                row = Row(
                    repo, relpath, line, kind, False, site.framework, site.function, site.text
                )
                row.original = original
                new = mutate(unit.source, site, kind)
                try:
                    ast.parse(mutate(unit.masked, site, kind))
                except SyntaxError as exc:
                    row.error = f"mutant does not parse: {exc.msg}"
                    rows.append(row)
                    continue
                path.write_bytes(_write_unit(path, notebook, style, unit, new))
                try:
                    row.mutant = lint(gradlint, root, relpath)
                except RuntimeError as exc:
                    row.error = str(exc)
                finally:
                    originals.restore(path)
                before = score(original, kind, site.framework)
                row.caught = not row.error and score(row.mutant, kind, site.framework) > before
                rows.append(row)
    except RuntimeError as exc:
        rows.append(Row(repo, relpath, "", "", False, "", "", "", error=str(exc)))
    finally:
        originals.restore(path)
    return rows


# --- which files ----------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, list[str]]:
    """Repository name -> listed paths, from a MANIFEST.tsv (``repo``, ``path`` columns)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            if not reader.fieldnames or not {"repo", "path"} <= set(reader.fieldnames):
                raise HarnessError(f"{path}: not a manifest (needs 'repo' and 'path' columns)")
            files: dict[str, list[str]] = {}
            for row in reader:
                files.setdefault(row["repo"], []).append(row["path"])
            return files
    except OSError as exc:
        raise HarnessError(f"{path}: {exc.strerror}") from None


def candidate_files(root: Path, listed: list[str] | None, framework: str) -> list[str]:
    """Files of ``root`` that mention an update (the manifest's, if given), sorted."""
    wanted = _frameworks(framework)
    words = [w for f, w in (("tensorflow", _TF_UPDATE), ("torch", ".step(")) if f in wanted]
    if listed is None:
        found = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            found.extend(
                os.path.relpath(os.path.join(folder, n), root)
                for n in names
                if n.endswith((".py", ".ipynb"))
            )
    else:
        found = [p for p in listed if (root / p).is_file()]
        for missing in sorted(set(listed) - set(found)):
            print(
                f"warning: {root.name}/{missing}: in the manifest, not in the checkout",
                file=sys.stderr,
            )
    keep = []
    for relpath in sorted(found):
        try:
            text = (root / relpath).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if any(w in text for w in words):
            keep.append(relpath)
    return keep


# --- reports --------------------------------------------------------------------------


def summary(rows: list[Row]) -> str:
    repos = sorted({r.repo for r in rows if r.kind})
    out = [f"{'repository':<26} {'removed':>16} {'commented':>16} {'errors':>7}"]

    def cell(sel: list[Row]) -> str:
        caught = sum(r.caught for r in sel)
        pct = f"{100 * caught / len(sel):.0f}%" if sel else "-"
        return f"{caught}/{len(sel)} {pct:>4}"

    for name in [*repos, "all"]:
        sel = [r for r in rows if r.kind and (name == "all" or r.repo == name)]
        good = [r for r in sel if not r.error]
        out.append(
            f"{name:<26} {cell([r for r in good if r.kind == 'removed']):>16} "
            f"{cell([r for r in good if r.kind == 'commented']):>16} "
            f"{len(sel) - len(good):>7}"
        )
    return "\n".join(out)


def misses(rows: list[Row]) -> str:
    lines = []
    for r in rows:
        if r.kind and not r.caught:
            where = f"{r.repo}/{r.file}:{r.line}"
            note = f"  [{r.error}]" if r.error else ""
            lines.append(f"{where} {r.kind} in {r.function or '<module>'}: {r.statement}{note}")
    return "\n".join(lines)


# --- command line ---------------------------------------------------------------------


def _gradlint_command(value: str | None) -> list[str]:
    if value:
        return value.split()
    exe = shutil.which("gradlint", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "gradlint"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Mutate real weight updates in repository checkouts and measure recall."
    )
    parser.add_argument("checkouts", nargs="+", type=Path, help="repository checkouts")
    parser.add_argument("--manifest", type=Path, help="MANIFEST.tsv: lint only its files")
    parser.add_argument(
        "--repo-name",
        action="append",
        default=[],
        help="manifest name of each checkout, in order (default: the folder's name)",
    )
    parser.add_argument(
        "--framework",
        choices=[*FRAMEWORKS, "all"],
        default="tensorflow",
        help="whose updates to mutate: apply_gradients (tensorflow, the default), "
        "optimizer.step() / scaler.step(opt) (torch), or both (all)",
    )
    parser.add_argument("--json", metavar="FILE", help="one row per mutant ('-' for stdout)")
    parser.add_argument("--list-misses", action="store_true", help="print every missed mutant")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="files linted in parallel")
    parser.add_argument("--gradlint", help="gradlint command (default: the installed one)")
    args = parser.parse_args(argv)

    try:
        manifest = read_manifest(args.manifest) if args.manifest else None
        work: list[tuple[str, Path, str]] = []
        for k, checkout in enumerate(args.checkouts):
            if not checkout.is_dir():
                raise HarnessError(f"{checkout}: not a folder")
            name = args.repo_name[k] if k < len(args.repo_name) else checkout.resolve().name
            listed = None
            if manifest is not None:
                if name not in manifest:
                    raise HarnessError(f"{checkout}: '{name}' is not a repository of the manifest")
                listed = manifest[name]
            root = checkout.resolve()
            work.extend((name, root, f) for f in candidate_files(root, listed, args.framework))
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    gradlint = _gradlint_command(args.gradlint)
    originals = Originals()
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    rows: list[Row] = []
    interrupted = False
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [
                pool.submit(run_file, n, r, f, gradlint, originals, stop, args.framework)
                for n, r, f in work
            ]
            try:
                for future in futures:
                    rows.extend(future.result())
            except KeyboardInterrupt:
                interrupted = True
                stop.set()
                for future in futures:
                    future.cancel()
    finally:
        signal.signal(signal.SIGTERM, previous)
        damaged = originals.verify_all()
    for path in damaged:
        print(f"warning: {path} differed from its original and was restored", file=sys.stderr)
    if interrupted:
        print("interrupted: every file restored", file=sys.stderr)
        return 130

    if args.json:
        text = json.dumps([asdict(r) for r in rows], indent=1) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text, encoding="utf-8")
    if args.json != "-":
        print(summary(rows))
        if args.list_misses:
            listing = misses(rows)
            if listing:
                print("\nmissed:\n" + listing)
    for r in rows:
        if r.error and not r.kind:
            print(f"error: {r.repo}/{r.file}: {r.error}", file=sys.stderr)
    return 1 if damaged else 0


if __name__ == "__main__":
    sys.exit(main())
