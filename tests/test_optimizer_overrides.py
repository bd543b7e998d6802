"""GL001 on optimizer ``apply_gradients`` overrides: lost hand-overs, abstract bodies, doubles."""

from __future__ import annotations

from rule_helpers import findings

_WRAPPER = """
import tensorflow as tf


class {name}(tf.keras.optimizers.Optimizer):
    def apply_gradients(self, grads_and_vars, name=None):
        self._inner._iterations = self.iterations
"""


def test_wrapper_that_no_longer_reads_its_gradients_is_reported():
    found = findings("GL001", _WRAPPER.format(name="Lookahead"), path="lookahead.py")
    assert [f.line for f in found] == [6]


def test_same_wrapper_in_a_test_file_is_a_test_double():
    assert findings("GL001", _WRAPPER.format(name="Lookahead"), path="lookahead_test.py") == []


def test_same_wrapper_named_like_a_double_is_not_reported():
    assert findings("GL001", _WRAPPER.format(name="FakeOptimizer"), path="opt.py") == []


def test_abstract_body_with_docstring_and_raise_is_not_reported():
    text = '''
import tensorflow as tf


class Base(tf.keras.optimizers.Optimizer):
    def apply_gradients(self, grads_and_vars, name=None):
        """Subclasses apply."""
        raise NotImplementedError
'''
    assert findings("GL001", text) == []


def test_fix_hands_starred_gradients_on_with_their_star():
    """Regression: ``def apply_gradients(self, *args, **kwargs)`` got ``apply_gradients(args,
    **kwargs)`` as its fix, which passes one tuple instead of the pairs."""
    text = (
        "import tensorflow as tf\n\n\n"
        "class ClippingOptimizer(tf.keras.optimizers.Optimizer):\n"
        "    def apply_gradients(self, *args, **kwargs):\n"
        '        tf.print("applying", args)\n'
    )
    (found,) = findings("GL001", text, path="clipping.py")
    assert found.message.endswith("(end it with return super().apply_gradients(*args, **kwargs))")
    named = findings("GL001", _WRAPPER.format(name="Lookahead"), path="lookahead.py")
    assert "apply_gradients(grads_and_vars, **kwargs)" in named[0].message
