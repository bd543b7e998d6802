"""GL100: a ``# noqa: GLnnn`` that silences nothing (ruff's RUF100, for gradlint's codes)."""

from __future__ import annotations

from gradlint.rules.base import Invalid, Rule


class UnusedNoqa(Rule):
    code = "GL100"
    name = "unused-noqa"
    summary = "A `# noqa: GLnnn` directive silences nothing (off unless selected)."
    fixable = True
    #: Off by default, like ruff's RUF100: enable it with `extend-select = ["GL100"]`.
    default_enabled = False
    required_text = ("noqa",)
    what_it_does = """
Reports a `# noqa` directive that lists a gradlint code (`GLnnn`) which silences no finding on
its line, or that names a gradlint code that does not exist. Only codes of rules that ran are
judged: other tools' codes (`E501`, `F401`) and a bare `# noqa` are left alone. It is off by
default; select it with `--extend-select GL100` or `extend-select = ["GL100"]`. The fix
removes the unused codes, or the whole directive when none is left.
"""
    why_bad = """
A stale `noqa` hides the next real finding on that line: the training step gets rewritten,
the old suppression stays, and a frozen loop goes unreported. Removing suppressions once they
are unused keeps every `noqa` meaningful.
"""
    example = """
grads = tape.gradient(loss, model.trainable_variables)  # noqa: GL001
optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""
    use_instead = """
grads = tape.gradient(loss, model.trainable_variables)
optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

    _STEP = (
        "import tensorflow as tf\n"
        "optimizer = tf.keras.optimizers.SGD()\n"
        "def step(model, x):\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = model(x)\n"
        "    grads = tape.gradient(loss, model.trainable_variables){comment}\n"
        "    {update}\n"
    )
    _APPLY = "optimizer.apply_gradients(zip(grads, model.trainable_variables))"

    VALID = [
        # The directive silences a real finding.
        _STEP.format(comment="  # noqa: GL001", update="print(loss)"),
        # Other tools' codes are not gradlint's to judge.
        _STEP.format(comment="  # noqa: E501", update=_APPLY),
        # A bare noqa may serve another linter.
        _STEP.format(comment="  # noqa", update=_APPLY),
        # The check itself is silenced.
        _STEP.format(comment="  # noqa: GL001, GL100", update=_APPLY),
        # Only a comment counts, not text in a string.
        'HELP = "add # noqa: GL001 to silence it"\n',
        # A file without any directive.
        "x = 1\n",
    ]
    INVALID = [
        Invalid(
            _STEP.format(comment="  # noqa: GL001", update=_APPLY),
            6,
            column=61,
            fixed=_STEP.format(comment="", update=_APPLY),
        ),
        Invalid(
            _STEP.format(comment="  # noqa: E501, GL001", update=_APPLY),
            6,
            fixed=_STEP.format(comment="  # noqa: E501", update=_APPLY),
        ),
        Invalid(
            _STEP.format(comment="  # noqa: GL999", update=_APPLY),
            6,
            fixed=_STEP.format(comment="", update=_APPLY),
        ),
        Invalid("x = 1  # noqa: GL001\n", 1, fixed="x = 1\n"),
        Invalid("x = 1  # noqa: GL001 see the wiki\n", 1, fixed="x = 1  # see the wiki\n"),
        Invalid(
            "def f():\n    return 1  # noqa:GL002,GL005\n",
            2,
            fixed="def f():\n    return 1\n",
        ),
    ]

    def check(self, ctx):  # the work is done where noqa is applied (it needs every finding)
        return []
