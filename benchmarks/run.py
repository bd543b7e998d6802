"""Benchmark harness: gradlint against ruff, a LibCST parse-only pass, semgrep and Fixit.

Measures wall time and peak memory (the largest resident set of any process of the run) of
each tool, side by side in one run, on three scenarios:

1. ``tree``: the ``tensorflow`` and ``keras`` packages as installed (``pip install
   gradlint-ml[tensorflow]``), found without importing them;
2. ``generated``: a synthetic tree of 5,000 files (about 1M lines), 2% of them training code;
3. ``single``: one changed file, as pre-commit passes it (without a tape, and the frozen
   example), next to ``python -c pass``;
4. ``frameworks``: two generated trees of the same shape (same filler, same seed), one whose
   training files are TensorFlow loops and one whose are PyTorch loops, linted cold one after
   the other: the cost per file of PyTorch code next to TensorFlow code's;
5. ``project``: a generated tree that is one project whose training steps call the project's
   own helpers and return their gradients to loops in other modules (``generate.py
   --project``), linted cold with the project model and with ``--no-project``, next to ruff;
6. ``precommit``: one changed training file of that project, as pre-commit passes it, with
   the summaries of the helpers it imports in the cache (from an earlier run over the tree)
   and without; and a changed file without a tape; next to ``python -c pass``.

Then prints the ratios the speed issue sets as targets. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: Runs a command, then reports its wall time and the peak RSS of its processes.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "peak_kb": peak, "rc": proc.returncode,
                  "stdout": proc.stdout.decode("utf-8", "replace")[-2_000_000:],
                  "stderr": proc.stderr.decode("utf-8", "replace")[-2000:]}))
"""


@dataclass
class Result:
    scenario: str
    tool: str
    walls: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    findings: int | None = None
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(cwd), *command],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(proc.stdout)


def ensure_bytecode() -> list[str]:
    """Byte-compile gradlint's own modules where they have no up-to-date ``.pyc``.

    ``pip install`` compiles a wheel's modules, but an editable checkout only gets them from a
    first import, which ``PYTHONDONTWRITEBYTECODE`` (set on some machines) prevents: every
    run would then compile gradlint from source, which no installed copy does."""
    import compileall

    done = []
    for name in ("gradlint", "gradlint.analyzer", "gradlint.rules", "gradlint.runtime_check"):
        folder = package_dir(name)
        if folder is not None and compileall.compile_dir(folder, maxlevels=0, quiet=1):
            done.append(name)
    return done


