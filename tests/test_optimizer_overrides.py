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
