"""``gradlint confirm`` on the ways people really build models (issue #12), against real
TensorFlow on CPU, in the script's own mode and with ``--eager``.

One script (fixtures/confirm/built_in_trace.py) holds every case, so one probe child per mode
observes them all: weights created inside the first trace (a Sequential without Input, a
subclassed model trained with fit, a lazily built GAN), an update every 8 steps, and a
MirroredStrategy step on two logical CPUs, and a variable that changes shape, all with
``--steps 1``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradlint.cli import main

if importlib.util.find_spec("tensorflow") is None:  # same effect as importorskip, no import
    pytest.skip(
        "TensorFlow is not installed (pip install 'gradlint-ml[tensorflow]')",
        allow_module_level=True,
    )

SCRIPT = Path(__file__).resolve().parent / "fixtures" / "confirm" / "built_in_trace.py"
SEQUENTIAL, SUBCLASSED, GENERATOR, DISCRIMINATOR, ACCUMULATING, MIRRORED = 26, 49, 75, 76, 95, 124
GROWING = 143
SITES = (SEQUENTIAL, SUBCLASSED, GENERATOR, DISCRIMINATOR, ACCUMULATING, MIRRORED, GROWING)


@pytest.fixture(scope="module", params=["graph", "eager"])
def observed(request) -> tuple[str, int, dict]:
    mode = request.param
    args = ["confirm", str(SCRIPT), "--devices", "cpu", "--steps", "1", "--format", "json"]
    args += [arg for line in SITES for arg in ("--site", str(line))]
    if mode == "eager":
        args.append("--eager")
    result = CliRunner().invoke(main, [*args, "--timeout", "240"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return mode, result.exit_code, {s["line"]: s["devices"]["cpu"] for s in report["sites"]}


def test_every_site_reports_the_mode_it_ran_in(observed):
    mode, code, sites = observed
    assert code == 1
    assert sorted(sites) == sorted(SITES)
    assert {site["mode"] for site in sites.values()} == {mode}
    # Where the gradients were computed is measured in eager mode only.
    gradients = sites[SEQUENTIAL]["gradient_devices"]
    if mode == "eager":
        assert gradients and all(d.endswith("device:CPU:0") for d in gradients)
    else:
        assert gradients == []


@pytest.mark.parametrize("line", [SEQUENTIAL, SUBCLASSED], ids=["sequential", "subclassed-fit"])
def test_weights_created_in_the_first_trace_are_frozen(observed, line):
    _, _, sites = observed
    site = sites[line]
    assert site["verdict"] == "frozen", site["detail"]
    assert site["variables"] == 4 and site["changed"] == 0
    assert "no optimizer update was called" in site["detail"]


def test_lazily_built_gan_generator_updated_discriminator_frozen(observed):
    _, _, sites = observed
    assert sites[GENERATOR]["verdict"] == "updated", sites[GENERATOR]["detail"]
    assert sites[GENERATOR]["max_abs_delta"] > 0
    assert sites[DISCRIMINATOR]["verdict"] == "frozen", sites[DISCRIMINATOR]["detail"]


def test_an_update_every_8_steps_is_observed_until_it_happens(observed):
    _, _, sites = observed
    site = sites[ACCUMULATING]
    assert site["verdict"] == "updated", site["detail"]
    assert site["steps"] >= 8
    assert "executed" in site["detail"]


def test_mirrored_strategy_counts_training_steps_not_replicas(observed):
    _, _, sites = observed
    site = sites[MIRRORED]
    assert site["verdict"] == "updated", site["detail"]
    assert site["steps"] == 1
    assert sorted(name.rsplit("/", 1)[-1] for name in site["device_names"]) == [
        "device:CPU:0",
        "device:CPU:1",
    ]


def test_a_variable_that_changes_shape_is_an_invalid_observation(observed):
    _, _, sites = observed
    site = sites[GROWING]
    assert site["verdict"] == "error", site["detail"]
    assert site["detail"].startswith("invalid observation: variable ")
    assert "float32[2] at the snapshot and is float32[3] now" in site["detail"]
    assert site["changed"] == 0