def package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.results: list[Result] = []
        self.gradlint = [sys.executable, "-m", "gradlint"]

    def run(
        self,
        scenario: str,
        tool: str,
        command: list[str],
        *,
        repeat: int | None = None,
        before=None,
        count=None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Result:
        result = Result(scenario, tool)
        for _ in range(repeat or self.args.repeat):
            if before is not None:
                before()
            data = measure(command, cwd or self.work, env)
            result.walls.append(data["wall"])
            result.peak_mb = max(result.peak_mb, data["peak_kb"] / 1024)
            if count is not None:
                try:
                    result.findings = count(data["stdout"])
                except ValueError:
                    result.note = f"could not read output (exit {data['rc']})"
            if data["rc"] not in (0, 1):
                result.note = f"exit {data['rc']}: {data['stderr'].strip()[-200:]}"
        self.results.append(result)
        print(
            f"  {scenario:<10} {tool:<22} {result.wall:8.3f} s  {result.peak_mb:7.1f} MB"
            + (f"  findings={result.findings}" if result.findings is not None else "")
            + (f"  ({result.note})" if result.note else ""),
            flush=True,
        )
        return result

    def clear_cache(self, folder: Path | None = None) -> None:
        shutil.rmtree((folder or self.work) / ".gradlint_cache", ignore_errors=True)

    def ruff(self, scenario: str, paths: list[str], cwd: Path | None = None, **kwargs) -> None:
        if self.args.ruff:
            command = [self.args.ruff, "check", "--no-cache", "--select", "E9", "--quiet"]
            self.run(scenario, "ruff E9", [*command, "--exit-zero", *paths], cwd=cwd, **kwargs)

    def project(self, root: Path) -> None:
        """The project model's cost on a whole tree: cold with it and without it."""
        args = self.args
        jobs = ["-j", str(args.jobs)] if args.jobs else []
        gl = [*self.gradlint, "--format", "json", *jobs, "."]
        clear = lambda: self.clear_cache(root)  # noqa: E731
        self.run("project", "gradlint cold", gl, before=clear, count=_json_len, cwd=root)
        self.run("project", "gradlint warm", gl, count=_json_len, cwd=root)
        self.run(
            "project",
            "gradlint cold no project",
            [*gl, "--no-project"],
            before=clear,
            count=_json_len,
            cwd=root,
        )
        if args.baseline:
            base = [args.baseline, "-m", "gradlint", "--format", "json", *jobs, "."]
            self.run("project", "baseline cold", base, before=clear, count=_json_len, cwd=root)
            self.run("project", "baseline warm", base, count=_json_len, cwd=root)
        self.ruff("project", ["."], cwd=root)

    def precommit(self, root: Path) -> None:
        """One changed file of the project, as pre-commit passes it (from the root).

        Before every run the file gets a new last line, so its own findings are never
        answered from the cache: only what it imports can be. "summaries cached": the cache
        holds an earlier run over the whole tree (the helpers' summaries among its entries);
        "cold": no cache at all."""
        changed = root / PRECOMMIT_FILE
        original = changed.read_text()
        edits = iter(range(1_000_000))

        def edit() -> None:
            changed.write_text(original + f"# edit {next(edits)}\n")

        def cold() -> None:
            self.clear_cache(root)
            edit()

        repeat = max(5, self.args.repeat)
        one = [*self.gradlint, "--format", "json", PRECOMMIT_FILE]
        self.run("precommit", "python -c pass", [sys.executable, "-c", "pass"], repeat=repeat)
        self.run(
            "precommit",
            "gradlint no tape",
            [*self.gradlint, PRECOMMIT_PLAIN_FILE],
            repeat=repeat,
            cwd=root,
        )
        self.clear_cache(root)
        measure([*self.gradlint, "--format", "json", "-q", "."], root)  # fills the cache
        self.run(
            "precommit",
            "gradlint summaries cached",
            one,
            before=edit,
            repeat=repeat,
            count=_json_len,
            cwd=root,
        )
        if self.args.baseline:
            base = [self.args.baseline, "-m", "gradlint", "--format", "json"]
            measure([*base, "-q", "."], root)  # the baseline's own entries
            self.run(
                "precommit",
                "baseline summaries cached",
                [*base, PRECOMMIT_FILE],
                before=edit,
                repeat=repeat,
                count=_json_len,
                cwd=root,
            )
        self.run(
            "precommit", "gradlint cold", one, before=cold, repeat=repeat, count=_json_len, cwd=root
        )
        self.run(
            "precommit",
            "gradlint no project",
            [*one, "--no-cache", "--no-project"],
            before=edit,
            repeat=repeat,
            count=_json_len,
            cwd=root,
        )
        changed.write_text(original)

    def compare_all(self, scenario: str, paths: list[str]) -> None:
        args = self.args
        jobs = ["-j", str(args.jobs)] if args.jobs else []
        gl = [*self.gradlint, "--format", "json", *jobs, *paths]
        self.run(scenario, "gradlint cold", gl, before=self.clear_cache, count=_json_len)
        self.run(scenario, "gradlint warm", gl, count=_json_len)
        if args.baseline:
            # Another gradlint (an older checkout in its own environment), side by side.
            base = [args.baseline, "-m", "gradlint", "--format", "json", *jobs, *paths]
            self.run(scenario, "baseline cold", base, before=self.clear_cache, count=_json_len)
            self.run(scenario, "baseline warm", base, count=_json_len)
        no_slice = dict(os.environ, GRADLINT_SLICING="0")
        if "no-slicing" not in args.skip:
            self.run(
                scenario, "gradlint no slicing", [*gl, "--no-cache"], count=_json_len, env=no_slice
            )
        if args.ruff:
            self.run(
                scenario,
                "ruff E9",
                [
                    args.ruff,
                    "check",
                    "--no-cache",
                    "--select",
                    "E9",
                    "--quiet",
                    "--exit-zero",
                    *paths,
                ],
            )
        if "libcst" not in args.skip:
            self.run(
                scenario,
                "libcst parse-only",
                [sys.executable, str(HERE / "libcst_parse.py"), *paths],
            )
        if args.semgrep and "semgrep" not in args.skip:
            self.run(
                scenario,
                "semgrep",
                [
                    args.semgrep,
                    "scan",
                    "--config",
                    str(HERE / "semgrep_rule.yml"),
                    "--metrics",
                    "off",
                    "--disable-version-check",
                    "--json",
                    "-j",
                    str(args.jobs or 2),
                    *paths,
                ],
                repeat=1,
                count=lambda out: len(json.loads(out)["results"]),
            )
        if args.fixit and "fixit" not in args.skip:
            env = dict(os.environ, PYTHONPATH=str(HERE))
            self.run(
                scenario,
                "fixit",
                [args.fixit, "--rules", "gradlint_fixit_rule", "lint", *paths],
                repeat=1,
                count=lambda out: sum(" UnappliedGradients: " in line for line in out.splitlines()),
                env=env,
            )

    def get(self, scenario: str, tool: str) -> Result | None:
        return next((r for r in self.results if r.scenario == scenario and r.tool == tool), None)


#: In a ``generate.py --project`` tree: a frozen training step that calls the project's
#: ``common.grad_utils`` helpers (the first training file), and a file without a tape.
PRECOMMIT_FILE = "pkg000/mod00025.py"
PRECOMMIT_PLAIN_FILE = "pkg000/mod00024.py"


def _json_len(out: str) -> int:
    return len(json.loads(out))


def _ratio(a: Result | None, b: Result | None) -> float | None:
    if a is None or b is None or not a.walls or not b.walls or b.wall == 0:
        return None
    return a.wall / b.wall


def report(bench: Bench) -> list[str]:
    lines = [
        "",
        "| scenario | tool | wall (s) | peak (MB) | findings |",
        "|---|---|---:|---:|---:|",
    ]
    for r in bench.results:
        found = "" if r.findings is None else str(r.findings)
        lines.append(f"| {r.scenario} | {r.tool} | {r.wall:.3f} | {r.peak_mb:.0f} | {found} |")
    lines += ["", "Targets (ratio of wall times; lower is better):"]

    def target(label: str, value: float | None, limit: float, unit: str = "x") -> None:
        if value is None:
            lines.append(f"- {label}: not measured")
            return
        verdict = "met" if value <= limit else "NOT met"
        lines.append(f"- {label}: {value:.2f}{unit} (target <= {limit}{unit}: {verdict})")

    g = bench.get
    target(
        "tree, cold, gradlint / ruff", _ratio(g("tree", "gradlint cold"), g("tree", "ruff E9")), 2.0
    )
    target(
        "tree, warm, gradlint / ruff cold",
        _ratio(g("tree", "gradlint warm"), g("tree", "ruff E9")),
        0.5,
    )
    target(
        "single file without a tape, gradlint / python -c pass",
        _ratio(g("single", "gradlint no tape"), g("single", "python -c pass")),
        1.5,
    )
    frozen = g("single", "gradlint frozen example")
    target("single frozen example, wall", frozen.wall if frozen else None, 0.5, " s")
    cold = g("generated", "gradlint cold")
    target("generated tree, peak memory", cold.peak_mb if cold else None, 300, " MB")
    files = bench.args.files
    for label in ("tensorflow", "torch"):
        r = g("frameworks", f"gradlint cold {label}")
        if r is not None and r.walls:
            lines.append(f"- {label} tree: {1000 * r.wall / files:.2f} ms per file ({files} files)")
    target(
        "per file, PyTorch tree / TensorFlow tree",
        _ratio(g("frameworks", "gradlint cold torch"), g("frameworks", "gradlint cold tensorflow")),
        1.0,
    )
    target(
        "project tree, cold, gradlint / ruff",
        _ratio(g("project", "gradlint cold"), g("project", "ruff E9")),
        2.0,
    )
    target(
        "project tree, warm, gradlint / ruff cold",
        _ratio(g("project", "gradlint warm"), g("project", "ruff E9")),
        0.5,
    )
    target(
        "pre-commit, changed file without a tape in the project, gradlint / python -c pass",
        _ratio(g("precommit", "gradlint no tape"), g("precommit", "python -c pass")),
        1.5,
    )
    cached = g("precommit", "gradlint summaries cached")
    target(
        "pre-commit, changed training file, summaries cached, wall",
        cached.wall if cached else None,
        0.5,
        " s",
    )
    extra = [
        ("tree, cold, baseline / ruff", g("tree", "baseline cold"), g("tree", "ruff E9")),
        (
            "project tree, cold, baseline / ruff",
            g("project", "baseline cold"),
            g("project", "ruff E9"),
        ),
        (
            "project tree, warm, baseline / ruff",
            g("project", "baseline warm"),
            g("project", "ruff E9"),
        ),
        (
            "per file, PyTorch tree / TensorFlow tree, baseline",
            g("frameworks", "baseline cold torch"),
            g("frameworks", "baseline cold tensorflow"),
        ),
        (
            "pre-commit, changed training file, summaries cached, baseline / gradlint",
            g("precommit", "baseline summaries cached"),
            g("precommit", "gradlint summaries cached"),
        ),
        (
            "project tree, cold, project model on / --no-project (the project model's cost)",
            g("project", "gradlint cold"),
            g("project", "gradlint cold no project"),
        ),
        (
            "pre-commit, changed training file, summaries cached / no cache",
            g("precommit", "gradlint summaries cached"),
            g("precommit", "gradlint cold"),
        ),
        (
            "pre-commit, changed training file, summaries cached / --no-project",
            g("precommit", "gradlint summaries cached"),
            g("precommit", "gradlint no project"),
        ),
        (
            "pre-commit, changed training file, summaries cached / python -c pass",
            g("precommit", "gradlint summaries cached"),
            g("precommit", "python -c pass"),
        ),
        (
            "tree, cold, gradlint / LibCST parse-only",
            g("tree", "gradlint cold"),
            g("tree", "libcst parse-only"),
        ),
        (
            "tree, cold, gradlint / gradlint without slicing",
            g("tree", "gradlint cold"),
            g("tree", "gradlint no slicing"),
        ),
        (
            "generated, cold, gradlint / ruff",
            g("generated", "gradlint cold"),
            g("generated", "ruff E9"),
        ),
        (
            "generated, warm, gradlint / ruff",
            g("generated", "gradlint warm"),
            g("generated", "ruff E9"),
        ),
        (
            "generated, semgrep / gradlint cold",
            g("generated", "semgrep"),
            g("generated", "gradlint cold"),
        ),
        (
            "generated, fixit / gradlint cold",
            g("generated", "fixit"),
            g("generated", "gradlint cold"),
        ),
        ("tree, semgrep / gradlint cold", g("tree", "semgrep"), g("tree", "gradlint cold")),
        ("tree, fixit / gradlint cold", g("tree", "fixit"), g("tree", "gradlint cold")),
    ]
    lines += ["", "Other ratios:"]
    for label, a, b in extra:
        value = _ratio(a, b)
        if value is not None:
            lines.append(f"- {label}: {value:.2f}x")
    return lines


def _absolute_command(command: str) -> str:
    """Commands run in the scenarios' folders: a relative path is made absolute first."""
    found = shutil.which(command)
    return os.path.abspath(found) if found else command


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scenarios", default="tree,generated,single,frameworks,project,precommit")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--jobs", type=int, default=None, help="gradlint -j (default: CPUs)")
    parser.add_argument("--files", type=int, default=5000, help="files in the generated tree")
    parser.add_argument(
        "--tree",
        nargs="*",
        default=None,
        help="folders for the tree scenario (default: installed tensorflow, keras)",
    )
    parser.add_argument("--ruff", default=shutil.which("ruff"), type=_absolute_command)
    parser.add_argument("--semgrep", default=shutil.which("semgrep"))
    parser.add_argument("--fixit", default=shutil.which("fixit"))
    parser.add_argument(
        "--skip", default="", help="comma-separated: semgrep,fixit,no-slicing,libcst"
    )
    parser.add_argument(
        "--skip-tree-comparisons",
        action="store_true",
        help="no semgrep/Fixit on the tree scenario (they take minutes there)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--baseline",
        help="a Python whose environment has another gradlint (e.g. main's): measured too",
    )
    args = parser.parse_args()
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    scenarios = {s.strip() for s in args.scenarios.split(",")}

    with tempfile.TemporaryDirectory(prefix="gradlint-bench-") as tmp:
        work = Path(tmp)
        bench = Bench(args, work)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, work dir {work}")
        compiled = ensure_bytecode()
        if compiled:
            print(f"bytecode (as pip writes on install) for {', '.join(compiled)}")
        if "tree" in scenarios:
            folders = args.tree or [str(p) for p in map(package_dir, ("tensorflow", "keras")) if p]
            if folders:
                print(f"tree: {' '.join(folders)}")
                skip = set(args.skip)
                if args.skip_tree_comparisons:
                    args.skip = skip | {"semgrep", "fixit"}
                bench.compare_all("tree", folders)
                args.skip = skip
            else:
                print("tree: tensorflow/keras not installed (pip install gradlint-ml[tensorflow])")
        if "generated" in scenarios:
            sys.path.insert(0, str(HERE))
            from generate import generate

            root = work / "generated"
            lines = generate(root, files=args.files)
            print(f"generated: {args.files} files, {lines} lines")
            bench.compare_all("generated", [str(root)])
        if "frameworks" in scenarios:
            sys.path.insert(0, str(HERE))
            from generate import generate

            jobs = ["-j", str(args.jobs)] if args.jobs else []
            for framework in ("tensorflow", "torch"):
                root = work / f"generated-{framework}"
                generate(root, files=args.files, framework=framework)
                bench.run(
                    "frameworks",
                    f"gradlint cold {framework}",
                    [*bench.gradlint, "--no-cache", "--format", "json", *jobs, str(root)],
                    count=_json_len,
                )
                if args.baseline:
                    bench.run(
                        "frameworks",
                        f"baseline cold {framework}",
                        [args.baseline, "-m", "gradlint", "--no-cache", "--format", "json"]
                        + [*jobs, str(root)],
                        count=_json_len,
                    )
        if "project" in scenarios or "precommit" in scenarios:
            sys.path.insert(0, str(HERE))
            from generate import generate

            root = work / "project"
            lines = generate(root, files=args.files, project=True)
            print(f"project: {args.files} files, {lines} lines, first-party helpers")
            if "project" in scenarios:
                bench.project(root)
            if "precommit" in scenarios:
                bench.precommit(root)
        if "single" in scenarios:
            plain = work / "changed.py"
            sys.path.insert(0, str(HERE))
            import random

            from generate import module

            plain.write_text(module(0, random.Random(0), training=False))
            frozen = work / "frozen_loop.py"
            frozen.write_text((REPO / "examples" / "frozen_loop.py").read_text())
            bench.run(
                "single",
                "python -c pass",
                [sys.executable, "-c", "pass"],
                repeat=max(5, args.repeat),
            )
            bench.run(
                "single",
                "gradlint no tape",
                [*bench.gradlint, "--no-cache", str(plain)],
                repeat=max(5, args.repeat),
            )
            bench.run(
                "single",
                "gradlint frozen example",
                [*bench.gradlint, "--no-cache", "--format", "json", str(frozen)],
                repeat=max(5, args.repeat),
                count=_json_len,
            )
            if args.ruff:
                bench.run(
                    "single",
                    "ruff E9",
                    [args.ruff, "check", "--no-cache", "--select", "E9", "--quiet", str(frozen)],
                    repeat=max(5, args.repeat),
                )
        lines = report(bench)
        print("\n".join(lines))
        if args.json:
            args.json.write_text(
                json.dumps([r.__dict__ | {"wall": r.wall} for r in bench.results], indent=2)
            )


if __name__ == "__main__":
    main()
