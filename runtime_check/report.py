"""The confirm report: per-site, per-device verdicts, as a text table or JSON, and the exit
code. Pure data in, text out: no TensorFlow, no processes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from gradlint.runtime_check.runner import DeviceRun
from gradlint.runtime_check.targets import SiteRequest, Target
from gradlint.runtime_check.verdicts import (
    CONCLUSIVE,
    FAILING,
    FROZEN,
    PARTIALLY_FROZEN,
    UNAVAILABLE,
    UPDATED,
    SiteFacts,
    decide,
)

EXIT_CLEAN = 0
EXIT_CONFIRMED = 1
#: Also the usage-error code: a run that checked nothing must not read as "checked, fine".
EXIT_UNCONFIRMED = 2


@dataclass
class DeviceResult:
    verdict: str
    detail: str
    steps: int = 0
    variables: int = 0
    changed: int = 0
    max_abs_delta: float | None = None
    grad_norm: float | None = None
    device_names: list[str] = field(default_factory=list)
    gradient_devices: list[str] = field(default_factory=list)
    mode: str | None = None

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "mode": self.mode,
            "steps": self.steps,
            "variables": self.variables,
            "changed": self.changed,
            "max_abs_delta": self.max_abs_delta,
            "grad_norm": self.grad_norm,
            "device_names": list(self.device_names),
            "gradient_devices": list(self.gradient_devices),
            "detail": self.detail,
        }


@dataclass
class SiteResult:
    path: str
    line: int  # in the cell for a notebook
    cell: int | None
    label: str
    codes: list[str]
    devices: dict[str, DeviceResult]

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "cell": self.cell,
            "codes": list(self.codes),
            "devices": {name: r.to_dict() for name, r in self.devices.items()},
        }

    def disagreement(self) -> bool:
        verdicts = {r.verdict for r in self.devices.values() if r.verdict != UNAVAILABLE}
        return len(verdicts) > 1


@dataclass
class ConfirmReport:
    script: str
    steps: int
    mode: str
    sites: list[SiteResult]
    runs: dict[str, DeviceRun]
    framework: str = "tensorflow"  # for the text only: the JSON is the same for both

    @property
    def exit_code(self) -> int:
        """1 when a site is frozen somewhere; else 2 when a site (or, with no site at all, the
        run) has no conclusive verdict on any device; else 0."""
        if any(r.verdict in FAILING for s in self.sites for r in s.devices.values()):
            return EXIT_CONFIRMED
        if not self.sites and self.runs:
            return EXIT_UNCONFIRMED
        for site in self.sites:
            if not any(r.verdict in CONCLUSIVE for r in site.devices.values()):
                return EXIT_UNCONFIRMED
        return EXIT_CLEAN

    def to_dict(self) -> dict:
        return {
            "script": self.script,
            "steps": self.steps,
            "sites": [s.to_dict() for s in self.sites],
        }


def build_report(
    target: Target,
    requested: list[SiteRequest] | None,
    runs: dict[str, DeviceRun],
    steps: int,
    eager: bool,
    flagged: Iterable[SiteRequest] = (),
    framework: str = "tensorflow",
) -> ConfirmReport:
    """Join the children's facts to the requested sites (None: every site that ran).

    ``flagged`` are the static findings at sites, so that a site chosen by line still says
    which finding it confirms or refutes."""
    if requested is None:
        lines = sorted({facts.line for run in runs.values() for facts in run.sites})
        requested = [SiteRequest(line) for line in lines]
    codes = {site.line: site.codes for site in flagged}
    sites = []
    for request in requested:
        spans = [
            (f.line, f.end_line)
            for run in runs.values()
            for f in run.sites
            if f.line <= request.line <= max(f.end_line, f.line)
        ]
        site_codes = list(request.codes) or next(
            (
                codes[line]
                for line in codes
                if line == request.line or any(a <= line <= b for a, b in spans)
            ),
            [],
        )
        devices = {}
        for name, run in runs.items():
            facts = _facts_for(run, request.line)
            verdict = decide(facts, run.outcome, steps)
            result = DeviceResult(verdict.verdict, verdict.detail)
            if facts is not None:
                result.steps = facts.steps
                result.variables = facts.variables
                result.changed = facts.changed
                result.max_abs_delta = facts.max_abs_delta
                result.grad_norm = facts.grad_norm
                result.device_names = list(facts.device_names)
                result.gradient_devices = list(facts.gradient_devices)
                result.mode = facts.mode
            devices[name] = result
        cell, line = target.locate(request.line)
        sites.append(
            SiteResult(
                target.display, line, cell, target.label(request.line), list(site_codes), devices
            )
        )
    if framework == "torch":
        mode = "PyTorch, torch.compile off (--eager)" if eager else "PyTorch"
    else:
        mode = "eager (--eager)" if eager else "the script's own mode"
    return ConfirmReport(target.display, steps, mode, sites, runs, framework)


def _facts_for(run: DeviceRun, line: int) -> SiteFacts | None:
    for facts in run.sites:
        if facts.line <= line <= max(facts.end_line, facts.line):
            return facts
    return None


# ---------------------------------------------------------------------------- rendering


def render_json(report: ConfirmReport) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"


def render_text(report: ConfirmReport) -> str:
    lines = [
        f"gradlint confirm {report.script}: at least {report.steps} steps per site, {report.mode}"
    ]
    if not report.sites:
        call = "backward" if report.framework == "torch" else "tape.gradient"
        lines.append(f"no {call} call in the script ran:")
        for name, run in report.runs.items():
            message = run.outcome.message or run.outcome.kind
            where = f" at {run.outcome.where}" if run.outcome.where else ""
            lines.append(
                f"  {name}: {run.outcome.kind}{where}"
                + (f": {message}" if message != run.outcome.kind else "")
            )
        return "\n".join(lines) + "\n"
    header = ("site", "device", "verdict", "steps", "changed", "max|delta|", "grad norm")
    rows = [header]
    for site in report.sites:
        for name, result in site.devices.items():
            changed = f"{result.changed}/{result.variables}" if result.variables else "-"
            rows.append(
                (
                    site.label,
                    name,
                    result.verdict,
                    str(result.steps) if result.steps else "-",
                    changed,
                    _num(result.max_abs_delta),
                    _num(result.grad_norm),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    lines.append("")
    for site in report.sites:
        lines.extend(conclusion(site))
    return "\n".join(lines) + "\n"


def conclusion(site: SiteResult) -> list[str]:
    """One line per site (two when the devices disagree: that must not be missed)."""
    available = {n: r for n, r in site.devices.items() if r.verdict != UNAVAILABLE}
    if not available:
        reasons = "; ".join(f"{n}: {r.detail}" for n, r in site.devices.items())
        return [f"{site.label}: not run on any device ({reasons})"]
    if site.disagreement():
        summary = ", ".join(f"{r.verdict} on {n}" for n, r in available.items())
        out = [f"{site.label}: DEVICES DISAGREE: {summary}"]
        out += [f"    {n}: {r.detail}" for n, r in available.items()]
        return out
    verdict = next(iter(available.values())).verdict
    names = ", ".join(available)
    detail = next(iter(available.values())).detail
    codes = "/".join(site.codes)
    suffix = ""
    if codes and verdict in (FROZEN, PARTIALLY_FROZEN):
        suffix = f" (confirms {codes})"
    elif codes and verdict == UPDATED:
        suffix = f"; the weights do train, so the {codes} finding here is refuted"
    missing = [n for n in site.devices if n not in available]
    if missing:
        suffix += "; " + "; ".join(f"{n}: {site.devices[n].detail}" for n in missing)
    return [f"{site.label}: {verdict} on {names}: {detail}{suffix}"]


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"
