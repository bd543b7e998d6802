"""End to end, with a real PyTorch child: ``gradlint PATH --confirm`` lints a frozen PyTorch
loop (GL101), runs the script under the PyTorch confirmer and exits 1 with ``frozen``.

The unit tests of ``--confirm`` (tests/test_confirm_torch_units.py) replace the child with a
fake; this is the one run that proves the pieces fit: the finding's line is the site the
child observes, and the verdict comes back to the lint command's exit status."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

if importlib.util.find_spec("torch") is None:  # same effect as importorskip, no import
    pytest.skip(
        "PyTorch is not installed (pip install torch, or 'gradlint-ml[torch]')",
        allow_module_level=True,
    )

FROZEN = """\
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train(steps=5):
    for _ in range(steps):
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()


if __name__ == "__main__":
    train()
"""


def test_lint_then_confirm_a_frozen_pytorch_loop(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(FROZEN)
    command = [sys.executable, "-m", "gradlint", "--no-cache", "--isolated", "train.py"]
    command += ["--confirm", "--confirm-devices", "cpu", "--confirm-steps", "3"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "train.py:13:9: GL101" in result.stdout
    assert "train.py:13: frozen on cpu" in result.stdout, result.stdout + result.stderr
