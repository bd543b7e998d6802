"""The rule registry: one module per rule, each exposing a single :class:`Rule` subclass.

Rules are listed here explicitly (not discovered by import scanning) so ``gradlint rules`` and
the prefilter know every rule's metadata without importing LibCST.
"""

from __future__ import annotations

import importlib
from functools import cache

from gradlint.rules.base import Rule

#: code -> "module:ClassName", in code order. Only metadata modules are imported on lookup.
RULE_MODULES: dict[str, str] = {
    "GL000": "gradlint.rules.gl000_unparsable:Unparsable",
    "GL001": "gradlint.rules.gl001_unapplied_gradients:UnappliedGradients",
    "GL002": "gradlint.rules.gl002_commented_out_update:CommentedOutUpdate",
    "GL003": "gradlint.rules.gl003_forward_outside_tape:ForwardOutsideTape",
    "GL004": "gradlint.rules.gl004_mismatched_variables:MismatchedVariables",
    "GL005": "gradlint.rules.gl005_swapped_pairs:SwappedPairs",
    "GL006": "gradlint.rules.gl006_non_persistent_tape_reused:NonPersistentTapeReused",
    "GL007": "gradlint.rules.gl007_gradient_path_cut:GradientPathCut",
    "GL100": "gradlint.rules.gl100_unused_noqa:UnusedNoqa",
    "GL101": "gradlint.rules.gl101_gradients_never_stepped:GradientsNeverStepped",
    "GL102": "gradlint.rules.gl102_commented_out_step:CommentedOutStep",
    "GL103": "gradlint.rules.gl103_forward_under_no_grad:ForwardUnderNoGrad",
    "GL104": "gradlint.rules.gl104_loss_path_cut:LossPathCut",
    "GL105": "gradlint.rules.gl105_optimizer_over_wrong_parameters:OptimizerOverWrongParameters",
    "GL106": "gradlint.rules.gl106_gradients_never_cleared:GradientsNeverCleared",
    "GL107": "gradlint.rules.gl107_training_in_eval_mode:TrainingInEvalMode",
}
#: Rules that only run when selected explicitly (``default_enabled = False``); kept here so
#: selecting codes needs no rule module imported.
DEFAULT_OFF: frozenset[str] = frozenset({"GL100"})


@cache
def get_rule(code: str) -> type[Rule]:
    module_name, class_name = RULE_MODULES[code].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def all_rules() -> list[type[Rule]]:
    return [get_rule(code) for code in RULE_MODULES]


def select_codes(select: list[str] | None, ignore: list[str] | None) -> list[str]:
    """Codes enabled by ``--select``/``--ignore`` prefixes, like ruff and flake8.

    The longest matching prefix wins, so ``--select GL --ignore GL00 --select GL001``-style
    combinations behave predictably; GL000 (unreadable file) is always on unless ignored,
    and a :data:`DEFAULT_OFF` rule only runs when a selected code or prefix names it.
    """
    chosen = []
    for code in RULE_MODULES:
        sel = _longest_prefix(code, select) if select else 0
        if code in DEFAULT_OFF and sel == 0:
            continue
        ign = _longest_prefix(code, ignore or [])
        enabled = (sel > 0 or not select or code == "GL000") and not (ign and ign >= sel)
        if enabled:
            chosen.append(code)
    return chosen


def _longest_prefix(code: str, prefixes: list[str]) -> int:
    best = 0
    for prefix in prefixes:
        prefix = prefix.strip().upper()
        if prefix == "ALL":
            prefix = ""
            best = max(best, 1)
        elif prefix and code.startswith(prefix):
            best = max(best, len(prefix) + 1)
    return best


def is_known_prefix(prefix: str) -> bool:
    prefix = prefix.strip().upper()
    return prefix == "ALL" or any(code.startswith(prefix) for code in RULE_MODULES)


def find_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (``GL001``, any case) or name (``unapplied-gradients``)."""
    wanted = code_or_name.strip()
    if wanted.upper() in RULE_MODULES:
        return get_rule(wanted.upper())
    normalized = wanted.lower().replace("_", "-")
    return next((rule for rule in all_rules() if rule.name == normalized), None)
