"""Commented-out optimizer steps: ``# optimizer.step()`` after a backward nothing steps.

The comments are read exactly as for TensorFlow's commented-out updates (the collector, the
statement parser and the uncomment fix of :mod:`gradlint.analyzer.comments`); only what
counts as an update and which code it must serve differ: a step (``opt.step()``,
``scaler.step(opt)``) in the scope of a backward whose ``.grad`` no step consumes
(:mod:`gradlint.analyzer.steps`). A commented step next to a live one is an old variant.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.comments import (
    _chain_blocks,
    _uncomment_edit,
    collect_comments,
    commented_statements,
)
from gradlint.analyzer.findings import Edit
from gradlint.analyzer.scopes import Scope

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.facts import Facts
    from gradlint.analyzer.steps import BackwardSite, StepIndex

#: Cheap text test before any tree walk: a comment holding a ``.step(`` call.
_CANDIDATE = re.compile(r"#[^\n]*\.step\s*\(")


@dataclass
class CommentedStep:
    #: The comment nodes holding the statement, first to last.
    comments: list[cst.Comment]
    statement: str
    scope: Scope
    site: BackwardSite
    #: Replacement edit (uncommented lines), or None when the indentation is ambiguous.
    edit: Edit | None
    #: The comment sits in one branch of an ``if`` whose other branch steps: only the paths
    #: through this branch lose their update.
    in_branch: bool = False
    #: The comment sits in a helper without a backward, called here in one branch of an
    #: ``if`` whose other branch steps, after the backward (the call's caller and the call).
    called_from: tuple[Scope, cst.Call] | None = None


def find_commented_steps(ctx: ModuleContext, facts: Facts) -> list[CommentedStep]:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.commented_steps`."""
    if not _CANDIDATE.search(ctx.unit.text):
        return []
    index = facts.torch_steps
    unstepped: dict[Scope, BackwardSite] = {}
    for site in index.backward_sites:
        consumption = index.consumption(site)
        if consumption.intent and not consumption.consumed:
            unstepped.setdefault(site.scope, site)
    found: list[CommentedStep] = []
    for scope, site in unstepped.items():
        for group in _step_groups(collect_comments(scope).groups):
            found.extend(_steps_in(ctx, index, scope, site, group))
        found.extend(_closure_steps(ctx, index, scope, site))
    found.extend(_in_branches(ctx, index, set(unstepped)))
    found.extend(_in_helpers_of_a_branch(ctx, facts, index))
    if found and not facts.slice_answers(step.scope for step in found):
        from gradlint.analyzer.context import NeedsWholeFile

        raise NeedsWholeFile("commented step")  # the caller that steps may be sliced away
    return found


def _step_groups(groups: list) -> list:
    """The comment groups with a ``.step(`` call in one of their lines."""
    return [g for g in groups if any(_CANDIDATE.search(c.value) for c, _ in g)]


def _closure_steps(
    ctx: ModuleContext, index: StepIndex, scope: Scope, site: BackwardSite
) -> list[CommentedStep]:
    """``# optimizer.step(closure)`` in the function around the closure that backpropagates:
    the closure's backward runs only through that step."""
    parent = scope.parent
    if parent is None or parent.is_module or scope.class_node is not None:
        return []
    found: list[CommentedStep] = []
    for group in _step_groups(collect_comments(parent).groups):
        found += [
            step
            for step in _steps_in(ctx, index, parent, site, group)
            if _hands_over(step.statement, scope.name)
        ]
    return found


def _hands_over(statement: str, name: str) -> bool:
    """The step call takes the function ``name`` as an argument (``step(closure=name)``)."""
    return re.search(rf"[(,=]\s*{re.escape(name)}\s*[,)]", statement) is not None


def _in_branches(ctx: ModuleContext, index: StepIndex, done: set[Scope]) -> list[CommentedStep]:
    """A commented step in one branch of an ``if`` whose other branch steps (pytorch/examples'
    ``if args.use_optimizer: optimizer.step() else: p.data.add_(p.grad, alpha=-lr)`` with
    the first step commented out): the backward before it is consumed on the other
    branch's paths only, and on this branch's the comment is the update. A commented
    alternative beside a live step in the same block, and a step after the ``if`` (which
    runs on every path), keep it quiet, as for TensorFlow's commented updates."""
    by_scope: dict[Scope, list[BackwardSite]] = {}
    for site in index.backward_sites:
        if site.scope not in done:
            consumption = index.consumption(site)
            if consumption.intent and consumption.consumed:
                by_scope.setdefault(site.scope, []).append(site)
    found: list[CommentedStep] = []
    for scope, sites in by_scope.items():
        collector = collect_comments(scope)
        for group in _step_groups(collector.groups):
            branch = collector.branch_of.get(id(group[0][0]))
            if branch is None:
                continue
            chain, block = branch
            site = _stepped_in_other_branches(ctx, index, scope, sites, chain, block)
            if site is not None:
                for step in _steps_in(ctx, index, scope, site, group):
                    step.in_branch = True
                    found.append(step)
    return found


