"""The PyTorch side of ``gradlint confirm`` that needs no torch: framework detection, backward
sites, the verdict words, and the errors when torch is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradlint.analyzer.findings import Finding
from gradlint.cli import main
from gradlint.runtime_check import runner as runner_module
from gradlint.runtime_check import targets
from gradlint.runtime_check.report import build_report, render_json, render_text
from gradlint.runtime_check.runner import DeviceRun
from gradlint.runtime_check.verdicts import (
    FINISHED,
    FROZEN,
    PARTIALLY_FROZEN,
    RAISED,
    SKIPPED_STEPS,
    UPDATED,
    Outcome,
    SiteFacts,
    decide,
)

TORCH_LOOP = """\
import torch
from torch import nn

model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    loss = model(torch.randn(2, 4)).sum()
    scaler_free = loss
    scaler_free.backward(
        retain_graph=False,
    )
    opt.step()
"""


def invoke(args: list[str]):
    return CliRunner().invoke(main, ["confirm", *args])


def write(tmp_path: Path, text: str, name: str = "train.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("source", "framework"),
    [
        ("import torch\n", "torch"),
        ("from torch import nn\n", "torch"),
        ("import torch.nn as nn\n", "torch"),
        ("def f():\n    import torch\n", "torch"),
        ("import tensorflow as tf\n", "tensorflow"),
        ("import torch\nimport tensorflow as tf\n", "tensorflow"),
        ("import numpy\n", "tensorflow"),
        ("from .torch import x\n", "tensorflow"),  # a relative import is the user's module
        ("import torchvision\n", "tensorflow"),
    ],
)
def test_framework_detection(tmp_path, source, framework):
    target = targets.load_target(str(write(tmp_path, source)))
    assert targets.detect_framework(target) == framework


def test_backward_sites_include_multiline_and_wrapped_calls(tmp_path):
    source = TORCH_LOOP + "scaler.scale(loss).backward()\naccelerator.backward(loss)\n"
    source += "torch.autograd.backward([loss])\nself.manual_backward(loss)\ntape.gradient(a, b)\n"
    target = targets.load_target(str(write(tmp_path, source)))
    assert targets.site_calls(target, "torch") == [(9, 11), (13, 13), (14, 14), (15, 15), (16, 16)]
    assert targets.parse_site(target, "10", "torch") == 10
    assert targets.site_calls(target, "tensorflow") == [(17, 17)]


def test_site_without_a_backward_call_is_a_usage_error(tmp_path):
    script = str(write(tmp_path, TORCH_LOOP))
    result = invoke([script, "--site", "7", "--devices", "cpu"])
    assert result.exit_code == 2
    assert result.output == (
        f"gradlint: error: --site 7: {script} has no .backward() call at line 7; "
        "its calls are at 9\n"
    )


def test_framework_option_overrides_the_detection(tmp_path, monkeypatch):
    both = TORCH_LOOP.replace("import torch\n", "import torch\nimport tensorflow\n")
    script = str(write(tmp_path, both))
    # Taken for TensorFlow: line 10 is no tape.gradient call there ...
    assert "no tape.gradient call" in invoke([script, "--site", "10"]).output
    # ... and a PyTorch site with --framework torch (stopped here by a torch made missing).
    monkeypatch.setattr(runner_module, "framework_available", lambda framework: False)
    result = invoke([script, "--site", "10", "--framework", "torch", "--devices", "cpu"])
    assert result.exit_code == 2
    assert "PyTorch is not installed" in result.output


def test_missing_torch_in_this_python(tmp_path, monkeypatch):
    monkeypatch.setattr(runner_module, "framework_available", lambda framework: False)
    result = invoke([str(write(tmp_path, TORCH_LOOP)), "--all-sites", "--devices", "cpu"])
    assert result.exit_code == 2
    assert [line for line in result.output.splitlines() if line] == [
        "gradlint: error: PyTorch is not installed for this Python; the confirmer needs it: "
        "pip install 'gradlint-ml[torch]'"
    ]


def test_torch_that_fails_to_import_in_the_child(tmp_path, monkeypatch):
    fake = tmp_path / "shadow" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named torch')\n")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    monkeypatch.setattr(runner_module, "framework_available", lambda framework: True)
    result = invoke([str(write(tmp_path, TORCH_LOOP)), "--all-sites", "--devices", "cpu"])
    assert result.exit_code == 2
    assert "PyTorch is not installed" in result.output
    assert "pip install 'gradlint-ml[torch]'" in result.output
    assert "Traceback" not in result.output


def torch_facts(**values) -> SiteFacts:
    base = {"line": 9, "end_line": 11, "framework": "torch", "steps": 5, "variables": 2}
    return SiteFacts(**{**base, **values})


def test_torch_verdict_words():
    done = Outcome(FINISHED)
    frozen = decide(torch_facts(grad_norm=1.5, grad_steps=5), done, 5)
    assert frozen.verdict == FROZEN
    assert frozen.detail == (
        "gradients were non-zero (global norm up to 1.5), no optimizer.step() of an optimizer "
        "holding these parameters was called, yet none of 2 parameters changed by a single bit "
        "in 5 steps"
    )
    never = decide(torch_facts(update_calls=5, update_executions=0), done, 5)
    assert "optimizer.step() was called but never completed" in never.detail
    partial = decide(torch_facts(changed=1, unchanged_names=["head.bias"]), done, 5)
    assert (partial.verdict, partial.detail) == (
        PARTIALLY_FROZEN,
        "1 of 2 parameters never changed in 5 steps: head.bias",
    )
    updated = decide(torch_facts(changed=2, update_calls=5, update_executions=5), done, 5)
    assert updated.verdict == UPDATED
    assert updated.detail.endswith("an optimizer.step() executed 5 times")
    skipped = decide(torch_facts(update_calls=5, update_executions=0, skipped_steps=5), done, 5)
    assert (
        skipped.verdict == SKIPPED_STEPS and "the GradScaler skipped all 5 steps" in skipped.detail
    )


def test_torch_report_has_the_same_json_and_its_own_text(tmp_path):
    target = targets.load_target(str(write(tmp_path, TORCH_LOOP)))
    run = DeviceRun("cpu", Outcome(RAISED, "RuntimeError: boom", "line 3 in <module>"))
    report = build_report(target, None, {"cpu": run}, 5, False, framework="torch")
    assert json.loads(render_json(report)) == {"script": target.display, "steps": 5, "sites": []}
    text = render_text(report)
    assert text.splitlines()[:2] == [
        f"gradlint confirm {target.display}: at least 5 steps per site, PyTorch",
        "no backward call in the script ran:",
    ]
    assert report.exit_code == 2


def test_extras_name_both_frameworks_and_keep_runtime_as_an_alias():
    import configparser

    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parents[1] / "setup.cfg")
    extras = config["options.extras_require"]
    assert extras["tensorflow"].split() == ["tensorflow>=2.13"]
    assert extras["runtime"].split() == extras["tensorflow"].split()
    assert extras["torch"].split() == ["torch>=2.1"]
    assert "torch" not in config["options"]["install_requires"]


def test_ci_installs_torch_once_before_the_project():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    command = readme.split("<!-- test-command -->\n```bash\n")[1].splitlines()[0]
    pinned = command.index("pip install torch==")
    project = command.index("pip install -e '.[")
    assert pinned < project
    # PyTorch's CPU wheels: from the package index alone, Linux gets the CUDA build (GBs).
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in command[pinned:project]
    assert "torch" in command[project:].split("]")[0]


def test_the_command_imports_no_torch():
    import subprocess
    import sys

    code = (
        "import sys, gradlint.cli, gradlint.runtime_check.cli, gradlint.runtime_check.targets; "
        "import gradlint.runtime_check.report, gradlint.runtime_check.torch_devices; "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# ------------------------------------------------------ sites from the PyTorch rules' findings

GAN = """\
import torch


