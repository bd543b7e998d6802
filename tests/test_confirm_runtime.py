"""``gradlint confirm`` against real TensorFlow on CPU: small models, synthetic data, few steps.

Each test starts probe children that import TensorFlow (a few seconds each), so the scenarios
are chosen to cover the verdicts once, plus both graph and ``--eager`` mode where the issue
asks for the same verdict in both. This process never imports TensorFlow itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradlint.cli import main

if importlib.util.find_spec("tensorflow") is None:  # same effect as importorskip, no import
    pytest.skip(
        "TensorFlow is not installed (pip install 'gradlint-ml[tensorflow]')",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures" / "confirm"

JSON_SCHEMA = {
    "type": "object",
    "required": ["script", "steps", "sites"],
    "properties": {
        "script": {"type": "string"},
        "steps": {"type": "integer"},
        "sites": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "line", "codes", "devices"],
                "properties": {
                    "path": {"type": "string"},
                    "line": {"type": "integer"},
                    "codes": {"type": "array", "items": {"type": "string"}},
                    "devices": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": [
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
                            ],
                            "additionalProperties": False,
                            "properties": {
                                "verdict": {
                                    "enum": [
                                        "frozen",
                                        "partially-frozen",
                                        "updated",
                                        "no-gradient",
                                        "skipped-steps",
                                        "not-reached",
                                        "error",
                                        "unavailable",
                                    ]
                                },
                                "mode": {"enum": ["graph", "eager", None]},
                                "steps": {"type": "integer"},
                                "variables": {"type": "integer"},
                                "changed": {"type": "integer"},
                                "max_abs_delta": {"type": ["number", "null"]},
                                "grad_norm": {"type": ["number", "null"]},
                                "device_names": {"type": "array", "items": {"type": "string"}},
                                "gradient_devices": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                },
                                "detail": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def confirm(*args: str | Path, timeout: float = 120) -> tuple[int, dict]:
    result = CliRunner().invoke(
        main, ["confirm", "--format", "json", "--timeout", str(timeout), *map(str, args)]
    )
    assert result.exit_code in (0, 1, 2), result.output
    return result.exit_code, json.loads(result.stdout)


def verdicts(report: dict, device: str = "cpu") -> dict[int, str]:
    return {site["line"]: site["devices"][device]["verdict"] for site in report["sites"]}


MODES = pytest.mark.parametrize("mode", [[], ["--eager"]], ids=["graph", "eager"])


@MODES
def test_frozen_example_is_frozen(mode):
    code, report = confirm(EXAMPLES / "frozen_loop.py", "--devices", "cpu", *mode)
    assert code == 1
    site = report["sites"][0]
    assert (site["line"], site["codes"]) == (29, ["GL001"])
    cpu = site["devices"]["cpu"]
    assert cpu["verdict"] == "frozen"
    # Nothing changed after 5 steps, so it kept observing until the script ended (24 steps:
    # 3 epochs of 8 batches; the first one is the snapshot in eager mode).
    assert (cpu["steps"], cpu["variables"], cpu["changed"]) == (24 if not mode else 23, 2, 0)
    assert "5 asked; observed longer" in cpu["detail"]
    assert cpu["mode"] == ("eager" if mode else "graph")
    assert cpu["grad_norm"] > 0 and cpu["max_abs_delta"] is None
    assert cpu["device_names"] and all("CPU" in d for d in cpu["device_names"])


def test_default_devices_json_and_gpu_unavailable():
    import jsonschema

    code, report = confirm(EXAMPLES / "frozen_loop.py")
    jsonschema.validate(report, JSON_SCHEMA)
    assert report["steps"] == 5
    devices = report["sites"][0]["devices"]
    assert devices["cpu"]["verdict"] == "frozen"
    assert devices["gpu"]["verdict"] == "unavailable"
    assert "no GPU visible to TensorFlow" in devices["gpu"]["detail"]
    assert code == 1


def test_gpu_only_without_a_gpu_is_unavailable_and_nothing_confirmed():
    code, report = confirm(EXAMPLES / "frozen_loop.py", "--devices", "gpu")
    assert code == 2
    assert verdicts(report, "gpu") == {29: "unavailable"}


def test_correct_loop_with_all_sites_is_updated():
    code, report = confirm(
        EXAMPLES / "correct_loop.py", "--devices", "cpu", "--all-sites", "--steps", "3"
    )
    assert code == 0
    cpu = report["sites"][0]["devices"]["cpu"]
    assert (report["sites"][0]["line"], cpu["verdict"]) == (26, "updated")
    assert cpu["changed"] == cpu["variables"] == 2 and cpu["max_abs_delta"] > 0


@MODES
def test_keras_train_step_without_update_trained_with_fit_is_frozen(mode):
    code, report = confirm(FIXTURES / "keras_train_step_frozen.py", "--devices", "cpu", *mode)
    assert code == 1
    assert verdicts(report) == {13: "frozen"}
    assert report["sites"][0]["codes"] == ["GL001"]


@MODES
def test_forward_pass_before_the_tape_is_no_gradient(mode):
    # Keras then raises "No gradients provided for any variable": still no-gradient.
    code, report = confirm(
        FIXTURES / "forward_before_tape.py", "--devices", "cpu", "--all-sites", *mode
    )
    assert code == 1
    assert verdicts(report) == {18: "no-gradient"}
    assert "No gradients provided" in report["sites"][0]["devices"]["cpu"]["detail"]


@MODES
def test_gan_discriminator_frozen_generator_updated(mode):
    code, report = confirm(
        EXAMPLES / "gan_one_tape_dropped.py",
        "--devices",
        "cpu",
        "--all-sites",
        "--steps",
        "3",
        *mode,
    )
    assert code == 1
    assert verdicts(report) == {32: "updated", 33: "frozen"}
    codes = {site["line"]: site["codes"] for site in report["sites"]}
    assert codes == {32: [], 33: ["GL001"]}


def test_mixed_precision_loss_scale_loop_is_not_frozen():
    code, report = confirm(FIXTURES / "mixed_precision.py", "--devices", "cpu", "--all-sites")
    assert verdicts(report)[23] in ("updated", "skipped-steps")
    assert code == 0
    # The norm of the unscaled gradients: the scaled ones are 2**15 times larger.
    assert 0 < report["sites"][0]["devices"]["cpu"]["grad_norm"] < 100


def test_distributed_step_on_two_logical_cpus_is_frozen_on_both():
    code, report = confirm(FIXTURES / "mirrored_two_cpus.py", "--devices", "cpu", "--steps", "3")
    assert code == 1
    cpu = report["sites"][0]["devices"]["cpu"]
    assert cpu["verdict"] == "frozen"
    assert sorted(name.rsplit("/", 1)[-1] for name in cpu["device_names"]) == [
        "device:CPU:0",
        "device:CPU:1",
    ]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline and _alive(int(entry.name)):
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for processes")
def test_hanging_script_is_not_reached_and_leaves_no_process(tmp_path):
    pid_file = tmp_path / "helper.pid"
    started = time.monotonic()
    code, report = confirm(
        FIXTURES / "hangs.py", "--devices", "cpu", "--site", "18", "--", str(pid_file), timeout=25
    )
    assert time.monotonic() - started < 25
    assert code == 2
    cpu = report["sites"][0]["devices"]["cpu"]
    assert cpu["verdict"] == "not-reached" and "timed out" in cpu["detail"]
    # The message gives the time the script had, not the --timeout it was stopped before.
    match = re.search(r"timed out after (\d+)s, (\d+)s of them running the script", cpu["detail"])
    assert match, cpu["detail"]
    assert int(match[2]) <= int(match[1]) < 25 and "(--timeout 25s;" in cpu["detail"]
    helper = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while (_alive(helper) or _processes_mentioning(str(pid_file))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(helper), "the script's own child process survived"
    assert _processes_mentioning(str(pid_file)) == []


def test_script_raising_before_the_site_is_an_error_with_the_message():
    code, report = confirm(FIXTURES / "raises_early.py", "--devices", "cpu")
    assert code == 2
    cpu = report["sites"][0]["devices"]["cpu"]
    assert cpu["verdict"] == "error"
    assert "KeyError" in cpu["detail"] and "learning_rate missing" in cpu["detail"]
    assert "line 7 in load_config" in cpu["detail"]


def test_site_never_reached_by_a_script_that_ends_is_exit_2():
    code, report = confirm(FIXTURES / "never_reached.py", "--devices", "cpu", "--site", "5")
    assert code == 2
    cpu = report["sites"][0]["devices"]["cpu"]
    assert cpu["verdict"] == "not-reached"
    assert cpu["detail"] == "the script ended without running this site"


def test_script_arguments_after_double_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the child runs in the user's working directory
    code, report = confirm(
        FIXTURES / "needs_args.py", "--devices", "cpu", "--all-sites", "--", "--epochs", "3"
    )
    assert code == 0
    assert verdicts(report) == {19: "updated"}
    assert list(tmp_path.iterdir()) == []  # nothing written into the user's folder


def test_text_report_and_notebook_cells(tmp_path):
    notebook = tmp_path / "train.ipynb"
    notebook.write_text(
        json.dumps(
            _notebook(
                [
                    "%matplotlib inline\nimport tensorflow as tf",
                    "model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])\n"
                    "optimizer = tf.keras.optimizers.SGD(0.1)\n"
                    "x = tf.random.normal((16, 3))\ny = tf.reduce_sum(x, axis=1, keepdims=True)",
                    "!nvidia-smi\nfor step in range(10):\n"
                    "    with tf.GradientTape() as tape:\n"
                    "        loss = tf.reduce_mean(tf.square(model(x) - y))\n"
                    "    grads = tape.gradient(loss, model.trainable_variables)\n"
                    "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))",
                ]
            )
        )
    )
    result = CliRunner().invoke(
        main, ["confirm", str(notebook), "--devices", "cpu", "--steps", "3"]
    )
    assert result.exit_code == 1, result.output
    label = f"{notebook}:cell 4:5"
    assert f"{label}  cpu     frozen" in result.output
    assert f"{label}: frozen on cpu" in result.output and "(confirms GL001)" in result.output


def _notebook(cells: list[str]) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
            "language_info": {"name": "python"},
        },
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Train"}]
        + [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": source,
            }
            for source in cells
        ],
    }


def test_lint_then_confirm_flagged_runnable_scripts(tmp_path):
    library = tmp_path / "steps.py"  # flagged, but only definitions: not run
    library.write_text((EXAMPLES / "frozen_loop.py").read_text().split("def main")[0])
    result = CliRunner().invoke(
        main,
        [
            str(EXAMPLES / "frozen_loop.py"),
            str(library),
            "--confirm",
            "--no-cache",
            "--confirm-devices",
            "cpu",
            "--confirm-steps",
            "2",
            "--confirm-eager",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "frozen_loop.py:29:13: GL001" in result.output
    assert "at least 2 steps per site, eager (--eager)" in result.output
    assert "frozen_loop.py:29: frozen on cpu" in result.output and "gpu" not in result.output
    assert "steps.py: skipped, not a runnable script" in result.output


def test_confirm_with_json_lint_output_keeps_stdout_pure_json():
    """Regression: the confirm report was appended to the JSON on stdout."""
    result = CliRunner().invoke(
        main,
        [
            str(EXAMPLES / "frozen_loop.py"),
            "--confirm",
            "--no-cache",
            "--format",
            "json",
            "--select",
            "GL001",
        ],
    )
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)] == ["GL001"]
    assert "frozen on cpu" in result.stderr


def test_loss_scale_optimizer_skipping_every_step_is_skipped_steps():
    code, report = confirm(FIXTURES / "loss_scale_overflow.py", "--devices", "cpu", "--all-sites")
    assert code == 0
    assert verdicts(report) == {15: "skipped-steps"}
