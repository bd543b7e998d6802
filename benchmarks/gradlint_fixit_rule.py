"""The comparison rule for Fixit 2: a straightforward LibCST visitor, as a Fixit user would
write it. It flags ``g = tape.gradient(loss, x.trainable_variables)`` in a function that
never calls ``apply_gradients``/``apply``/``minimize``: no dataflow, no import resolution,
no training-intent guard. Run: ``PYTHONPATH=benchmarks fixit --rules gradlint_fixit_rule
lint PATH``.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from fixit import Invalid, LintRule, Valid

_GRADIENT = m.Assign(
    value=m.Call(
        func=m.Attribute(attr=m.Name("gradient")),
        args=[m.DoNotCare(), m.Arg(value=m.Attribute(attr=m.Name("trainable_variables")))],
    )
)
_UPDATE = m.Call(
    func=m.Attribute(attr=m.Name("apply_gradients") | m.Name("apply") | m.Name("minimize"))
)


class UnappliedGradients(LintRule):
    MESSAGE = "gradients of trainable variables never reach an optimizer update"
    VALID = [
        Valid(
            """
            def step(model, opt, x):
                with tf.GradientTape() as tape:
                    loss = model(x)
                grads = tape.gradient(loss, model.trainable_variables)
                opt.apply_gradients(zip(grads, model.trainable_variables))
            """
        )
    ]
    INVALID = [
        Invalid(
            """
            def step(model, opt, x):
                with tf.GradientTape() as tape:
                    loss = model(x)
                grads = tape.gradient(loss, model.trainable_variables)
            """
        )
    ]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if m.findall(node.body, _UPDATE):
            return
        for assign in m.findall(node.body, _GRADIENT):
            self.report(assign, self.MESSAGE)
