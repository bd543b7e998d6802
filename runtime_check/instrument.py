"""The hooks the probe child puts into TensorFlow and Keras; imported only after TensorFlow.

A site is a ``tape.gradient`` call in the user's script, named by the line of the call. Two
ways of watching it, because a compiled step runs its Python only once, while tracing:

* **eager**: every call of the site is one training step. The first one snapshots the watched
  variables; the call after N steps happens before the (N+1)th update, so comparing then sees
  exactly N updates. Under a distribution strategy only the first replica's calls count: a
  training step is one call per replica.
* **graph** (the site is traced inside a ``tf.function``): a few ops added to the traced graph
  count the executions and keep gradient statistics in variables of our own, so XLA and
  ``while`` loops work too. After each call of the outermost compiled function that contains
  the site (made from eager code), those counters are read, and after N steps the variables
  are compared.

The "before" snapshot is taken when the variables first hold values and the site has not yet
run with them: at a trace when every watched variable is initialized (a trace always precedes
the execution it belongs to), else after the first execution of the compiled function (weights
created inside the first trace are initialized by then), counting steps from there. An
uninitialized variable is never read, and a variable whose shape or dtype differs between the
snapshot and the comparison makes the observation invalid, never a change.

When nothing (or not everything) changed after N steps, the site keeps being observed, with a
comparison at 2N, 4N, ... steps, up to :data:`EXTEND_STEPS_FACTOR` x N steps (at least
:data:`EXTEND_MIN_STEPS`) or :data:`EXTEND_SECONDS` seconds, so an update applied every k steps
(gradient accumulation) is seen. When every selected site is done, :class:`StopProbe` stops the
script; it derives from ``BaseException`` so that a user's ``except Exception`` cannot swallow
it.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from tensorflow.python.eager import backprop
from tensorflow.python.eager.polymorphic_function import polymorphic_function

from gradlint.runtime_check.observation import (  # noqa: F401 - StopProbe, NoGPU re-exported for the probe
    NoGPU,
    StopProbe,
    observation_limit,
    out_of_time,
)

_TF_ROOT = os.path.dirname(os.path.abspath(backprop.__file__)).rsplit(os.sep + "python", 1)[0]
_THIS_FILE = os.path.abspath(__file__)


@dataclass
class Site:
    line: int
    end_line: int
    mode: str = "eager"
    names: list[str] = field(default_factory=list)
    variables: list = field(default_factory=list)  # the underlying tf.Variable objects
    snapshot: list[np.ndarray] | None = None
    #: Executions of the site already counted when the snapshot was taken (graph mode).
    base: int = 0
    #: Steps observed since the snapshot (eager mode).
    observed: int = 0
    next_check: int = 0
    #: When a comparison first found unchanged variables and observation went on.
    extended_at: float | None = None
    done: bool = False
    facts: dict | None = None
    # eager gradient statistics
    grad_steps: int = 0
    empty_steps: int = 0
    nonfinite_steps: int = 0
    max_norm: float | None = None
    max_unscaled_norm: float | None = None
    last_norm: float | None = None  # this step's norm, until a loss-scale optimizer unscales it
    grad_devices: list[str] = field(default_factory=list)
    none_gradients: int = 0
    all_none: bool | None = None
    update_calls: int = 0
    #: id -> [optimizer, its iterations when the snapshot was taken (None: unknown)]
    optimizers: dict = field(default_factory=dict)
    loss_scaled: bool = False
    # graph mode
    calls: int = 0
    stats: dict | None = None  # name -> tf.Variable, created once, outside any graph
    pending_norm: tuple | None = None  # (norm, finite) of the last traced call

    def var_ids(self) -> set[int]:
        return {id(v) for v in self.variables}


class Probe:
    """All state of one child run. ``emit`` sends one JSON-able event to the parent."""

    def __init__(
        self,
        script: str,
        steps: int,
        lines: list[int] | None,
        emit: Callable[[dict], None],
        require_gpu: bool = False,
    ) -> None:
        self.script = script
        #: The GPU child checks at the first site, after the script chose its devices.
        self.require_gpu = require_gpu
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
            if probe.require_gpu:
                probe.require_gpu = False
                if not tf.config.list_logical_devices("GPU"):
                    raise NoGPU
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
        """Remember the trainable variables among ``sources`` (once: a retrace differentiates
        the same weights)."""
        if site.variables:
            return
        for source in tf.nest.flatten(sources):
            variable = _underlying_variable(source)
            if variable is None or not getattr(source, "trainable", True):
                continue
            site.variables.append(variable)
            site.names.append(_variable_name(source, variable))
        site.next_check = self.steps

    def take_snapshot(self, site: Site) -> bool:
        """Copy the watched values, unless one is not initialized yet; False then."""
        with tf.init_scope():
            if not all(_initialized(v) for v in site.variables):
                return False
            values = [_read(v) for v in site.variables]
            for variable, value in zip(site.variables, values, strict=True):
                shape = variable.shape
                if shape.is_fully_defined() and tuple(shape.as_list()) != value.shape:
                    return False  # read before its initial value was assigned
            site.snapshot = values
            site.base = self._executions(site) if site.mode == "graph" else 0
            for entry in site.optimizers.values():
                entry[1] = _iterations(entry[0])
        return True

    # ------------------------------------------------------------------ eager

    def eager_gradient(self, site, original, tape, target, sources, args, kwargs):
        if not _first_replica():
            # One training step calls the site once per replica; the first replica counts.
            return original(tape, target, sources, *args, **kwargs)
        if site.snapshot is None:
            self.watch(site, sources)
            self.take_snapshot(site)
        else:
            site.observed += 1
            if site.observed >= site.next_check or self._out_of_time(site):
                self.check(site, site.observed)
                self.stop_if_done()
        self.emit({"event": "progress", "line": site.line, "steps": min(site.observed, self.steps)})
        result = original(tape, target, sources, *args, **kwargs)
        with contextlib.suppress(Exception):  # diagnostics must never break the script
            self._eager_stats(site, result)
        return result

    def _eager_stats(self, site: Site, result) -> None:
        present = _record_none_gradients(site, result)
        site.grad_steps += 1
        site.last_norm = None
        if not present:
            site.empty_steps += 1
            return
        for gradient in present[:4]:
            device = getattr(getattr(gradient, "values", gradient), "device", "")
            if device and device not in site.grad_devices:
                site.grad_devices.append(str(device))
        norm = float(tf.linalg.global_norm([_as_float(g) for g in present]).numpy())
        if not math.isfinite(norm):
            site.nonfinite_steps += 1
        elif norm == 0.0:
            site.empty_steps += 1
        else:
            site.max_norm = max(site.max_norm or 0.0, norm)
            site.last_norm = norm

    # ------------------------------------------------------------------ graph

    def graph_gradient(self, site, original, tape, target, sources, args, kwargs):
        site.mode = "graph"
        self.watch(site, sources)
        if site.snapshot is None:
            # At trace time: nothing traced now has run yet. Weights created by this very
            # trace are not initialized; their snapshot waits for a later trace or the end
            # of the first execution.
            self.take_snapshot(site)
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
        site.pending_norm = None
        if tf.distribute.has_strategy():
            return  # replica-local variables would need an aggregation; count calls instead
        if site.stats is None:
            with tf.init_scope():
                site.stats = {
                    "count": tf.Variable(0, dtype=tf.int64, trainable=False),
                    "empty": tf.Variable(0, dtype=tf.int64, trainable=False),
                    "nonfinite": tf.Variable(0, dtype=tf.int64, trainable=False),
                    "norm": tf.Variable(0.0, dtype=tf.float32, trainable=False),
                    "unscaled": tf.Variable(0.0, dtype=tf.float32, trainable=False),
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
        site.pending_norm = (norm, finite)

    def after_function(self, function) -> None:
        """Called after each eager call of a compiled function that contains sites."""
        for site in self.by_function.get(id(function), ()):
            if site.done:
                continue
            site.calls += 1
            if site.snapshot is None:
                # Weights created inside the first trace were initialized by the execution
                # that just ended: the steps are counted from here.
                self.take_snapshot(site)
                continue
            steps = self._graph_steps(site)
            self.emit({"event": "progress", "line": site.line, "steps": min(steps, self.steps)})
            if steps >= site.next_check or self._out_of_time(site):
                self.check(site, steps)
        self.stop_if_done()

    def _executions(self, site: Site) -> int:
        if site.stats is not None:
            return int(site.stats["count"].numpy())
        return site.calls

    def _graph_steps(self, site: Site) -> int:
        if site.snapshot is None:
            return 0
        with tf.init_scope():
            return self._executions(site) - site.base

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
            if id(optimizer) not in site.optimizers:
                start = None
                if site.snapshot is not None:
                    with tf.init_scope():
                        start = _iterations(optimizer)
                site.optimizers[id(optimizer)] = [optimizer, start]
            if hasattr(optimizer, "inner_optimizer"):
                site.loss_scaled = True
                with contextlib.suppress(Exception):  # diagnostics must never break the script
                    self._unscale(site, optimizer)

    def _unscale(self, site: Site, optimizer) -> None:
        """The gradients at the site are of the scaled loss: divide this step's norm by the
        loss scale, read before the update changes it."""
        scale = _loss_scale(optimizer)
        if scale is None:
            return
        if tf.executing_eagerly():
            if site.last_norm is not None:
                value = site.last_norm / float(np.asarray(scale))
                site.max_unscaled_norm = max(site.max_unscaled_norm or 0.0, value)
                site.last_norm = None
            return
        if site.pending_norm is None or site.stats is None:
            return
        norm, finite = site.pending_norm
        site.pending_norm = None
        unscaled = tf.where(finite, norm / tf.cast(scale, tf.float32), 0.0)
        site.stats["unscaled"].assign(tf.maximum(site.stats["unscaled"], unscaled))

    # ------------------------------------------------------------------ results

    def limit(self) -> int:
        return observation_limit(self.steps)

    def _out_of_time(self, site: Site) -> bool:
        return out_of_time(site.extended_at)

    def check(self, site: Site, steps: int, final: bool = False) -> None:
        """Compare the watched variables with the snapshot; conclude, or keep observing when
        some did not change (an update every few steps would be missed)."""
        with self.lock:
            if site.done:
                return
            facts = self._facts(site, steps)
            unchanged = facts["changed"] < facts["variables"]
            empty = site.all_none or (site.grad_steps and site.empty_steps == site.grad_steps)
            if (
                not final
                and unchanged
                and not facts.get("invalid")
                and not empty
                and steps < self.limit()
                and not self._out_of_time(site)
            ):
                if site.extended_at is None:
                    site.extended_at = time.monotonic()
                site.next_check = min(self.limit(), max(steps + 1, 2 * steps))
                return
            site.done = True
            site.facts = facts

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
                    steps = self._graph_steps(site) if site.mode == "graph" else site.observed
                    self.check(site, steps, final=True)
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
            "steps": steps if site.snapshot is not None else 0,
            "variables": len(site.variables),
            "update_calls": site.update_calls,
            "none_gradients": site.none_gradients,
            "all_none": bool(site.all_none),
            "extended": site.extended_at is not None,
            "gradient_devices": list(site.grad_devices),
        }
        devices: list[str] = []
        for variable in site.variables:
            for device in _devices(variable):
                if device not in devices:
                    devices.append(device)
        facts["device_names"] = devices
        changed, unchanged, delta, invalid = 0, [], None, None
        if site.snapshot is not None:
            try:
                with tf.init_scope():
                    if not all(_initialized(v) for v in site.variables):
                        raise ValueError("a watched variable is no longer initialized")
                    now = [_read(v) for v in site.variables]
            except Exception as exc:  # noqa: BLE001 - e.g. a variable deleted by the script
                now = None
                invalid = f"the watched variables could not be read again ({exc})"
            for name, before, after in zip(site.names, site.snapshot, now or (), strict=False):
                if before.shape != after.shape or before.dtype != after.dtype:
                    invalid = (
                        f"variable {name} was {before.dtype}{list(before.shape)} at the "
                        f"snapshot and is {after.dtype}{list(after.shape)} now"
                    )
                    break
                if before.tobytes() == after.tobytes():
                    unchanged.append(name)
                    continue
                changed += 1
                if before.size:
                    diff = np.abs(after.astype(np.float64) - before.astype(np.float64))
                    biggest = float(np.nanmax(diff)) if not np.all(np.isnan(diff)) else None
                    if biggest is not None:
                        delta = biggest if delta is None else max(delta, biggest)
        if invalid:
            changed, unchanged, delta = 0, [], None
        facts.update(
            changed=changed, unchanged_names=unchanged, max_abs_delta=delta, invalid=invalid
        )
        if site.stats is not None:
            try:
                with tf.init_scope():
                    grad_steps = int(site.stats["count"].numpy())
                    norm = site.stats["unscaled" if site.loss_scaled else "norm"]
                    facts.update(
                        grad_steps=grad_steps,
                        empty_steps=int(site.stats["empty"].numpy()),
                        nonfinite_steps=int(site.stats["nonfinite"].numpy()),
                        grad_norm=float(norm.numpy()) or None,
                    )
            except Exception:  # noqa: BLE001
                pass
        elif site.mode == "eager":
            facts.update(
                grad_steps=site.grad_steps,
                empty_steps=site.empty_steps,
                nonfinite_steps=site.nonfinite_steps,
                grad_norm=site.max_unscaled_norm if site.loss_scaled else site.max_norm,
            )
        executed, skipped = None, None
        for optimizer, start in site.optimizers.values():
            if start is None:
                continue
            with tf.init_scope():
                now_iterations = _iterations(optimizer)
            if now_iterations is None:
                continue
            applied = now_iterations - start
            executed = (executed or 0) + applied
            if hasattr(optimizer, "inner_optimizer"):
                skipped = (skipped or 0) + max(steps - applied, 0)
        if executed is None and site.mode == "eager" and site.snapshot is not None:
            executed = site.update_calls
        facts["update_executions"] = executed
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


def _initialized(variable) -> bool:
    """Whether ``variable`` holds a value (one created inside a trace does not, until the
    function runs); reading it before would give garbage, not an error."""
    try:
        return bool(np.asarray(variable.is_initialized()))
    except Exception:  # noqa: BLE001 - no such method: an eager variable, always initialized
        return hasattr(variable, "numpy")


def _iterations(optimizer) -> int | None:
    try:
        iterations = _underlying_variable(optimizer.iterations)
        if iterations is None or not _initialized(iterations):
            return None
        return int(np.asarray(iterations.numpy()))
    except Exception:  # noqa: BLE001 - not a Keras optimizer after all
        return None


def _loss_scale(optimizer):
    """The loss scale a loss-scale optimizer multiplies the loss by at this step."""
    if getattr(optimizer, "built", True) and hasattr(optimizer, "dynamic_scale"):
        variable = _underlying_variable(optimizer.dynamic_scale)
        return optimizer.dynamic_scale if variable is None else variable
    for name in ("initial_scale", "loss_scale"):
        value = getattr(optimizer, name, None)
        if value is not None:
            return value
    return None


def _first_replica() -> bool:
    """False in the replica threads of a distribution strategy other than the first."""
    try:
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return True
        return int(tf.get_static_value(context.replica_id_in_sync_group)) == 0
    except Exception:  # noqa: BLE001 - a strategy without static replica ids
        return True


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
