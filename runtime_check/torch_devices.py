"""Device setup of a PyTorch probe child, before the script runs; imports no torch itself (the
caller hands it in), so the CPU child can hide CUDA before torch is imported."""

from __future__ import annotations

import os
import random

from gradlint.runtime_check.probe import GPU_DEVICE_NODES

NO_CUDA = "no CUDA device visible to PyTorch"


def hide_cuda_before_import() -> None:
    os.environ["CUDA_VISIBLE_DEVICES"] = "-1"


def choose_devices(torch, device: str) -> str | None:
    """Set the child up for its device; the reason when the device is absent.

    The CPU child initialises the CUDA runtime here, with ``CUDA_VISIBLE_DEVICES=-1``
    (``torch.cuda.is_available()`` asks it for its device count): the runtime reads the variable
    once, at that point, so a script that sets ``CUDA_VISIBLE_DEVICES`` at its top cannot make
    ``torch.cuda.is_available()`` true again. If one shows even so, the CPU
    child refuses to run rather than report a GPU run as the CPU's.

    The GPU child leaves CUDA uninitialised (a script may still pick its GPU) and only rules
    out a machine that cannot have one; the first site checks ``torch.cuda.is_available()``.
    """
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
        try:
            visible = torch.cuda.is_available()
        except Exception:  # noqa: BLE001 - a broken CUDA setup is as good as none here
            visible = False
        if visible:
            return "cannot hide the GPUs from PyTorch (CUDA_VISIBLE_DEVICES=-1 was ignored)"
        return None
    if not torch.backends.cuda.is_built():
        return f"{NO_CUDA} (this PyTorch is built without CUDA)"
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return f"{NO_CUDA} (CUDA_VISIBLE_DEVICES={os.environ['CUDA_VISIBLE_DEVICES']!r})"
    if not any(os.path.exists(node) for node in GPU_DEVICE_NODES):
        return f"{NO_CUDA} (no GPU driver found)"
    return None


def seed_everything(torch) -> None:
    """Seed 0 for Python's ``random``, NumPy (when installed) and torch (all devices)."""
    random.seed(0)
    torch.manual_seed(0)
    try:
        import numpy
    except ImportError:
        return
    numpy.random.seed(0)


def disable_compile(torch) -> None:
    """``--eager``: ``torch.compile`` returns the model or function unchanged."""
    import torch._dynamo

    torch._dynamo.config.disable = True
