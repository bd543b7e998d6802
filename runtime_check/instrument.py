"""The hooks the probe child puts into TensorFlow and Keras; imported only after TensorFlow.

A site is a ``tape.gradient`` call in the user's script, named by the line of the call. Two
ways of watching it, because a compiled step runs its Python only once, while tracing:

* **eager**: every call of the site is one observation. The first one snapshots the watched
  variables; observation N+1 happens before the (N+1)th update, so comparing then sees exactly
  N updates.
* **graph** (the site is traced inside a ``tf.function``): the snapshot is read at trace time
  from the eager context (``tf.init_scope``), before the function has ever run. A few ops added
  to the traced graph count the executions and keep gradient statistics in variables of our
  own, so XLA and ``while`` loops work too. After each call of the outermost compiled function
  that contains the site (made from eager code), those counters are read, and after N steps
  the variables are compared.

When every selected site has N steps, :class:`StopProbe` stops the script; it derives from
``BaseException`` so that a user's ``except Exception`` cannot swallow it.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from tensorflow.python.eager import backprop
from tensorflow.python.eager.polymorphic_function import polymorphic_function

_TF_ROOT = os.path.dirname(os.path.abspath(backprop.__file__)).rsplit(os.sep + "python", 1)[0]
_THIS_FILE = os.path.abspath(__file__)


class StopProbe(BaseException):
    """Raised into the script once every site has been observed for N steps."""


@dataclass
class Site:
    line: int
    end_line: int
    mode: str = "eager"
    names: list[str] = field(default_factory=list)
    variables: list = field(default_factory=list)  # the underlying tf.Variable objects
    snapshot: list[np.ndarray] | None = None
    observations: int = 0
    done: bool = False
    facts: dict | None = None
    # eager gradient statistics
    grad_steps: int = 0
    empty_steps: int = 0
    nonfinite_steps: int = 0
    max_norm: float | None = None
    none_gradients: int = 0
    all_none: bool | None = None
    update_calls: int = 0
    optimizers: dict = field(default_factory=dict)  # id -> (optimizer, iterations at start)
    # graph mode
    calls: int = 0
    stats: dict | None = None  # name -> tf.Variable, created once, outside any graph

    def var_ids(self) -> set[int]:
        return {id(v) for v in self.variables}


class Probe:
    """All state of one child run. ``emit`` sends one JSON-able event to the parent."""

    def __init__(
        self, script: str, steps: int, lines: list[int] | None, emit: Callable[[dict], None]
    ) -> None:
        self.script = script
        self.steps = steps
        self.lines = lines  # None: every site in the script
        self.emit = emit
        self.sites: dict[int, Site] = {}
        self.by_function: dict[int, list[Site]] = {}
        self.local = threading.local()
        self.active: list = []  # outermost compiled functions being called, in any thread
        self.lock = threading.RLock()
        self.finished = False
        self._span_cache: dict[tuple, tuple[int, int]] = {}

    # ------------------------------------------------------------------ installation

    def install(self) -> None:
        original_gradient = backprop.GradientTape.gradient
        probe = self

        def gradient(tape, target, sources, *args, **kwargs):
            site = probe.site_for(sys._getframe(1))
            if site is None or site.done or probe.finished:
                return original_gradient(tape, target, sources, *args, **kwargs)
            probe.patch_keras()
            if tf.executing_eagerly():
                return probe.eager_gradient(
                    site, original_gradient, tape, target, sources, args, kwargs
                )
            return probe.graph_gradient(
                site, original_gradient, tape, target, sources, args, kwargs
            )

        gradient.__wrapped__ = original_gradient
        backprop.GradientTape.gradient = gradient

        original_call = polymorphic_function.Function.__call__

        def call(function, *args, **kwargs):
            if not tf.executing_eagerly():
                return original_call(function, *args, **kwargs)
            stack = probe.function_stack()
            stack.append(function)
            probe.active.append(function)
            try:
                result = original_call(function, *args, **kwargs)
            finally:
                stack.pop()
                probe.active.remove(function)
            if id(function) in probe.by_function:
                probe.after_function(function)
            return result

        call.__wrapped__ = original_call
        polymorphic_function.Function.__call__ = call
        self.keras_patched = False

    def patch_keras(self) -> None:
        """Wrap Keras optimizers' update methods, once Keras is loaded (not before: importing
        it costs seconds that a script without Keras should not pay)."""
        if self.keras_patched or "keras" not in sys.modules:
            return
        self.keras_patched = True
        try:
            from keras.src.optimizers import base_optimizer
        except ImportError:
            return
        pending = [base_optimizer.BaseOptimizer]
        seen = set()
        while pending:
            cls = pending.pop()
            if cls in seen:
                continue
            seen.add(cls)
            pending.extend(cls.__subclasses__())
            for name in ("apply", "apply_gradients"):
                method = cls.__dict__.get(name)
                if callable(method) and not getattr(method, "_gradlint_wrapped", False):
                    setattr(cls, name, self._wrap_update(method, name))

    def _wrap_update(self, method, name: str):
        probe = self

        def update(optimizer, *args, **kwargs):
            depth = getattr(probe.local, "update_depth", 0)
            if depth or not probe.sites:
                return method(optimizer, *args, **kwargs)
            args = list(args)
            variables = None
            if name == "apply_gradients":
                if args:
                    args[0] = list(args[0])
                    variables = [v for _, v in args[0]]
                elif "grads_and_vars" in kwargs:
                    kwargs["grads_and_vars"] = list(kwargs["grads_and_vars"])
                    variables = [v for _, v in kwargs["grads_and_vars"]]
            else:
                variables = args[1] if len(args) > 1 else kwargs.get("trainable_variables")
                if variables is None:
                    variables = getattr(optimizer, "_trainable_variables", None) or []
            probe.record_update(optimizer, variables)
            probe.local.update_depth = depth + 1
            try:
                return method(optimizer, *args, **kwargs)
            finally:
                probe.local.update_depth = depth

        update._gradlint_wrapped = True
        update.__wrapped__ = method
        return update

    def function_stack(self) -> list:
        stack = getattr(self.local, "functions", None)
        if stack is None:
            stack = self.local.functions = []
        return stack

    # ------------------------------------------------------------------ sites

    def site_for(self, frame) -> Site | None:
        """The selected site this ``tape.gradient`` call belongs to, or None."""
        while frame is not None and _is_internal(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is None:
            return None
        filename = frame.f_code.co_filename
        if filename == self.script:
            start, end = self._call_span(frame)
        elif "__autograph_generated_file" in filename:
            mapped = _autograph_origin(frame)
            if mapped is None or mapped[0] != self.script:
                return None
            start = end = mapped[1]
        else:
            return None
        site = self.sites.get(start)
        if site is not None:
            return site
        if self.lines is not None and not any(start <= line <= end for line in self.lines):
            return None
        with self.lock:
            return self.sites.setdefault(start, Site(line=start, end_line=end))

    def _call_span(self, frame) -> tuple[int, int]:
        key = (frame.f_code, frame.f_lasti)
        span = self._span_cache.get(key)
        if span is None:
            span = (frame.f_lineno, frame.f_lineno)
            positions = getattr(frame.f_code, "co_positions", None)
            if positions is not None:
                try:
                    start, end, _, _ = list(positions())[frame.f_lasti // 2]
                    if start is not None:
                        span = (start, end or start)
                except (IndexError, ValueError):
                    pass
            self._span_cache[key] = span
        return span

    def watch(self, site: Site, sources) -> None:
        """Remember the trainable variables among ``sources`` and their values now."""
        for source in tf.nest.flatten(sources):
            variable = _underlying_variable(source)
            if variable is None or not getattr(source, "trainable", True):
                continue
            site.variables.append(variable)
            site.names.append(_variable_name(source, variable))
        with tf.init_scope():
            site.snapshot = [_read(v) for v in site.variables]

    # ------------------------------------------------------------------ eager

    def eager_gradient(self, site, original, tape, target, sources, args, kwargs):
        site.observations += 1
        if site.observations == 1:
            self.watch(site, sources)
        elif site.observations > self.steps:
            self.complete(site, self.steps)
            self.stop_if_done()
        self.emit(
            {
                "event": "progress",
                "line": site.line,
                "steps": min(site.observations - 1, self.steps),
            }
        )
        result = original(tape, target, sources, *args, **kwargs)
        with contextlib.suppress(Exception):  # diagnostics must never break the script
            self._eager_stats(site, result)
        return result

    def _eager_stats(self, site: Site, result) -> None:
        present = _record_none_gradients(site, result)
        site.grad_steps += 1
        if not present:
            site.empty_steps += 1
            return
        norm = float(tf.linalg.global_norm([_as_float(g) for g in present]).numpy())
        if not math.isfinite(norm):
            site.nonfinite_steps += 1
        elif norm == 0.0:
            site.empty_steps += 1
        else:
            site.max_norm = max(site.max_norm or 0.0, norm)

    # ------------------------------------------------------------------ graph

    def graph_gradient(self, site, original, tape, target, sources, args, kwargs):
        site.mode = "graph"
        if site.snapshot is None:
            self.watch(site, sources)
        # Replica functions of a MirroredStrategy are traced in threads of their own: they
        # belong to the compiled function that the eager code is calling right now.
        stack = self.function_stack() or self.active[-1:]
        if stack:
            functions = self.by_function.setdefault(id(stack[0]), [])
            if site not in functions:
                functions.append(site)
        result = original(tape, target, sources, *args, **kwargs)
        with contextlib.suppress(Exception):  # diagnostics must never break the script
            self._graph_stats(site, result)
        return result

    def _graph_stats(self, site: Site, result) -> None:
        present = _record_none_gradients(site, result)
        if tf.distribute.has_strategy():
            return  # replica-local variables would need an aggregation; count calls instead
        if site.stats is None:
            with tf.init_scope():
                site.stats = {
                    "count": tf.Variable(0, dtype=tf.int64, trainable=False),
                    "empty": tf.Variable(0, dtype=tf.int64, trainable=False),
                    "nonfinite": tf.Variable(0, dtype=tf.int64, trainable=False),
                    "norm": tf.Variable(0.0, dtype=tf.float32, trainable=False),
                }
        stats = site.stats
        stats["count"].assign_add(1)
        if not present:
            stats["empty"].assign_add(1)
            return
        norm = tf.linalg.global_norm([_as_float(g) for g in present])
        finite = tf.math.is_finite(norm)
        stats["nonfinite"].assign_add(tf.cast(tf.logical_not(finite), tf.int64))
        stats["empty"].assign_add(tf.cast(tf.equal(norm, 0.0), tf.int64))
        stats["norm"].assign(tf.maximum(stats["norm"], tf.where(finite, norm, 0.0)))

    def after_function(self, function) -> None:
        """Called after each eager call of a compiled function that contains sites."""
        for site in self.by_function.get(id(function), ()):
            if site.done:
                continue
            site.calls += 1
            steps = self._graph_steps(site)
            self.emit({"event": "progress", "line": site.line, "steps": min(steps, self.steps)})
            if steps >= self.steps:
                self.complete(site, steps)
        self.stop_if_done()

    def _graph_steps(self, site: Site) -> int:
        if site.stats is not None:
            return int(site.stats["count"].numpy())
        return site.calls

    # ------------------------------------------------------------------ updates

    def record_update(self, optimizer, variables) -> None:
        try:
            ids = {id(_underlying_variable(v)) for v in variables}
        except TypeError:
            return
        for site in list(self.sites.values()):
            if site.done or not (ids & site.var_ids()):
                continue
            site.update_calls += 1
            if id(optimizer) not in site.optimizers and hasattr(optimizer, "inner_optimizer"):
                with tf.init_scope():
                    start = _iterations(optimizer)
                site.optimizers[id(optimizer)] = (optimizer, start)

    # ------------------------------------------------------------------ results

    def complete(self, site: Site, steps: int) -> None:
        """Compare the watched variables with the snapshot and freeze this site's facts."""
        with self.lock:
            if site.done:
                return
            site.done = True
            site.facts = self._facts(site, steps)

    def stop_if_done(self) -> None:
        if self.lines is None:
            ready = self.sites and all(s.done for s in self.sites.values())
        else:
            ready = (
                self.sites
                and all(s.done for s in self.sites.values())
                and all(
                    any(s.line <= line <= s.end_line for s in self.sites.values())
                    for line in self.lines
                )
            )
        if ready:
            raise StopProbe

    def finish(self) -> list[dict]:
        """Facts for every site seen, completing those still open (the script ended first)."""
        with self.lock:
            self.finished = True
            for site in list(self.sites.values()):
                if not site.done:
                    steps = self._graph_steps(site) if site.mode == "graph" else site.observations
                    self.complete(site, steps)
            return [
                s.facts
                for s in sorted(self.sites.values(), key=lambda s: s.line)
                if s.facts is not None
            ]

    def _facts(self, site: Site, steps: int) -> dict:
        facts = {
            "line": site.line,
            "end_line": site.end_line,
            "mode": site.mode,
            "steps": steps,
            "variables": len(site.variables),
            "update_calls": site.update_calls,
            "none_gradients": site.none_gradients,
            "all_none": bool(site.all_none),
        }
        devices: list[str] = []
        for variable in site.variables:
            for device in _devices(variable):
                if device not in devices:
                    devices.append(device)
        facts["device_names"] = devices
        changed, unchanged, delta = 0, [], None
        if site.snapshot is not None:
            try:
                with tf.init_scope():
                    now = [_read(v) for v in site.variables]
            except Exception:  # noqa: BLE001 - e.g. a variable deleted by the script
                now = None
            if now is not None:
                for name, before, after in zip(site.names, site.snapshot, now, strict=True):
                    if before.shape == after.shape and before.tobytes() == after.tobytes():
                        unchanged.append(name)
                        continue
                    changed += 1
                    if before.shape == after.shape and before.size:
                        diff = np.abs(after.astype(np.float64) - before.astype(np.float64))
                        biggest = float(np.nanmax(diff)) if not np.all(np.isnan(diff)) else None
                        if biggest is not None:
                            delta = biggest if delta is None else max(delta, biggest)
        facts.update(changed=changed, unchanged_names=unchanged, max_abs_delta=delta)
        if site.stats is not None:
            try:
                with tf.init_scope():
                    grad_steps = int(site.stats["count"].numpy())
                    facts.update(
                        grad_steps=grad_steps,
                        empty_steps=int(site.stats["empty"].numpy()),
                        nonfinite_steps=int(site.stats["nonfinite"].numpy()),
                        grad_norm=float(site.stats["norm"].numpy()) or None,
                    )
            except Exception:  # noqa: BLE001
                pass
        elif site.mode == "eager":
            facts.update(
                grad_steps=site.grad_steps,
                empty_steps=site.empty_steps,
                nonfinite_steps=site.nonfinite_steps,
                grad_norm=site.max_norm,
            )
        skipped = None
        for optimizer, start in site.optimizers.values():
            if start is None:
                continue
            with tf.init_scope():
                now = _iterations(optimizer)
            applied = steps if now is None else now - start
            skipped = (skipped or 0) + max(steps - applied, 0)
        facts["skipped_steps"] = skipped
        return facts


