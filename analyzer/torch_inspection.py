"""Backward calls that run before any optimizer exists (autograd demos in scripts and notebooks).

A tutorial notebook computes a loss, calls ``loss.backward()`` and prints ``w.grad`` to show
what autograd does; cells later it builds an optimizer and trains, with a ``zero_grad()``
before each step. That first backward's ``.grad`` is indeed never stepped, but it was never
meant to be: no optimizer existed when it ran. A frozen loop looks different: its optimizer
is built before the backward that should feed it. So a backward at the top level of a module
(a script, or the cells of a notebook in order) counts as a training step only when some
top-level statement up to the one that holds it mentions an optimizer (builds one, names
one, or calls code that takes one); the same check in a function would be wrong (its
optimizer may come from anywhere), so functions are left to the usual intent rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.scopes import body_statements

if TYPE_CHECKING:
    from gradlint.analyzer.steps import BackwardSite, StepIndex

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def runs_before_any_optimizer(index: StepIndex, site: BackwardSite) -> bool:
    """Whether ``site`` is a top-level backward with no optimizer mentioned up to it."""
    if not site.scope.is_module:
        return False
    module = index.ctx.module
    pattern = index.vocabulary.optimizer_name
    where = index.facts.layout(site.scope).calls.get(site.call)
    if where is None:
        return False
    body = body_statements(module)
    # the top-level statement that holds the call: the outermost block, ``with`` or itself
    around = {id(node) for node, _ in where.chain} | {id(node) for node in where.withs}
    around.add(id(where.statement))
    top = next((i for i, stmt in enumerate(body) if _ids(stmt) & around), None)
    if top is None:
        return False
    texts = [module.code_for_node(stmt) for stmt in body[: top + 1]]
    mentions = [i for i, text in enumerate(texts) if _names_an_optimizer(text, index)]
    if not mentions:
        return True
    return _model_rebuilt_since(body, texts, mentions[-1], top, pattern)


#: A comment, to the end of its line (a ``#`` inside a string cuts a little code too, which
#: can only leave a mention out and keep the finding quiet).
_COMMENT = re.compile(r"#[^\n]*")


def _names_an_optimizer(text: str, index: StepIndex) -> bool:
    """Whether code (not its comments) names something like an optimizer: "we want to
    optimize" in a tutorial's comment is no optimizer in reach."""
    code = _COMMENT.sub("", text)
    return any(index.is_optimizer_text(word) for word in _IDENTIFIER.findall(code))


def _model_rebuilt_since(
    body: Sequence[cst.BaseStatement],
    texts: list[str],
    last_mention: int,
    top: int,
    pattern: re.Pattern[str],
) -> bool:
    """Whether a name every earlier optimizer was built over is bound to a fresh object
    after the last optimizer mention, and the statements up to the backward use it."""
    for fresh in range(last_mention + 1, top):
        name = _fresh_binding(body[fresh])
        if name is None or not any(_mentions(text, name) for text in texts[fresh + 1 : top + 1]):
            continue
        built = [_optimizer_value(stmt, pattern) for stmt in body[:fresh]]
        values = [value for value in built if value is not None]
        if values and all(_mentions(value, name) for value in values):
            return True
    return False


def _fresh_binding(stmt: cst.BaseStatement) -> str | None:
    """``model = GPTModel(cfg)``: the name bound to a call that does not take the name's
    old value (``model = DDP(model)`` keeps its parameters)."""
    small = _lone_assign(stmt)
    if small is None or not isinstance(small.value, cst.Call):
        return None
    target = small.targets[0].target if len(small.targets) == 1 else None
    if not isinstance(target, cst.Name):
        return None
    return None if _mentions(_source(small.value), target.value) else target.value


def _optimizer_value(stmt: cst.BaseStatement, pattern: re.Pattern[str]) -> str | None:
    """The source of the value a top-level ``optimizer = ...`` builds."""
    small = _lone_assign(stmt)
    if small is None or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    if isinstance(target, cst.Name) and pattern.search(target.value):
        return _source(small.value)
    return None


def _lone_assign(stmt: cst.BaseStatement) -> cst.Assign | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, cst.Assign):
            return small
    return None


def _source(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _mentions(text: str, name: str) -> bool:
    return name in _IDENTIFIER.findall(text)


def _ids(stmt: cst.BaseStatement) -> set[int]:
    """The statement, and for a simple statement line its small statements (the layout
    records those)."""
    found = {id(stmt)}
    if isinstance(stmt, cst.SimpleStatementLine):
        found |= {id(small) for small in stmt.body}
    return found
