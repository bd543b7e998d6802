"""``gradlint confirm`` against real PyTorch on CPU.

One probe child runs every scenario of ``fixtures/confirm_torch/cases.py`` (one site per
loop, each loop with its own model), so the verdicts cost one torch import; the scenarios that
need a run of their own (the default sites, ``--eager``) use a second small script. This
process never imports torch itself.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradlint.cli import main
from gradlint.runtime_check.report import DeviceResult

if importlib.util.find_spec("torch") is None:  # same effect as importorskip, no import
    pytest.skip(
        "PyTorch is not installed (pip install torch, or 'gradlint-ml[torch]')",
        allow_module_level=True,
    )

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "confirm_torch"
CASES = FIXTURES / "cases.py"


def markers() -> dict[str, int]:
    """``MARKER -> line`` for the backward lines of cases.py marked ``# MARKER``."""
    found = {}
    for number, text in enumerate(CASES.read_text().splitlines(), start=1):
        match = re.search(r"\.backward\(\)\s+# ([A-Z_]+)\b", text)
        if match:
            found[match.group(1)] = number
    return found


def invoke(args: list[str]):
    return CliRunner().invoke(main, ["confirm", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def cases():
    lines = markers()
    args = [str(CASES), "--steps", "3", "--devices", "cpu,gpu", "--format", "json"]
    for line in lines.values():
        args += ["--site", str(line)]
    result = invoke(args)
    report = json.loads(result.stdout)
    by_line = {site["line"]: site for site in report["sites"]}
    return result.exit_code, {name: by_line[line]["devices"] for name, line in lines.items()}


def cpu(cases, name: str) -> dict:
    return cases[1][name]["cpu"]


def test_every_scenario_was_observed(cases):
    assert set(cases[1]) == {
        "FROZEN",
        "CORRECT",
        "GAN_D",
        "GAN_G",
        "PARTIAL",
        "DETACHED",
        "AMP",
        "AMP_SKIPPED",
        "COMPILED",
        "COMPILED_FROZEN",
        "MANUAL",
        "ADVERSARIAL",
        "META",
        "ACCUMULATE",
    }


def test_a_frozen_site_makes_the_run_exit_1(cases):
    assert cases[0] == 1


def test_the_json_has_the_tensorflow_confirmers_shape(cases):
    keys = set(DeviceResult("updated", "").to_dict())
    for devices in cases[1].values():
        for result in devices.values():
            assert set(result) == keys


def test_frozen_loop_with_the_step_removed(cases):
    result = cpu(cases, "FROZEN")
    assert result["verdict"] == "frozen"
    assert result["changed"] == 0 and result["variables"] == 2
    assert result["grad_norm"] > 0
    assert "no optimizer.step()" in result["detail"]


def test_correct_loop_with_a_zero_initialised_bias_and_a_parameter_without_gradient(cases):
    result = cpu(cases, "CORRECT")
    assert result["verdict"] == "updated"
    # Both Linear layers' weight and bias (the zero bias trains too); the parameter that
    # only ever gets a zero gradient is not watched.
    assert result["variables"] == 4 and result["changed"] == 4
    assert result["mode"] == "eager"
    assert result["device_names"] == ["cpu"] and result["gradient_devices"] == ["cpu"]


def test_gan_whose_discriminator_optimizer_is_never_stepped(cases):
    assert cpu(cases, "GAN_D")["verdict"] == "frozen"
    # The generator's backward fills the discriminator's gradients too: those never move.
    generator = cpu(cases, "GAN_G")
    assert generator["verdict"] == "partially-frozen"
    assert generator["detail"].endswith("discriminator.weight, discriminator.bias")


def test_partially_frozen_model_names_the_parameters_missing_from_the_optimizer(cases):
    result = cpu(cases, "PARTIAL")
    assert result["verdict"] == "partially-frozen"
    assert result["variables"] == 4 and result["changed"] == 2
    assert result["detail"].endswith(": net.head.weight, net.head.bias")


def test_detached_loss_is_no_gradient(cases):
    result = cpu(cases, "DETACHED")
    assert result["verdict"] == "no-gradient"
    assert "not connected to the weights" in result["detail"]


def test_amp_with_grad_scaler(cases):
    result = cpu(cases, "AMP")
    assert result["verdict"] == "updated"
    assert result["changed"] == 2
    # The norm of the unscaled gradients (init_scale 1024 would make it ~1000x larger).
    assert 0 < result["grad_norm"] < 100


def test_grad_scaler_that_skips_every_step_is_not_a_freeze(cases):
    result = cpu(cases, "AMP_SKIPPED")
    assert result["verdict"] == "skipped-steps"
    assert "GradScaler skipped all" in result["detail"]


def test_torch_compile_model(cases):
    updated, frozen = cpu(cases, "COMPILED"), cpu(cases, "COMPILED_FROZEN")
    assert (updated["verdict"], updated["mode"]) == ("updated", "graph")
    assert (frozen["verdict"], frozen["mode"]) == ("frozen", "graph")


def test_weights_as_plain_tensors_updated_by_hand(cases):
    result = cpu(cases, "MANUAL")
    assert (result["verdict"], result["variables"], result["changed"]) == ("updated", 2, 2)


def test_inputs_that_require_grad_are_not_weights(cases):
    result = cpu(cases, "ADVERSARIAL")
    assert (result["verdict"], result["variables"], result["changed"]) == ("updated", 2, 2)


def test_a_tensor_the_probe_cannot_copy_is_an_error_and_the_script_goes_on(cases):
    result = cpu(cases, "META")
    assert result["verdict"] == "error"
    assert result["detail"].startswith(
        "invalid observation: the probe could not watch the parameters (NotImplementedError"
    )
    # The sites after it in the script were observed: its backward ran and it went on.
    assert cpu(cases, "CORRECT")["verdict"] == "updated"


def test_gradient_accumulation_is_observed_until_the_step(cases):
    result = cpu(cases, "ACCUMULATE")
    assert (result["verdict"], result["changed"]) == ("updated", 2)
    assert result["steps"] > 3 and "observed longer" in result["detail"]


def test_gpu_child(cases):
    result = cases[1]["CORRECT"]["gpu"]
    if result["verdict"] == "unavailable":
        assert result["detail"].startswith("no CUDA device visible to PyTorch")
    else:  # a machine with a GPU and a CUDA build of torch
        assert result["verdict"] == "updated"


# ----------------------------------------------------------------- runs of their own


def test_all_sites_observes_every_backward_of_a_compiled_step_on_a_hidden_gpu(tmp_path):
    seen = tmp_path / "seen.txt"
    script = FIXTURES / "compiled_step.py"
    args = [str(script), "--all-sites", "--steps", "2", "--devices", "cpu"]
    result = invoke([*args, "--", str(seen)])
    assert result.exit_code == 0, result.output
    assert re.search(r"compiled_step\.py:23\s+cpu\s+updated\s+2\s+2/2", result.stdout)
    # The script set CUDA_VISIBLE_DEVICES=0 before importing torch; the CPU child still hid it.
    assert seen.read_text() == "cuda=False\n"


def test_eager_makes_torch_compile_a_no_op(tmp_path):
    script = FIXTURES / "compiled_step.py"
    args = [str(script), "--all-sites", "--steps", "2", "--devices", "cpu", "--eager"]
    args += ["--format", "json"]
    result = invoke([*args, "--", str(tmp_path / "seen.txt")])
    assert result.exit_code == 0, result.output
    (site,) = json.loads(result.stdout)["sites"]
    assert site["devices"]["cpu"]["mode"] == "eager"
    assert site["devices"]["cpu"]["verdict"] == "updated"


def test_detached_loss_that_makes_backward_raise_is_no_gradient():
    result = invoke([str(FIXTURES / "detached_raises.py"), "--all-sites", "--devices", "cpu"])
    assert result.exit_code == 1, result.output
    assert re.search(
        r"detached_raises\.py:10: no-gradient on cpu: every gradient was None: the loss is not "
        r"connected to the weights \(then the script raised RuntimeError: element 0 of tensors "
        r"does not require grad",
        result.stdout,
    ), result.stdout