# ---------------------------------------------------------------------- helpers


def _is_internal(filename: str) -> bool:
    return filename.startswith(_TF_ROOT) or filename == _THIS_FILE


def _autograph_origin(frame) -> tuple[str, int] | None:
    """Map a line of AutoGraph's generated code back to the user's file and line."""
    try:
        from tensorflow.python.util import tf_stack

        key = (frame.f_code.co_filename, frame.f_lineno)
        stacks = tf_stack._source_mapper_stacks
        own = stacks.get(threading.get_ident())
        # A distribution strategy runs converted code in replica threads whose mapper stack
        # is empty; generated file names are unique, so any thread's map can answer.
        candidates = [own] if own else []
        candidates += [s for s in list(stacks.values()) if s is not own]
        origin = None
        for mappers in candidates:
            origin = mappers[-1].get_effective_source_map().get(key)
            if origin:
                break
    except Exception:  # noqa: BLE001 - a private API; without it graph sites go unmapped
        return None
    return (origin[0], origin[1]) if origin else None


def _underlying_variable(value):
    """The ``tf.Variable`` behind a TF or Keras 3 variable, or None for a tensor."""
    if isinstance(value, tf.Variable):
        return value
    inner = getattr(value, "_value", None)
    if isinstance(inner, tf.Variable):
        return inner
    return None