def train(g, d, opt_g, opt_d, data):
    for real in data:
        fake = g(torch.randn(4, 8))
        d_loss = d(real).mean() - d(fake.detach()).mean()
        d_loss.backward()
        # opt_d.step()
        with torch.no_grad():
            frozen = g(real)
        g_loss = -d(frozen).mean()
        g_loss.backward()
        opt_g.step()
    # opt_g.step()


def other(model, opt):
    model(1).backward()
    opt.step()
"""


def finding(code: str, line: int, path: str = "train.py") -> Finding:
    return Finding(code, "message", path, line, 1, line, 2)


def test_a_pytorch_finding_is_observed_at_its_backward_call(tmp_path):
    target = targets.load_target(str(write(tmp_path, GAN)))
    found = [
        finding("GL101", 8),  # on the backward
        finding("GL102", 9),  # the commented-out step: the backward before it
        finding("GL103", 11),  # a forward under no_grad: the backward after it
        finding("GL102", 15),  # below the function's last statement: still the one before
        finding("GL001", 19),  # TensorFlow's rule: no site of a PyTorch script
        finding("GL106", 19),  # a warning, not a freeze
    ]
    sites = targets.sites_from_findings(target, found, "torch")
    assert [(s.line, s.codes) for s in sites] == [
        (8, ["GL101", "GL102"]),
        (13, ["GL103", "GL102"]),
    ]
    assert targets.sites_from_findings(target, found, "tensorflow")[0].line == 19
    no_backward = targets.load_target(str(write(tmp_path, "import torch\nx = 1\n", "n.py")))
    assert targets.sites_from_findings(no_backward, [finding("GL101", 2)], "torch") == []


@pytest.fixture
def torch_runs(monkeypatch):
    """Stands in for the PyTorch children: records each request and answers 'frozen'."""
    calls = []

    def run_devices(request, devices, progress=None):
        calls.append(request)
        frozen = torch_facts(line=request.lines[0], end_line=request.lines[0], grad_norm=1.0)
        return {d: DeviceRun(d, Outcome(FINISHED), [frozen]) for d in devices}

    monkeypatch.setattr(runner_module, "run_devices", run_devices)
    monkeypatch.setattr(runner_module, "framework_available", lambda framework: True)
    return calls


def test_lint_confirm_runs_pytorch_findings_with_the_pytorch_confirmer(
    tmp_path, torch_runs, capsys
):
    from gradlint.runtime_check.cli import confirm_findings
    from gradlint.runtime_check.options import ConfirmOptions

    script = str(write(tmp_path, GAN + "\n\nif __name__ == '__main__':\n    train()\n"))
    library = str(write(tmp_path, GAN, "library.py"))  # nothing runs it: skipped
    found = [finding("GL102", 9, script), finding("GL101", 8, library)]
    assert confirm_findings(found, ConfirmOptions(devices=["cpu"])) == 1
    [request] = torch_runs
    assert (request.framework, request.lines) == ("torch", [8])
    out, err = capsys.readouterr()
    assert "library.py: skipped, not a runnable script" in err
    assert f"{script}:8: frozen on cpu" in out and "(confirms GL102)" in out


def test_confirm_without_sites_observes_the_flagged_backward_calls(
    tmp_path, torch_runs, monkeypatch
):
    script = str(write(tmp_path, GAN))
    result = invoke([script, "--devices", "cpu", "--format", "json"])
    # Without findings (a correct script), nothing to confirm, as for TensorFlow.
    assert result.exit_code == 0 and torch_runs == []
    assert "no frozen-weights finding (GL101/GL102/GL103/GL104) to confirm" in result.output
    assert "watch every backward call" in result.output
    flagged = [targets.SiteRequest(13, ["GL103"])]
    monkeypatch.setattr(targets, "default_sites", lambda target, framework: flagged)
    result = invoke([script, "--devices", "cpu", "--format", "json"])
    assert result.exit_code == 1, result.output
    assert torch_runs[0].lines == [13]
    (site,) = json.loads(result.stdout)["sites"]
    assert (site["line"], site["codes"], site["devices"]["cpu"]["verdict"]) == (
        13,
        ["GL103"],
        "frozen",
    )
