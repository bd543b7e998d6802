"""Issue #15's real PyTorch reports each have a reduced example among a rule's INVALID files
(which tests/test_rule_examples.py runs: the rule must fire at the marked line).

"A model left in eval mode for all but the first micro-batch" is no frozen-weights bug (the
weights move, with dropout off and batch-norm statistics frozen): GL107 reports it as a
warning, like GL106's never-cleared gradients.
"""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "rules" / "examples"

REPORTS = {
    "accelerator.backward(loss) with no optimizer.step()": (
        "gl101/invalid/01_accelerator_backward_without_step.py"
    ),
    "a GAN whose discriminator optimizer is never stepped": (
        "gl101/invalid/02_gan_discriminator_never_stepped.py"
    ),
    "a trainer that only computes the loss and gradient": (
        "gl101/invalid/03_trainer_only_computes_loss_and_gradient.py"
    ),
    "a model instantiated twice": "gl105/invalid/01_model_instantiated_twice.py",
    "an optimizer built before ModuleValidator.fix": (
        "gl105/invalid/02_optimizer_before_opacus_fix.py"
    ),
    "an adversarial loss detached and turned into a float": (
        "gl104/invalid/01_adversarial_term_turned_into_a_float.py"
    ),
    "loss.backward() inside torch.no_grad()": "gl103/invalid/01_backward_inside_no_grad.py",
    "a trainer that never calls zero_grad()": "gl106/invalid/01_trainer_never_calls_zero_grad.py",
    "a model left in eval mode for all but the first micro-batch": (
        "gl107/invalid/01_eval_mode_after_the_first_micro_batch.py"
    ),
}


@pytest.mark.parametrize(("report", "example"), sorted(REPORTS.items()))
def test_each_real_report_has_a_reduced_invalid_example(report, example):
    text = (EXAMPLES / example).read_text()
    assert text.startswith("# Reduced from a real report"), report
    code = example.split("/", 1)[0].upper()
    assert f"# {code}" in text, (report, code)
