"""How long a site is observed, shared by the TensorFlow and the PyTorch probes.

Both frameworks stop the script the same way and extend the observation by the same rule, so a
verdict means the same thing whichever confirmer gave it. Framework-free: the probes import it
inside the child, and nothing here may import TensorFlow or PyTorch.
"""

from __future__ import annotations

import time

#: When nothing changed after N steps: keep observing up to this many times N steps ...
EXTEND_STEPS_FACTOR = 10
#: ... and at least this many steps ...
EXTEND_MIN_STEPS = 50
#: ... but for no more than this many seconds after the N-th step.
EXTEND_SECONDS = 60.0


class StopProbe(BaseException):
    """Raised into the script once every site has been observed for N steps.

    A BaseException, so that the script's own ``except Exception`` cannot swallow it."""


class NoGPU(BaseException):
    """Raised into the script of the GPU child when a site runs with no GPU visible."""


def observation_limit(steps: int) -> int:
    """The most steps a site is observed for when its variables do not all change."""
    return max(EXTEND_STEPS_FACTOR * steps, EXTEND_MIN_STEPS)


def out_of_time(extended_at: float | None) -> bool:
    """Whether an extended observation, begun at ``extended_at`` (monotonic), has run out."""
    return extended_at is not None and time.monotonic() - extended_at >= EXTEND_SECONDS
