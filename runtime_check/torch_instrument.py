"""The hooks the probe child puts into PyTorch; imported only in the child, after torch.

A site is a backward call in the user's script (``loss.backward()``,
``scaler.scale(loss).backward()``, ``torch.autograd.backward(...)``, ``accelerator.backward(loss)``
...), named by the line of the innermost frame of the script that led to
``torch.autograd.backward``, which every one of them goes through. Every call of a site is one
training step (one micro-batch under gradient accumulation).

Which weights a site trains is learned from its first step, not guessed: before the backward
runs, the leaves of its autograd graph (the ``AccumulateGrad`` nodes) are copied, bit for bit,
with their gradients; after it, the leaves whose gradient changed to something non-zero are
the watched parameters. A parameter that received only zero gradients is not watched: a
zero-initialised weight that stays zero is no evidence of a freeze. The leaves considered are
``nn.Parameter`` objects and tensors held by an optimizer; only when the graph has none of
those (weights kept as plain tensors, updated by hand) are plain leaves considered, and never
the backpropagated tensor itself (``torch.tensor(loss.item(), requires_grad=True)`` reaches no
weight).

``optimizer.step()`` calls are counted by PyTorch's global optimizer step hooks (a pre-hook
for calls, a post-hook for completed steps), and a ``GradScaler.step`` that skips the optimizer
(non-finite gradients) is counted as a skipped step.

When nothing (or not everything) changed after N steps, observation goes on like the
TensorFlow probe's (:mod:`gradlint.runtime_check.instrument`), up to 10 x N steps (at least
50) or 60 seconds; then :class:`StopProbe` stops the script.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from gradlint.runtime_check.observation import (  # noqa: F401 - StopProbe, NoGPU re-exported for the probe
    NoGPU,
    StopProbe,
    observation_limit,
    out_of_time,
)


@dataclass
class Watched:
    tensor: torch.Tensor
    name: str
    shape: tuple
    dtype: torch.dtype
    bits: torch.Tensor  # the value's bytes at the snapshot, on the CPU


@dataclass
class Site:
    line: int
    end_line: int
    mode: str = "eager"
    watched: list[Watched] | None = None  # None until a step gave a weight a gradient
    observed: int = 0
    next_check: int = 0
    invalid: str | None = None
    extended_at: float | None = None
    done: bool = False
    facts: dict | None = None
    grad_steps: int = 0
    empty_steps: int = 0
    nonfinite_steps: int = 0
    max_norm: float | None = None
    max_unscaled_norm: float | None = None
    last_norm: float | None = None
    scaled: bool = False
    grad_devices: list[str] = field(default_factory=list)
    all_none: bool | None = None
    none_gradients: int = 0
    #: optimizer id -> (optimizer, step calls, completed steps, scaler skips) at the snapshot
    optimizers: dict = field(default_factory=dict)


class TorchProbe:
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
        self.steps = steps
        self.lines = lines
        self.emit = emit
        self.require_gpu = require_gpu
        self.sites: dict[int, Site] = {}
        self.lock = threading.RLock()
        self.local = threading.local()
        self.finished = False
        self.optimizers: weakref.WeakSet = weakref.WeakSet()
        self.step_calls: dict[int, int] = {}
        self.step_runs: dict[int, int] = {}
        self.scaler_skips: dict[int, int] = {}
        self._span_cache: dict[tuple, tuple[int, int]] = {}
        self.dynamo_hidden = False

    # ------------------------------------------------------------------ installation

    def install(self) -> None:
        from torch.optim import optimizer as optim_module

        probe = self
        original_backward = torch.autograd.backward

        def backward(tensors, *args, **kwargs):
            if probe.finished or getattr(probe.local, "inside", False):
                return original_backward(tensors, *args, **kwargs)
            site = probe.site_for(sys._getframe(1))
            if site is None or site.done:
                return original_backward(tensors, *args, **kwargs)
            probe.local.inside = True
            try:
                return probe.observe(site, original_backward, tensors, args, kwargs)
            finally:
                probe.local.inside = False

        backward.__wrapped__ = original_backward
        torch.autograd.backward = backward

        original_init = torch.optim.Optimizer.__init__

        def init(optimizer, *args, **kwargs):
            original_init(optimizer, *args, **kwargs)
            probe.optimizers.add(optimizer)

        init.__wrapped__ = original_init
        torch.optim.Optimizer.__init__ = init

        def count(table: dict[int, int]):
            def hook(optimizer, args, kwargs):
                table[id(optimizer)] = table.get(id(optimizer), 0) + 1

            return hook

        hooks = [
            (optim_module.register_optimizer_step_pre_hook, count(self.step_calls)),
            (optim_module.register_optimizer_step_post_hook, count(self.step_runs)),
        ]
        handles = [register(hook) for register, hook in hooks]

        scaler_class = getattr(getattr(torch, "amp", None), "GradScaler", None)
        original_step = getattr(scaler_class, "step", None)

        def scaler_step(scaler, optimizer, *args, **kwargs):
            key = id(optimizer)
            before = probe.step_calls.get(key, 0)
            probe.unscale(optimizer, scaler)
            result = original_step(scaler, optimizer, *args, **kwargs)
            if probe.step_calls.get(key, 0) == before:
                probe.scaler_skips[key] = probe.scaler_skips.get(key, 0) + 1
            return result

        if original_step is not None:
            scaler_step.__wrapped__ = original_step
            scaler_class.step = scaler_step

        original_compile = torch.compile

        def compile_(*args, **kwargs):
            # TorchDynamo would trace into the hooks (a compiled training step calls backward
            # and step); disabled for it, they run as plain Python between compiled graphs.
            # Done at the first compile only: importing TorchDynamo costs seconds.
            if not probe.dynamo_hidden:
                probe.dynamo_hidden = True
                disable = torch.compiler.disable
                torch.autograd.backward = disable(backward)
                for handle in handles:
                    handle.remove()
                for register, hook in hooks:
                    register(disable(hook))
                if original_step is not None:
                    scaler_class.step = disable(scaler_step)
            return original_compile(*args, **kwargs)

        compile_.__wrapped__ = original_compile
        torch.compile = compile_

    # ------------------------------------------------------------------ sites

    def site_for(self, frame) -> Site | None:
        """The selected site of this backward: the innermost frame of the script."""
        while frame is not None and frame.f_code.co_filename != self.script:
            frame = frame.f_back
        if frame is None:
            return None
        start, end = self._call_span(frame)
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
            try:
                start, end, _, _ = list(frame.f_code.co_positions())[frame.f_lasti // 2]
                if start is not None:
                    span = (start, end or start)
            except (AttributeError, IndexError, ValueError):
                pass
            self._span_cache[key] = span
        return span

    # ------------------------------------------------------------------ one step

    def observe(self, site: Site, original, tensors, args, kwargs):
        if self.require_gpu:
            self.require_gpu = False
            if not torch.cuda.is_available():
                raise NoGPU
        roots = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
        if site.watched is None:
            return self._first_step(site, original, roots, tensors, args, kwargs)
        site.observed += 1
        if site.observed >= site.next_check or self._out_of_time(site):
            self.check(site, site.observed)
            self.stop_if_done()
        self.emit({"event": "progress", "line": site.line, "steps": min(site.observed, self.steps)})
        result = original(tensors, *args, **kwargs)
        with contextlib.suppress(Exception):  # diagnostics must never break the script
            self._stats(site, [w.tensor for w in site.watched])
        return result

    def _first_step(self, site: Site, original, roots, tensors, args, kwargs):
        """Copy the candidate leaves, run the backward, and watch those that got a gradient.

        Until a step gives some weight a non-zero gradient, the site waits (each such step
        counts as an empty gradient step), so a loss cut from the weights ends no-gradient.
        Whatever goes wrong in the probe's own work ends the site's observation (an
        ``error``), never the user's backward."""
        try:
            before = self._before_first(site, roots)
        except Exception as exc:  # noqa: BLE001 - e.g. a tensor type that cannot be copied
            self._give_up(site, exc)
            return original(tensors, *args, **kwargs)
        result = original(tensors, *args, **kwargs)
        try:
            self._after_first(site, before)
        except Exception as exc:  # noqa: BLE001
            self._give_up(site, exc)
        return result

    def _before_first(self, site: Site, roots) -> list:
        leaves, compiled = self._leaves(roots)
        if compiled:
            site.mode = "graph"
        before = [(leaf, _bits(leaf), _grad_bits(leaf)) for leaf in leaves]
        if not any(root.requires_grad for root in roots):
            # PyTorch raises "element 0 of tensors does not require grad": nothing reached a
            # weight, which is the evidence even though the script stops here.
            site.all_none = True
            site.grad_steps += 1
            site.empty_steps += 1
        return before

    def _after_first(self, site: Site, before: list) -> None:
        received = []
        for leaf, bits, grad in before:
            new = _grad_bits(leaf)
            if new is None or (grad is not None and torch.equal(new, grad)):
                continue
            if leaf.grad is not None and _is_zero(leaf.grad, grad_before=grad):
                continue
            received.append((leaf, bits))
        site.grad_steps += 1
        if not received:
            site.empty_steps += 1
            site.all_none = site.all_none is not False and all(
                leaf.grad is None for leaf, _, _ in before
            )
            if site.grad_steps >= self.steps:
                self.check(site, 0, final=True)
                self.stop_if_done()
            return
        site.all_none = False
        names = self._names({id(leaf) for leaf, _ in received})
        site.watched = [
            Watched(
                leaf,
                names.get(id(leaf)) or _fallback_name(i, leaf),
                tuple(leaf.shape),
                leaf.dtype,
                bits,
            )
            for i, (leaf, bits) in enumerate(received)
        ]
        site.next_check = self.steps
        ids = {id(w.tensor) for w in site.watched}
        for optimizer in list(self.optimizers):
            if any(id(p) in ids for group in optimizer.param_groups for p in group["params"]):
                key = id(optimizer)
                site.optimizers[key] = (
                    optimizer,
                    self.step_calls.get(key, 0),
                    self.step_runs.get(key, 0),
                    self.scaler_skips.get(key, 0),
                )
        with contextlib.suppress(Exception):  # diagnostics must never break the script
            self._stats(site, [w.tensor for w in site.watched], count=False)
        self.emit({"event": "progress", "line": site.line, "steps": 0})

    def _give_up(self, site: Site, exc: Exception) -> None:
        with self.lock:
            site.invalid = f"the probe could not watch the parameters ({type(exc).__name__}: {exc})"
            site.done = True
            site.facts = self._facts(site, site.observed)

    def _leaves(self, roots) -> tuple[list[torch.Tensor], bool]:
        """The weights a backward from ``roots`` can reach, and whether it passes through a
        compiled (``torch.compile``) graph."""
        seen: set[int] = set()
        found: dict[int, torch.Tensor] = {}
        compiled = False
        pending = [r.grad_fn for r in roots if isinstance(r, torch.Tensor) and r.grad_fn]
        while pending:
            node = pending.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            name = type(node).__name__
            if "Compiled" in name:
                compiled = True
            variable = getattr(node, "variable", None)
            if isinstance(variable, torch.Tensor):
                found.setdefault(id(variable), variable)
            pending.extend(nxt for nxt, _ in getattr(node, "next_functions", ()) if nxt)
        root_ids = {id(r) for r in roots}
        in_optimizer = {
            id(p) for o in list(self.optimizers) for g in o.param_groups for p in g["params"]
        }
        weights = [
            t
            for key, t in found.items()
            if isinstance(t, torch.nn.Parameter) or key in in_optimizer
        ]
        if not weights:
            weights = [t for key, t in found.items() if key not in root_ids]
        return weights, compiled

    def _names(self, ids: set[int]) -> dict[int, str]:
        """Names of the watched tensors: ``model.fc.weight`` from a module the script holds
        in a variable (innermost frame first), else the parameter's name in any module."""
        names: dict[int, str] = {}
        frame = sys._getframe(1)
        scopes = []
        while frame is not None:
            if frame.f_code.co_filename == self.script:
                scopes.append(frame.f_locals)
                scopes.append(frame.f_globals)
            frame = frame.f_back
        for scope in scopes:
            for variable, value in list(scope.items()):
                for owner, module in _modules_in(variable, value):
                    for pname, param in module.named_parameters():
                        if id(param) in ids and id(param) not in names:
                            names[id(param)] = f"{owner}.{_clean(pname)}"
                if isinstance(value, torch.Tensor) and id(value) in ids and id(value) not in names:
                    names[id(value)] = variable
        if len(names) < len(ids):
            import gc

            for obj in gc.get_objects():
                if isinstance(obj, torch.nn.Module) and not obj._modules.get("_orig_mod"):
                    for pname, param in obj.named_parameters():
                        if id(param) in ids and id(param) not in names:
                            names[id(param)] = _clean(pname)
        return names

    def _stats(self, site: Site, tensors: list[torch.Tensor], count: bool = True) -> None:
        """Gradient statistics of one step (``count``: it is not the first, counted already)."""
        grads = [t.grad for t in tensors if t.grad is not None]
        site.none_gradients = max(site.none_gradients, len(tensors) - len(grads))
        site.last_norm = None
        if count:
            site.grad_steps += 1
        for grad in grads[:4]:
            device = str(grad.device)
            if device not in site.grad_devices:
                site.grad_devices.append(device)
        if not grads:
            site.empty_steps += count
            return
        with torch.no_grad():
            norms = [torch.linalg.vector_norm(g.detach().float()).cpu() for g in grads]
            norm = float(torch.linalg.vector_norm(torch.stack(norms)))
        if not math.isfinite(norm):
            site.nonfinite_steps += 1
        elif norm > 0.0:
            site.max_norm = max(site.max_norm or 0.0, norm)
            site.last_norm = norm
        else:
            site.empty_steps += count

    def unscale(self, optimizer, scaler) -> None:
        """The site's gradients are of the scaled loss: divide this step's norm by the scale
        (read before ``GradScaler.update`` changes it)."""
        for site in self.sites.values():
            if site.done or id(optimizer) not in site.optimizers:
                continue
            site.scaled = True
            if site.last_norm is None:
                continue
            try:
                scale = float(scaler.get_scale())
            except Exception:  # noqa: BLE001 - diagnostics must never break the script
                scale = 0.0
            if scale and math.isfinite(scale):
                site.max_unscaled_norm = max(site.max_unscaled_norm or 0.0, site.last_norm / scale)
            site.last_norm = None

    # ------------------------------------------------------------------ results

    def limit(self) -> int:
        return observation_limit(self.steps)

    def _out_of_time(self, site: Site) -> bool:
        return out_of_time(site.extended_at)

    def check(self, site: Site, steps: int, final: bool = False) -> None:
        with self.lock:
            if site.done:
                return
            facts = self._facts(site, steps)
            unchanged = facts["changed"] < facts["variables"]
            if (
                not final
                and unchanged
                and not facts.get("invalid")
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
        sites = list(self.sites.values())
        ready = bool(sites) and all(s.done for s in sites)
        if ready and self.lines is not None:
            ready = all(any(s.line <= ln <= s.end_line for s in sites) for ln in self.lines)
        if ready:
            raise StopProbe

    def finish(self) -> list[dict]:
        with self.lock:
            self.finished = True
            for site in list(self.sites.values()):
                if not site.done:
                    self.check(site, site.observed, final=True)
            return [
                s.facts
                for s in sorted(self.sites.values(), key=lambda s: s.line)
                if s.facts is not None
            ]

    def _facts(self, site: Site, steps: int) -> dict:
        watched = site.watched or []
        facts = {
            "framework": "torch",
            "line": site.line,
            "end_line": site.end_line,
            "mode": site.mode,
            "steps": steps if site.watched is not None else 0,
            "variables": len(watched),
            "none_gradients": site.none_gradients,
            "all_none": bool(site.all_none),
            "extended": site.extended_at is not None,
            "gradient_devices": list(site.grad_devices),
            "grad_steps": site.grad_steps,
            "empty_steps": site.empty_steps,
            "nonfinite_steps": site.nonfinite_steps,
            "grad_norm": site.max_unscaled_norm if site.scaled else site.max_norm,
        }
        devices: list[str] = []
        for w in watched:
            if str(w.tensor.device) not in devices:
                devices.append(str(w.tensor.device))
        facts["device_names"] = devices
        changed, unchanged, delta, invalid = 0, [], None, None
        for w in watched:
            now = w.tensor
            if tuple(now.shape) != w.shape or now.dtype != w.dtype:
                invalid = (
                    f"parameter {w.name} was {_dtype(w.dtype)}{list(w.shape)} at the snapshot "
                    f"and is {_dtype(now.dtype)}{list(now.shape)} now"
                )
                break
            try:
                bits = _bits(now)
            except Exception as exc:  # noqa: BLE001 - e.g. a tensor the script freed
                invalid = f"parameter {w.name} could not be read again ({exc})"
                break
            if torch.equal(bits, w.bits):
                unchanged.append(w.name)
                continue
            changed += 1
            with torch.no_grad():
                before = w.bits.view(w.dtype).double()
                after = bits.view(w.dtype).double()
                diff = (after - before).abs()
                diff = diff[~torch.isnan(diff)]
                if diff.numel():
                    biggest = float(diff.max())
                    delta = biggest if delta is None else max(delta, biggest)
        invalid = site.invalid or invalid
        if invalid:
            changed, unchanged, delta = 0, [], None
        facts.update(
            changed=changed, unchanged_names=unchanged, max_abs_delta=delta, invalid=invalid
        )
        calls = runs = skips = 0
        scaled = site.scaled
        for key, (_, calls0, runs0, skips0) in site.optimizers.items():
            calls += self.step_calls.get(key, 0) - calls0
            runs += self.step_runs.get(key, 0) - runs0
            skipped = self.scaler_skips.get(key, 0) - skips0
            skips += skipped
            scaled = scaled or key in self.scaler_skips
        facts["update_calls"] = calls + skips
        facts["update_executions"] = runs if site.watched is not None else None
        facts["skipped_steps"] = skips if scaled else None
        return facts


# ---------------------------------------------------------------------- helpers


def _bits(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor's bytes, copied to the CPU: equal bits, not equal values (NaN, -0.0)."""
    with torch.no_grad():
        value = tensor.detach()
        if value.layout != torch.strided:
            value = value.to_dense()
        flat = value.contiguous().reshape(-1)
        if flat.dtype == torch.bool:
            flat = flat.to(torch.uint8)
        return flat.view(torch.uint8).to("cpu", copy=True)


def _grad_bits(tensor: torch.Tensor) -> torch.Tensor | None:
    grad = tensor.grad
    return None if grad is None else _bits(grad)


def _is_zero(grad: torch.Tensor, grad_before: torch.Tensor | None) -> bool:
    """Whether this backward added nothing but zeros to ``grad``."""
    with torch.no_grad():
        now = grad.detach()
        if now.layout != torch.strided:
            now = now.to_dense()
        if grad_before is not None:
            before = grad_before.view(now.dtype).reshape(now.shape).to(now.device)
            now = now - before
        return not bool(torch.any(now != 0))


def _modules_in(variable: str, value):
    """``(name, module)`` for a module held in a variable, or as an attribute of an object
    held in one (``self.model`` in a trainer)."""
    if isinstance(value, torch.nn.Module):
        yield variable, _unwrap(value)
        return
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict) and not isinstance(value, type):
        for attr, inner in list(attributes.items()):
            if isinstance(inner, torch.nn.Module):
                yield f"{variable}.{attr}", _unwrap(inner)


def _unwrap(module):
    inner = getattr(module, "_orig_mod", None)  # torch.compile's OptimizedModule
    return inner if isinstance(inner, torch.nn.Module) else module


def _clean(name: str) -> str:
    """A parameter name without the prefixes of wrappers (torch.compile, DataParallel)."""
    return name.replace("_orig_mod.", "").removeprefix("module.")


def _fallback_name(index: int, tensor: torch.Tensor) -> str:
    return f"tensor {index} ({_dtype(tensor.dtype)}{list(tensor.shape)})"


def _dtype(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")
