"""Which definition of a redefined top-level function a caller sees (notebook cells)."""

from __future__ import annotations

import libcst as cst
import pytest

from gradlint.analyzer.redefinitions import definition_at_runs, top_level_definitions
from gradlint.analyzer.scopes import build_scopes

_CELLS = (
    "def step(x):\n    return update(x)\n"
    "{between}"
    "def update(x):\n    return 1\n"
    "def update(x):\n    return 2\n"
    "def fit(x):\n    return step(x)\n"
    "{after}"
)


@pytest.mark.parametrize(
    ("between", "after", "seen"),
    [
        ("", "fit(0)\n", 2),  # run through fit(), after both definitions: the second
        ("", "step(0)\nfit(1)\n", 2),
        ("step(0)\n", "fit(1)\n", None),  # runs before the first definition: unclear
        ("", "", None),  # never run at module level
        ("", "model.fit(0)\n", None),  # Keras' fit method is no call of fit()
    ],
)
def test_definition_every_run_of_the_caller_sees(between, after, seen):
    module = cst.parse_module(_CELLS.format(between=between, after=after))
    (step,) = [s for s in build_scopes(module) if s.name == "step"]
    definitions = top_level_definitions(module, "update")
    found = definition_at_runs(module, definitions, step)
    expected = None if seen is None else definitions[seen - 1][1]
    assert found is expected