def _variable_name(source, variable) -> str:
    name = getattr(source, "path", None) or getattr(variable, "name", None) or "?"
    return str(name).removesuffix(":0")


def _read(variable) -> np.ndarray:
    return np.array(variable.numpy(), copy=True)


def _devices(variable) -> list[str]:
    components = getattr(variable, "values", None)
    if isinstance(components, tuple) and components:
        return [str(getattr(c, "device", "")) for c in components if getattr(c, "device", "")]
    device = getattr(variable, "device", "")
    return [str(device)] if device else []


def _iterations(optimizer) -> int | None:
    try:
        return int(np.asarray(optimizer.iterations.numpy()))
    except Exception:  # noqa: BLE001 - not a Keras optimizer after all
        return None


def _as_float(gradient):
    if isinstance(gradient, tf.IndexedSlices):
        return tf.IndexedSlices(
            tf.cast(gradient.values, tf.float32), gradient.indices, gradient.dense_shape
        )
    return tf.cast(gradient, tf.float32)


def _record_none_gradients(site: Site, result) -> list:
    """Counts the ``None`` gradients of one call on ``site``; returns the others."""
    flat = tf.nest.flatten(result)
    present = [g for g in flat if g is not None]
    site.none_gradients = max(site.none_gradients, len(flat) - len(present))
    site.all_none = (site.all_none is not False) and not present
    return present
