"""The confirmer without TensorFlow: verdict rules, report rendering, site selection, usage
errors and the missing-TensorFlow paths. Nothing here imports TensorFlow."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradlint.cli import main
from gradlint.runtime_check import runner as runner_module
from gradlint.runtime_check import targets
from gradlint.runtime_check.report import build_report, conclusion, render_json, render_text
from gradlint.runtime_check.runner import ConfirmError, DeviceRun
from gradlint.runtime_check.verdicts import (
    ABSENT,
    FINISHED,
    RAISED,
    STOPPED,
    TIMEOUT,
    Outcome,
    SiteFacts,
    decide,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures" / "confirm"


def facts(**kwargs) -> SiteFacts:
    base = dict(
        line=10,
        end_line=10,
        steps=5,
        variables=2,
        changed=0,
        grad_steps=5,
        grad_norm=3.0,
        unchanged_names=["dense/kernel", "dense/bias"],
    )
    base.update(kwargs)
    return SiteFacts(**base)


STOP = Outcome(STOPPED)


# ------------------------------------------------------------------------ verdict rules


def test_no_change_with_nonzero_gradients_is_frozen():
    verdict = decide(facts(), STOP, 5)
    assert verdict.verdict == "frozen"
    assert "none of 2 variables changed" in verdict.detail
    assert "no optimizer update was called" in verdict.detail


def test_all_changed_is_updated_with_delta():
    verdict = decide(facts(changed=2, unchanged_names=[], max_abs_delta=0.25), STOP, 5)
    assert verdict.verdict == "updated"
    assert "2 of 2 variables changed" in verdict.detail and "0.25" in verdict.detail


def test_some_changed_is_partially_frozen_naming_the_frozen_ones():
    verdict = decide(facts(changed=1, unchanged_names=["head/bias"]), STOP, 5)
    assert verdict.verdict == "partially-frozen"
    assert "head/bias" in verdict.detail


def test_all_none_gradients_is_no_gradient_even_when_the_script_raised():
    raised = Outcome(RAISED, "ValueError: No gradients provided for any variable.")
    verdict = decide(facts(all_none=True, steps=0, grad_steps=0), raised, 5)
    assert verdict.verdict == "no-gradient"
    assert "No gradients provided" in verdict.detail


def test_zero_norm_every_step_is_no_gradient():
    assert decide(facts(empty_steps=5, grad_norm=None), STOP, 5).verdict == "no-gradient"


def test_skipped_loss_scale_steps_are_not_a_freeze():
    verdict = decide(facts(skipped_steps=5), STOP, 5)
    assert verdict.verdict == "skipped-steps"
    assert "--steps" in verdict.detail
    assert decide(facts(nonfinite_steps=5, grad_norm=None), STOP, 5).verdict == "skipped-steps"
    # Some steps skipped, then one applied: the weights moved.
    moved = facts(skipped_steps=3, changed=2, unchanged_names=[], max_abs_delta=1e-3)
    assert decide(moved, STOP, 5).verdict == "updated"


def test_site_never_reached():
    assert decide(None, Outcome(FINISHED), 5).verdict == "not-reached"
    timeout = decide(None, Outcome(TIMEOUT, "timed out after 3s"), 5)
    assert timeout.verdict == "not-reached" and "timed out after 3s" in timeout.detail


def test_script_error_before_or_during_the_steps():
    raised = Outcome(RAISED, "KeyError: 'lr'", "line 7 in load_config")
    before = decide(None, raised, 5)
    assert before.verdict == "error"
    assert "KeyError: 'lr'" in before.detail and "line 7 in load_config" in before.detail
    assert decide(facts(steps=2), raised, 5).verdict == "error"


def test_unavailable_device():
    verdict = decide(None, Outcome(ABSENT, "no GPU visible to TensorFlow"), 5)
    assert verdict.verdict == "unavailable" and "no GPU" in verdict.detail


def test_fewer_steps_than_asked_are_said():
    verdict = decide(facts(steps=2), Outcome(FINISHED), 5)
    assert verdict.verdict == "frozen" and "only 2 of 5 steps ran" in verdict.detail


def test_a_variable_that_changed_shape_is_an_invalid_observation_not_a_change():
    verdict = decide(facts(invalid="variable dense/kernel was float32[0] at the snapshot"), STOP, 5)
    assert verdict.verdict == "error"
    assert verdict.detail.startswith("invalid observation: variable dense/kernel")


def test_the_detail_says_whether_an_update_executed():
    traced = decide(facts(mode="graph", update_calls=1, update_executions=0), STOP, 5)
    assert "an optimizer update was traced but never executed" in traced.detail
    unknown = decide(facts(mode="graph", update_calls=1), STOP, 5)
    assert "whether it executed is not known" in unknown.detail
    ran = decide(facts(update_calls=5, update_executions=5), STOP, 5)
    assert "an optimizer update executed 5 times" in ran.detail
    moved = decide(
        facts(changed=2, unchanged_names=[], max_abs_delta=0.1, update_executions=1, steps=8),
        STOP,
        5,
    )
    assert "executed once" in moved.detail


def test_a_longer_observation_is_said():
    verdict = decide(facts(steps=50, extended=True), Outcome(FINISHED), 5)
    assert verdict.verdict == "frozen"
    assert "in 50 steps (5 asked; observed longer" in verdict.detail


def test_gradient_with_respect_to_tensors_has_nothing_to_watch():
    verdict = decide(facts(variables=0, unchanged_names=[]), STOP, 5)
    assert verdict.verdict == "error" and "no trainable variable" in verdict.detail


# ------------------------------------------------------------------------ report


def _target() -> targets.Target:
    return targets.Target("train.py", Path("/tmp/train.py"))


def _run(device: str, *sites: SiteFacts, outcome: Outcome = STOP) -> DeviceRun:
    return DeviceRun(device, outcome, list(sites))


def test_devices_that_disagree_are_reported_prominently():
    cpu = _run("cpu", facts(device_names=["/device:CPU:0"]))
    gpu = _run(
        "gpu",
        facts(changed=2, unchanged_names=[], max_abs_delta=0.5, device_names=["/device:GPU:0"]),
    )
    report = build_report(
        _target(), [targets.SiteRequest(10, ["GL001"])], {"cpu": cpu, "gpu": gpu}, 5, eager=False
    )
    text = render_text(report)
    assert "train.py:10: DEVICES DISAGREE: frozen on cpu, updated on gpu" in text
    assert report.exit_code == 1


def test_json_report_shape():
    cpu = _run("cpu", facts(device_names=["/job:localhost/replica:0/task:0/device:CPU:0"]))
    gpu = _run("gpu", outcome=Outcome(ABSENT, "no GPU visible to TensorFlow"))
    report = build_report(
        _target(), [targets.SiteRequest(10, ["GL001"])], {"cpu": cpu, "gpu": gpu}, 5, eager=False
    )
    data = json.loads(render_json(report))
    assert data["script"] == "train.py" and data["steps"] == 5
    site = data["sites"][0]
    assert (site["path"], site["line"], site["codes"]) == ("train.py", 10, ["GL001"])
    assert set(site["devices"]["cpu"]) == {
        "verdict",
        "mode",
        "steps",
        "variables",
        "changed",
        "max_abs_delta",
        "grad_norm",
        "device_names",
        "gradient_devices",
        "detail",
    }
    assert site["devices"]["cpu"]["mode"] == "eager"
    assert site["devices"]["gpu"]["mode"] is None  # nothing ran there
    assert site["devices"]["cpu"]["verdict"] == "frozen"
    assert site["devices"]["gpu"]["verdict"] == "unavailable"


def _report(*runs: DeviceRun, lines=(10,)):
    return build_report(
        _target(),
        [targets.SiteRequest(line, ["GL001"]) for line in lines],
        {run.device: run for run in runs},
        5,
        eager=False,
    )


def test_exit_codes():
    updated = facts(changed=2, unchanged_names=[], max_abs_delta=0.5)
    absent = _run("gpu", outcome=Outcome(ABSENT, "no GPU visible to TensorFlow"))
    # Confirmed not frozen on CPU, GPU absent: fine.
    assert _report(_run("cpu", updated), absent).exit_code == 0
    assert _report(_run("cpu", facts(skipped_steps=5))).exit_code == 0
    # A frozen site anywhere wins.
    assert _report(_run("cpu", updated), _run("gpu", facts())).exit_code == 1
    # Nothing confirmed: the script raised before the site, or never reached it.
    raised = Outcome(RAISED, "KeyError: 'lr'", "line 7 in load_config")
    assert _report(_run("cpu", outcome=raised), absent).exit_code == 2
    assert _report(_run("cpu", outcome=Outcome(FINISHED))).exit_code == 2
    assert _report(_run("cpu", outcome=Outcome(TIMEOUT, "timed out"))).exit_code == 2
    # Every device unavailable: nothing was checked either.
    assert _report(absent).exit_code == 2
    # One site confirmed, another never reached: not everything was checked.
    assert _report(_run("cpu", updated), lines=(10, 20)).exit_code == 2
    # --all-sites and no site ran at all.
    everything = build_report(_target(), None, {"cpu": _run("cpu")}, 5, eager=False)
    assert everything.sites == [] and everything.exit_code == 2


def test_updated_site_refutes_the_finding():
    cpu = _run("cpu", facts(changed=2, unchanged_names=[], max_abs_delta=0.5))
    report = build_report(
        _target(), [targets.SiteRequest(10, ["GL001"])], {"cpu": cpu}, 5, eager=False
    )
    assert "the GL001 finding here is refuted" in conclusion(report.sites[0])[0]
    assert report.exit_code == 0


def test_all_sites_report_follows_the_children_and_matches_multiline_calls():
    # The child names a site by the first line of the call; a --site on its second line
    # still finds it.
    cpu = _run("cpu", facts(line=10, end_line=12))
    report = build_report(
        _target(),
        [targets.SiteRequest(11)],
        {"cpu": cpu},
        5,
        eager=False,
        flagged=[targets.SiteRequest(10, ["GL001"])],
    )
    assert report.sites[0].devices["cpu"].verdict == "frozen"
    assert report.sites[0].codes == ["GL001"]
    everything = build_report(_target(), None, {"cpu": cpu}, 5, eager=False)
    assert [s.line for s in everything.sites] == [10]


# ------------------------------------------------------------------------ targets


def test_runnable_scripts(tmp_path):
    library = tmp_path / "lib.py"
    library.write_text('"""doc"""\nimport tensorflow as tf\n\ndef step():\n    pass\n')
    guarded = tmp_path / "main.py"
    guarded.write_text("def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n")
    assert not targets.is_runnable(str(library))
    assert targets.is_runnable(str(guarded))
    assert targets.is_runnable(str(EXAMPLES / "frozen_loop.py"))
    assert targets.is_runnable("x.ipynb")


def test_load_target_errors(tmp_path):
    with pytest.raises(ConfirmError, match="no such file"):
        targets.load_target(str(tmp_path / "missing.py"))
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n")
    with pytest.raises(ConfirmError, match=r"bad\.py: not valid Python \(line 1\)"):
        targets.load_target(str(bad))
    binary = tmp_path / "blob.py"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(ConfirmError, match="not a Python file"):
        targets.load_target(str(binary))


def test_site_option_parsing():
    target = targets.load_target(str(EXAMPLES / "frozen_loop.py"))
    assert targets.parse_site(target, "29") == 29
    for bad in ("x", "0", "3:4"):
        with pytest.raises(ConfirmError):
            targets.parse_site(target, bad)


def test_site_without_a_gradient_call_is_a_usage_error():
    """Regression: --site 99 on a 46-line file answered not-reached."""
    script = str(EXAMPLES / "frozen_loop.py")
    for line in ("99", "30"):
        result = invoke([script, "--site", line, "--devices", "cpu"])
        assert result.exit_code == 2, result.output
        assert result.output == (
            f"gradlint: error: --site {line}: {script} has no tape.gradient call at "
            f"line {line}; its calls are at 29\n"
        )


def test_default_sites_come_from_the_frozen_weights_rules():
    target = targets.load_target(str(EXAMPLES / "frozen_loop.py"))
    sites = targets.default_sites(target)
    assert [(s.line, s.codes) for s in sites] == [(29, ["GL001"])]


# ------------------------------------------------------------------------ command line


def invoke(args: list[str]):
    return CliRunner().invoke(main, ["confirm", *args])


def test_missing_script_is_a_usage_error(tmp_path):
    result = invoke([str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert "nope.py: no such file" in result.output
    assert "Traceback" not in result.output


def test_not_python_is_a_usage_error(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not python at all\n")
    result = invoke([str(text), "--all-sites"])
    assert result.exit_code == 2 and "notes.txt: not valid Python" in result.output


def test_bad_options_are_usage_errors():
    script = str(EXAMPLES / "frozen_loop.py")
    assert invoke([script, "--devices", "tpu"]).exit_code == 2
    both = invoke([script, "--site", "29", "--all-sites"])
    assert both.exit_code == 2 and "cannot be combined" in both.output
    assert invoke([script, "--steps", "0"]).exit_code == 2
    unknown = invoke([script, "--epochs", "3"])  # script options must come after --
    assert unknown.exit_code == 2


def test_nothing_flagged_means_nothing_to_run():
    result = invoke([str(EXAMPLES / "correct_loop.py")])
    assert result.exit_code == 0
    assert "no frozen-weights finding" in result.output and "--all-sites" in result.output


def test_missing_tensorflow_in_this_python(monkeypatch):
    monkeypatch.setattr(runner_module, "tensorflow_available", lambda: False)
    result = invoke([str(EXAMPLES / "frozen_loop.py")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert lines == [
        "gradlint: error: TensorFlow is not installed for this Python; the "
        "confirmer needs it: pip install 'gradlint-ml[tensorflow]'"
    ]


def test_tensorflow_that_fails_to_import_in_the_child(tmp_path, monkeypatch):
    # The child finds a "tensorflow" that cannot be imported first on its path.
    fake = tmp_path / "shadow" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named tensorflow')\n")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    monkeypatch.setattr(runner_module, "tensorflow_available", lambda: True)
    result = invoke([str(EXAMPLES / "frozen_loop.py"), "--devices", "cpu"])
    assert result.exit_code == 2
    assert "pip install 'gradlint-ml[tensorflow]'" in result.output


def test_importing_the_command_does_not_import_tensorflow():
    import subprocess

    code = (
        "import sys, gradlint.cli, gradlint.runtime_check.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'libcst', 'numpy')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_progress_on_a_terminal_only(capsys):
    from gradlint.runtime_check.cli import _Progress

    live = _Progress(["cpu", "gpu"], 5, enabled=True)
    live.start()
    live.update("cpu", 2)
    live.close()
    err = capsys.readouterr().err
    assert "cpu: 2/5 steps  gpu: starting" in err
    quiet = _Progress(["cpu"], 5, enabled=False)
    quiet.start()
    quiet.update("cpu", 3)
    quiet.close()
    assert capsys.readouterr().err == ""


def test_notebook_sites_are_cell_and_line(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# title"},
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "%pip install tensorflow\nimport math",
        },
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "x = 1\ny = tape.gradient(x,\n    [w])",
        },
    ]
    notebook.write_text(
        json.dumps(
            {
                "nbformat": 4,
                "nbformat_minor": 5,
                "cells": cells,
                "metadata": {"language_info": {"name": "python"}},
            }
        )
    )
    target = targets.load_target(str(notebook))
    line = targets.parse_site(target, "3:2")
    assert line == 4 and target.label(line) == f"{notebook}:cell 3:2"
    assert targets.parse_site(target, "3:3") == 5  # the second line of the call
    for bad in ("2", "9:1", "3:7"):
        with pytest.raises(ConfirmError):
            targets.parse_site(target, bad)
    with pytest.raises(
        ConfirmError, match="no tape.gradient call at cell:line 3:1; its calls are at 3:2"
    ):
        targets.parse_site(target, "3:1")


# ------------------------------------------------------------------------ confirm options


@pytest.fixture
def captured_runs(monkeypatch):
    """Stands in for the children: records what would run and answers 'updated'."""
    calls = []

    def run_devices(request, devices, progress=None):
        calls.append((request, list(devices)))
        updated = facts(line=29, end_line=29, changed=2, unchanged_names=[], max_abs_delta=0.1)
        return {d: DeviceRun(d, STOP, [updated]) for d in devices}

    monkeypatch.setattr(runner_module, "run_devices", run_devices)
    monkeypatch.setattr(runner_module, "tensorflow_available", lambda: True)
    return calls


def test_lint_confirm_takes_every_confirm_option(captured_runs):
    result = CliRunner().invoke(
        main,
        [
            str(EXAMPLES / "frozen_loop.py"),
            "--isolated",
            "--no-cache",
            "--confirm",
            "--confirm-devices",
            "cpu",
            "--confirm-steps",
            "7",
            "--confirm-timeout",
            "42",
            "--confirm-eager",
            "--confirm-no-seed",
            "--confirm-show-output",
        ],
    )
    assert result.exit_code == 1, result.output  # the lint finding; the confirm said updated
    [(request, devices)] = captured_runs
    assert devices == ["cpu"]
    assert (request.steps, request.timeout, request.eager, request.seed) == (7, 42.0, True, False)
    assert request.show_output is True and request.lines == [29]
    assert "at least 7 steps per site, eager (--eager)" in result.output


def test_confirm_options_from_the_configuration(tmp_path, monkeypatch, captured_runs):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.gradlint.confirm]\n"
        'steps = 3\ndevices = "cpu"\ntimeout = 30\neager = true\nseed = false\n'
    )
    monkeypatch.chdir(tmp_path)
    script = str(EXAMPLES / "frozen_loop.py")
    result = CliRunner().invoke(main, [script, "--no-cache", "--confirm"])
    assert result.exit_code == 1, result.output
    # gradlint confirm reads the same table; its own options win over it.
    result = CliRunner().invoke(main, ["confirm", script, "--steps", "4"])
    assert result.exit_code == 0, result.output
    first, second = captured_runs
    for (request, devices), steps in ((first, 3), (second, 4)):
        assert devices == ["cpu"]
        assert (request.steps, request.timeout, request.eager, request.seed) == (
            steps,
            30.0,
            True,
            False,
        )


def test_confirm_options_in_setup_cfg(tmp_path, monkeypatch, captured_runs):
    (tmp_path / "setup.cfg").write_text(
        "[gradlint]\nselect = GL001\n\n[gradlint.confirm]\nsteps = 2\ndevices = cpu\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [str(EXAMPLES / "frozen_loop.py"), "--no-cache", "--confirm"])
    assert result.exit_code == 1, result.output
    [(request, devices)] = captured_runs
    assert (request.steps, devices) == (2, ["cpu"])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("stepz = 3", "unknown key 'confirm.stepz' (known keys: devices, eager, seed,"),
        ("steps = 0", "'confirm.steps' must be a whole number from 1 to 100000"),
        ('devices = "tpu"', "'confirm.devices' unknown device 'tpu'"),
        ("timeout = 0.5", "'confirm.timeout' must be a number of seconds"),
        ('eager = "yes"', "'confirm.eager' must be true or false"),
    ],
)
def test_bad_confirm_configuration_is_a_usage_error(tmp_path, monkeypatch, table, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.gradlint.confirm]\n{table}\n")
    monkeypatch.chdir(tmp_path)
    for args in (["confirm", str(EXAMPLES / "frozen_loop.py")], ["x.py", "--confirm"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert result.output.startswith(f"gradlint: error: pyproject.toml: {message}"), (
            result.output
        )


def test_confirm_options_without_confirm_are_a_usage_error():
    result = CliRunner().invoke(
        main, [str(EXAMPLES / "frozen_loop.py"), "--isolated", "--confirm-steps", "3"]
    )
    assert result.exit_code == 2
    assert "--confirm-steps needs --confirm" in result.output
    bad = CliRunner().invoke(
        main, [str(EXAMPLES / "frozen_loop.py"), "--confirm", "--confirm-devices", "tpu"]
    )
    assert bad.exit_code == 2 and "unknown device 'tpu'" in bad.output


# ------------------------------------------------------------------------ devices in the child


class _FakeTF:
    """Records the device calls the probe makes before the script runs."""

    def __init__(self, gpu_support: bool = True) -> None:
        self.calls: list[tuple] = []
        self.gpu_support = gpu_support
        outer = self

        class config:  # noqa: N801 - shaped like tf.config
            @staticmethod
            def set_visible_devices(devices, kind):
                outer.calls.append(("set_visible_devices", devices, kind))

            @staticmethod
            def list_physical_devices(kind):
                outer.calls.append(("list_physical_devices", kind))
                return []

        class test:  # noqa: N801
            @staticmethod
            def is_built_with_gpu_support():
                return outer.gpu_support

        self.config, self.test = config, test


def test_cpu_child_hides_gpus_through_tensorflow(monkeypatch):
    from gradlint.runtime_check import probe

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    tf = _FakeTF()
    assert probe.choose_devices(tf, "cpu") is None
    # Through TensorFlow's own device list, so a script that sets CUDA_VISIBLE_DEVICES at its
    # top cannot bring a GPU back; and through the environment for its subprocesses.
    assert tf.calls == [("set_visible_devices", [], "GPU")]
    assert probe.os.environ["CUDA_VISIBLE_DEVICES"] == "-1"


def test_gpu_child_leaves_the_gpu_runtime_to_the_script(monkeypatch, tmp_path):
    from gradlint.runtime_check import probe

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    node = tmp_path / "nvidiactl"
    node.write_text("")
    monkeypatch.setattr(probe, "GPU_DEVICE_NODES", (str(node),))
    tf = _FakeTF()
    assert probe.choose_devices(tf, "gpu") is None
    assert tf.calls == []  # nothing that would initialize the GPU runtime before the script
    node.unlink()
    assert probe.choose_devices(tf, "gpu") == "no GPU visible to TensorFlow (no GPU driver found)"
    assert "built without GPU support" in probe.choose_devices(_FakeTF(False), "gpu")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert "CUDA_VISIBLE_DEVICES='-1'" in probe.choose_devices(tf, "gpu")


def test_gpu_child_environment_asks_for_memory_growth(monkeypatch):
    monkeypatch.delenv("TF_FORCE_GPU_ALLOW_GROWTH", raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    request = runner_module.RunRequest(script=EXAMPLES / "frozen_loop.py")
    gpu = runner_module._Child(request, "gpu", None).environment()
    assert gpu["TF_FORCE_GPU_ALLOW_GROWTH"] == "true" and "CUDA_VISIBLE_DEVICES" not in gpu
    cpu = runner_module._Child(request, "cpu", None).environment()
    assert cpu["CUDA_VISIBLE_DEVICES"] == "-1"
    monkeypatch.setenv("TF_FORCE_GPU_ALLOW_GROWTH", "false")  # the user's own choice stays
    assert (
        runner_module._Child(request, "gpu", None).environment()["TF_FORCE_GPU_ALLOW_GROWTH"]
        == "false"
    )