def _in_helpers_of_a_branch(
    ctx: ModuleContext, facts: Facts, index: StepIndex
) -> list[CommentedStep]:
    """A commented step in a helper that has no step and no backward of its own, which the
    training step calls in one branch of an ``if`` after its backward, while the other
    branch calls the helper that steps (improved-diffusion's ``run_step``:
    ``forward_backward()``, then ``optimize_fp16()`` or ``optimize_normal()``)."""
    found: list[CommentedStep] = []
    for helper in index.scopes:
        info = index.info[helper]
        if helper.is_module or info.steps or info.backwards:
            continue
        groups = _step_groups(collect_comments(helper).groups)
        if not groups:
            continue
        for caller, call in index.callers.get(helper, []):
            site = _branch_after_backward(ctx, facts, index, caller, call, helper)
            if site is None:
                continue
            for group in groups:
                for step in _steps_in(ctx, index, helper, site, group):
                    step.in_branch = True
                    step.called_from = (caller, call)
                    found.append(step)
            break
    return found


def _branch_after_backward(
    ctx: ModuleContext, facts: Facts, index: StepIndex, caller: Scope, call: cst.Call, helper
) -> BackwardSite | None:
    """The consumed backward that runs before ``call`` in ``caller`` (its own, or one of a
    helper called before), when ``call`` sits in one branch of an ``if`` whose other branch
    steps (itself or through a helper) and nothing outside that ``if`` steps."""
    layout = facts.layout(caller)
    at = layout.calls.get(call)
    if at is None:
        return None
    branch = next(((n, label) for n, label in reversed(at.chain) if isinstance(n, cst.If)), None)
    if branch is None:
        return None
    chain, label = branch
    other = chain.orelse if label == "body" else chain.body
    if other is None:
        return None
    inside = _node_ids(other)
    whole = _node_ids(chain)
    info = index.info[caller]

    resolved = index.callees(caller)

    def steps(call: cst.Call) -> bool:
        return any(callee is not helper and index.info[callee].steps for callee in resolved[call])

    if any(id(s.node) not in inside for s in info.steps):
        return None  # a step outside the other branch runs on this path too
    stepping = [c for c, _name, _receiver in info.calls if steps(c)]
    if not any(id(c) in inside for c in stepping) and not any(
        id(s.node) in inside for s in info.steps
    ):
        return None
    if any(id(c) not in whole for c in stepping):
        return None  # a helper that steps is called outside the ``if``
    start = ctx.position(chain).start.line
    candidates = [s for s in info.backwards if ctx.position(s.call).start.line < start]
    for c, _name, _receiver in info.calls:
        if ctx.position(c).start.line < start:
            for callee in resolved[c]:
                candidates += index.info[callee].backwards
    for site in reversed(candidates):
        consumption = index.consumption(site)
        if consumption.intent and consumption.consumed:
            return site
    return None


def _stepped_in_other_branches(
    ctx: ModuleContext, index: StepIndex, scope: Scope, sites, chain: cst.If, block
) -> BackwardSite | None:
    """The last backward before ``chain`` when every step of the scope is in a block of it
    other than ``block``, and there is one."""
    blocks = _chain_blocks(chain)
    inside = {id(b): _node_ids(b) for b in blocks}
    steps = index.info[scope].steps
    if not steps:
        return None
    holders = [next((b for b in blocks if id(s.node) in inside[id(b)]), None) for s in steps]
    if any(b is None or b is block for b in holders):
        return None  # a step outside the ``if`` runs on this path too, or one is beside it
    start = ctx.position(chain).start.line
    before = [s for s in sites if ctx.position(s.call).start.line < start]
    return before[-1] if before else None


def _node_ids(node: cst.CSTNode) -> set[int]:
    from gradlint.analyzer.walk import FastVisitor

    found: set[int] = set()

    class _All(FastVisitor):
        def walk(self, n: cst.CSTNode) -> None:
            found.add(id(n))
            super().walk(n)

    _All().walk(node)
    return found


def _steps_in(ctx, index: StepIndex, scope: Scope, site: BackwardSite, group) -> list:
    found = []
    for i, j, stmt, body in commented_statements(group, lambda _, uncommented: "(" in uncommented):
        if _is_step(index, stmt):
            comments = [c for c, _ in group[i : j + 1]]
            edit = _uncomment_edit(ctx, comments, group[i][1], body)
            found.append(CommentedStep(comments, body[0].strip(), scope, site, edit))
    return found


def _is_step(index: StepIndex, stmt: ast.stmt) -> bool:
    """``optimizer.step()``, ``opt.step(closure)``, ``scaler.step(optimizer)``."""
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return False
    if value.func.attr != index.vocabulary.step_method:
        return False
    receiver = ast.unparse(value.func.value)
    last = receiver.rsplit(".", 1)[-1]
    if last.endswith("scaler"):
        return bool(value.args)
    pattern = index.vocabulary.non_optimizer_step
    return index.is_optimizer_text(receiver) and not (pattern and pattern.search(last))
