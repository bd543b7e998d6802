"""Write the PyTorch corpus manifest (benchmarks/torch_corpus.tsv) from repository checkouts.

The manifest pins what the PyTorch numbers were measured on: for every file of each checkout
that calls ``backward`` or steps an optimizer, its repository, commit, kind and how many
backward calls and optimizer steps it holds. The step count is the number of statements
``recall.py --framework torch`` mutates in it, so the manifest also says how many mutants each
file gives. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recall  # noqa: E402  (a sibling script, not a package)

COLUMNS = ("repo", "commit", "path", "kind", "backward", "step")
#: ``loss.backward()``, ``accelerator.backward(loss)``, ``torch.autograd.backward(...)``,
#: Lightning's ``self.manual_backward(loss)``.
_BACKWARD = {"backward", "manual_backward"}


def _is_test(relpath: str) -> bool:
    parts = Path(relpath).parts
    name = parts[-1]
    folders = {p.lower() for p in parts[:-1]}
    return bool(folders & {"test", "tests"}) or name.startswith("test_") or name == "conftest.py"


def _is_script(tree: ast.Module) -> bool:
    """Whether the module runs something when executed (``__main__`` guard or a top-level loop)."""
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and "__main__" in ast.unparse(stmt.test):
            return True
        if isinstance(stmt, ast.For | ast.While):
            return True
    return False


def count_file(path: Path, relpath: str) -> tuple[str, int, int] | None:
    """(kind, backward calls, step sites) of one file, or None when it has neither."""
    try:
        units, _, _ = recall._units(path, path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    backward = steps = 0
    script = False
    for unit in units:
        try:
            tree = ast.parse(unit.masked)
        except SyntaxError:
            continue
        backward += sum(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in _BACKWARD
            for node in ast.walk(tree)
        )
        steps += len(recall.find_sites(unit.masked, "torch"))
        script = script or _is_script(tree)
    if not backward and not steps:
        return None
    if path.suffix == ".ipynb":
        kind = "notebook"
    elif _is_test(relpath):
        kind = "test"
    else:
        kind = "script" if script else "module"
    return kind, backward, steps


def rows_of(name: str, commit: str, root: Path) -> list[dict[str, str]]:
    rows = []
    for relpath in recall.candidate_files(root, None, "all") + _backward_only(root):
        counted = count_file(root / relpath, relpath)
        if counted is not None:
            kind, backward, steps = counted
            rows.append(
                {
                    "repo": name,
                    "commit": commit,
                    "path": relpath,
                    "kind": kind,
                    "backward": str(backward),
                    "step": str(steps),
                }
            )
    return sorted(rows, key=lambda r: r["path"])


def _backward_only(root: Path) -> list[str]:
    """Files that call backward without a ``.step(`` (a helper's backward, a frozen loop)."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in recall._SKIP_DIRS)
        for n in names:
            if not n.endswith((".py", ".ipynb")):
                continue
            path = os.path.join(folder, n)
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "backward(" in text and ".step(" not in text:
                found.append(os.path.relpath(path, root))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the PyTorch corpus manifest.")
    parser.add_argument("checkouts", nargs="+", type=Path, help="repository checkouts")
    parser.add_argument(
        "--commit", action="append", default=[], help="commit of each checkout, in order"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="manifest to write")
    args = parser.parse_intermixed_args(argv)
    if len(args.commit) != len(args.checkouts):
        print("error: give one --commit per checkout", file=sys.stderr)
        return 2
    rows = []
    for checkout, commit in zip(args.checkouts, args.commit, strict=True):
        if not checkout.is_dir():
            print(f"error: {checkout}: not a folder", file=sys.stderr)
            return 2
        rows.extend(rows_of(checkout.resolve().name, commit, checkout.resolve()))
    tmp = args.output.with_name(args.output.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
