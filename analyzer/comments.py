"""Commented-out weight updates: ``# optimizer.apply_gradients(...)``.

LibCST keeps comments in the tree (``EmptyLine`` nodes in a statement's leading lines and in
a block's footer), which tells exactly which block a comment sits in, something an AST-based
linter cannot see at all. A comment counts only when its text, without the ``#``, parses as
one statement that updates weights, it sits in a scope that computes gradients with a tape,
and it names gradients (or the tape, or the loss) that this scope never applies: a commented
alternative next to a working update is an old variant, not a bug.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import libcst as cst

from gradlint.analyzer.context import ModuleContext
from gradlint.analyzer.edits import edit, newline, text_lines
from gradlint.analyzer.findings import Edit
from gradlint.analyzer.names import call_label
from gradlint.analyzer.scopes import Scope, ShallowVisitor, walk_scope
from gradlint.analyzer.tapes import GradientSite
from gradlint.analyzer.vocabulary import Vocabulary

if TYPE_CHECKING:
    from gradlint.analyzer.facts import Facts

#: Longest commented-out statement considered (lines).
MAX_LINES = 15


@cache
def _candidate(methods: tuple[str, ...]) -> re.Pattern[str]:
    """Cheap text test before any tree walk: a comment mentioning an update method call."""
    return re.compile(r"#[^\n]*\.(?:" + "|".join(methods) + r")\s*\(")


@dataclass
class CommentedUpdate:
    #: The comment nodes holding the statement, first to last.
    comments: list[cst.Comment]
    statement: str
    scope: Scope
    site: GradientSite
    #: Replacement edit (uncommented lines), or None when the indentation is ambiguous.
    edit: Edit | None
    #: The comment sits in one branch of an ``if`` whose other branch applies the gradients:
    #: only the paths through this branch are frozen.
    in_branch: bool = False


def find_commented_updates(ctx: ModuleContext, facts: Facts) -> list[CommentedUpdate]:
    """Read once per file through :attr:`gradlint.analyzer.facts.Facts.commented_updates`."""
    vocabulary = facts.vocabulary
    candidate = _candidate(vocabulary.commented_update_methods)
    if not candidate.search(ctx.unit.text):
        return []
    index = facts.tapes
    scopes: dict[int, Scope] = {}
    for site in index.sites:
        if not site.expects_error:
            scopes.setdefault(id(site.scope), site.scope)
    found: list[CommentedUpdate] = []
    for scope in scopes.values():
        collector = collect_comments(scope)
        groups = [g for g in collector.groups if any(candidate.search(c.value) for c, _ in g)]
        if not groups:
            continue
        unapplied = _unapplied(facts, scope)
        for group in groups:
            statements = (
                _statements_in(ctx, vocabulary, scope, group, unapplied) if unapplied else []
            )
            if not statements:
                statements = _branch_statements(ctx, facts, scope, collector, group)
            found.extend(statements)
    seen = {id(u.comments[0]) for u in found}
    found.extend(_in_callers(ctx, facts, candidate, seen))
    found.extend(_in_callees(ctx, facts, candidate, seen))
    return found


def _in_callees(
    ctx: ModuleContext, facts: Facts, candidate: re.Pattern[str], seen: set[int]
) -> list[CommentedUpdate]:
    """Commented updates in a same-module helper that a gradient scope hands its gradients
    to (``_apply_gradients(opt, grads, variables)``, a helper without a tape whose
    ``opt.apply_gradients(gvs)`` is commented out). The helper's flow starts with each
    parameter that receives a holder of the gradients tainted; a commented update naming
    what that parameter became, which nothing in the helper uses, is reported at the
    caller's gradient call."""
    from gradlint.analyzer.dataflow import FlowAnalysis, SiteTable, Val

    by_scope: dict[int, list[GradientSite]] = {}
    for site in facts.tapes.sites:
        if not site.expects_error:
            by_scope.setdefault(id(site.scope), []).append(site)
    found: list[CommentedUpdate] = []
    fresh = 5_000_000_000
    for sites in by_scope.values():
        scope = sites[0].scope
        flow = facts.flow(scope)
        holders: dict[str, GradientSite] = {}
        for site in sites:
            for element in facts.site_table.parts.get(site.index) or (site.index,):
                for name in flow.holders.get(element, ()):
                    holders.setdefault(name, site)
        if not holders:
            continue
        calls = _Calls()
        walk_scope(scope, calls)
        for call in calls.found:
            label = call_label(call)
            if label is None:
                continue
            helper = facts.helpers.resolve(label, scope)
            if not isinstance(helper, Scope) or helper is scope or helper.is_module:
                continue
            groups = _unseen_update_groups(helper, seen, candidate)
            if not groups:
                continue
            params = helper.params()
            if label.startswith("self.") and params and params[0] in {"self", "cls"}:
                params = params[1:]
            seeds: dict[str, Val] = {}
            labels: dict[int, tuple[str, GradientSite]] = {}
            positional = [a for a in call.args if a.keyword is None]
            if any(a.star for a in call.args):
                continue
            pairs = [(params[i] if i < len(params) else None, a) for i, a in enumerate(positional)]
            pairs += [(a.keyword.value, a) for a in call.args if a.keyword is not None]
            for param, arg in pairs:
                if param is None:
                    continue
                site = next((holders[n] for n in _names(arg.value) if n in holders), None)
                if site is None:
                    continue
                fresh += 1
                seeds[param] = Val(frozenset({fresh}))
                labels[fresh] = (param, site)
            if not seeds:
                continue
            table = SiteTable(recording=facts.site_table.recording)
            result = FlowAnalysis(ctx, helper, table, facts.helpers, seeds=seeds).run()
            unapplied: dict[GradientSite, set[str]] = {}
            for label_id, (param, site) in labels.items():
                if label_id not in result.used:
                    names = {param, *result.holders.get(label_id, ())}
                    unapplied.setdefault(site, set()).update(names)
            if not unapplied:
                continue
            for group in groups:
                statements = _statements_in(ctx, facts.vocabulary, helper, group, unapplied)
                seen.update(id(u.comments[0]) for u in statements)
                found.extend(statements)
    return found


class _Calls(ShallowVisitor):
    """The calls of one scope's own code (nested functions and classes are theirs)."""

    def __init__(self) -> None:
        self.found: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.found.append(node)


def _names(expr: cst.BaseExpression) -> set[str]:
    found: set[str] = set()

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)

    expr.visit(_Names())
    return found


def _in_callers(
    ctx: ModuleContext, facts: Facts, candidate: re.Pattern[str], seen: set[int]
) -> list[CommentedUpdate]:
    """Commented updates in the same-module callers of a function that returns gradients.

    A trainer often splits the step: a helper computes (and perhaps accumulates) the
    gradients and returns them, the caller applies them. When the caller's update is
    commented out, the gradients it received from the helper go nowhere there, whatever
    else the helper does with them. The caller's flow starts with each call's result
    holding the returned gradients (as :mod:`gradlint.analyzer.returned_gradients` follows
    them), and a commented update naming a holder that nothing in the caller uses is
    reported like one beside the ``tape.gradient`` call."""
    from gradlint.analyzer.dataflow import FlowAnalysis, SiteTable, join_val
    from gradlint.analyzer.returned_gradients import CALLER_BASE, _CallerSearch, _relabel

    returning: list[tuple[Scope, object, dict[int, GradientSite]]] = []
    by_scope: dict[int, list[GradientSite]] = {}
    for site in facts.tapes.sites:
        if not site.expects_error and not site.scope.is_module:
            by_scope.setdefault(id(site.scope), []).append(site)
    for sites in by_scope.values():
        scope = sites[0].scope
        owner: dict[int, GradientSite] = {}
        for site in sites:
            for element in facts.site_table.parts.get(site.index) or (site.index,):
                owner[element] = site
        joined = None
        for val in facts.flow(scope).returns:
            relabelled = _relabel(val, {i: i for i in owner})
            if relabelled.sites:
                joined = relabelled if joined is None else join_val(joined, relabelled)
        if joined is not None:
            returning.append((scope, joined, owner))
    if not returning:
        return []
    search = _CallerSearch(ctx, facts)
    vocabulary = facts.vocabulary
    found: list[CommentedUpdate] = []
    fresh = CALLER_BASE * 3
    for callee, returned, owner in returning:
        for module, caller, calls in search.callers(search.own, callee):
            if not module.analyzed:
                continue
            groups = _unseen_update_groups(caller, seen, candidate)
            if not groups:
                continue
            table = SiteTable(recording=module.recording)
            labels: dict[int, GradientSite] = {}
            for call in calls:
                mapping = {}
                for element, site in owner.items():
                    fresh += 1
                    mapping[element] = fresh
                    labels[fresh] = site
                table.results[call] = _relabel(returned, mapping)
            flow = FlowAnalysis(ctx, caller, table, module.helpers).run()
            unapplied: dict[GradientSite, set[str]] = {}
            for label, site in labels.items():
                holders = flow.holders.get(label)
                if holders and label not in flow.used:
                    unapplied.setdefault(site, set()).update(holders)
            if not unapplied:
                continue
            for group in groups:
                statements = _statements_in(ctx, vocabulary, caller, group, unapplied)
                seen.update(id(u.comments[0]) for u in statements)
                found.extend(statements)
    return found


def _branch_statements(
    ctx: ModuleContext, facts: Facts, scope: Scope, collector: _CommentCollector, group
) -> list[CommentedUpdate]:
    """A commented update in a branch with no live update, whose sibling branch applies the
    gradients and after which nothing applies them: the comment is the update of that path.
    A commented alternative beside a live update on the same path stays quiet."""
    branch = collector.branch_of.get(id(group[0][0]))
    if branch is None:
        return []
    chain, block = branch
    methods = frozenset(facts.vocabulary.commented_update_methods)
    in_chain = {id(c) for b in _chain_blocks(chain) for c in _update_calls(b, methods)}
    if _update_calls(block, methods):
        return []
    others = [b for b in _chain_blocks(chain) if b is not block]
    if not any(_update_calls(b, methods) for b in others):
        return []
    if any(id(c) not in in_chain for c in _update_calls(scope.node, methods)):
        return []  # an update outside the if also runs on this path
    inside = {id(c) for c in _calls_in(chain)}
    applied: dict[GradientSite, set[str]] = {}
    for site in facts.tapes.sites_in(scope):
        if site.expects_error or id(site.call) in inside:
            continue
        fate = facts.fate(site)
        names = set(site.assigned_to) | set(fate.holders)
        if site.tape.name:
            names.add(site.tape.name)
        applied[site] = names
    if not applied:
        return []
    found = _statements_in(ctx, facts.vocabulary, scope, group, applied)
    for update in found:
        update.in_branch = True
    return found


def _chain_blocks(chain: cst.If) -> list[cst.BaseSuite]:
    """The blocks of an ``if``/``elif``/``else`` chain."""
    blocks: list[cst.BaseSuite] = []
    node: cst.If | cst.Else | None = chain
    while node is not None:
        blocks.append(node.body)
        node = node.orelse if isinstance(node, cst.If) else None
    return blocks


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    calls: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            calls.append(call)

    node.visit(_Calls())
    return calls


def _update_calls(node: cst.CSTNode, methods: frozenset[str]) -> list[cst.Call]:
    return [
        c
        for c in _calls_in(node)
        if isinstance(c.func, cst.Attribute) and c.func.attr.value in methods
    ]


# ---------------------------------------------------------------------------- collecting
#: (comment, owner) where owner is the statement whose block the comment belongs to (its
#: indentation is the block's), or None at module level.
Entry = tuple[cst.Comment, cst.CSTNode | None]


class _CommentCollector:
    """Full-line comments of one scope, in runs of consecutive comment lines, with the
    statement whose indentation they share. Nested functions and classes are not entered
    (their own comments are theirs), but comments in front of them are collected."""

    def __init__(self) -> None:
        self.groups: list[list[Entry]] = []
        #: id(comment) -> (the ``if`` chain, the branch block) for comments inside a branch.
        self.branch_of: dict[int, tuple[cst.If, cst.BaseSuite]] = {}
        self._branch: tuple[cst.If, cst.BaseSuite] | None = None

    def lines(self, empty_lines, owner: cst.CSTNode | None) -> None:
        run: list[Entry] = []
        for line in empty_lines:
            if line.comment is None:
                if run:
                    self.groups.append(run)
                run = []
                continue
            run.append((line.comment, owner))
            if self._branch is not None:
                self.branch_of[id(line.comment)] = self._branch
        if run:
            self.groups.append(run)

    def statement(self, stmt: cst.CSTNode, chain: cst.If | None = None) -> None:
        self.lines(getattr(stmt, "leading_lines", ()), stmt)
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            return
        if isinstance(stmt, cst.If):
            self._if(stmt, chain or stmt)
            return
        for name in ("body", "orelse", "finalbody"):
            child = getattr(stmt, name, None)
            if child is None:
                continue
            if isinstance(child, cst.If):  # elif
                self.statement(child)
            elif isinstance(child, cst.BaseSuite):
                self.block(child)
            elif isinstance(child, cst.Else | cst.Finally):
                self.lines(child.leading_lines, stmt)
                self.block(child.body)
        for handler in getattr(stmt, "handlers", ()):
            self.lines(handler.leading_lines, stmt)
            self.block(handler.body)
        for case in getattr(stmt, "cases", ()):
            self.lines(case.leading_lines, stmt)
            self.block(case.body)

    def _if(self, stmt: cst.If, chain: cst.If) -> None:
        outer = self._branch
        self._branch = (chain, stmt.body)
        self.block(stmt.body)
        self._branch = outer
        if isinstance(stmt.orelse, cst.If):  # elif
            self.statement(stmt.orelse, chain)
        elif isinstance(stmt.orelse, cst.Else):
            self.lines(stmt.orelse.leading_lines, stmt)
            self._branch = (chain, stmt.orelse.body)
            self.block(stmt.orelse.body)
            self._branch = outer

    def block(self, block: cst.BaseSuite) -> None:
        if not isinstance(block, cst.IndentedBlock):
            return
        for stmt in block.body:
            self.statement(stmt)
        if block.body:
            self.lines(block.footer, block.body[0])


# ---------------------------------------------------------------------------- guards
def _unapplied(facts: Facts, scope: Scope) -> dict[GradientSite, set[str]]:
    """Gradient sites of ``scope`` whose value reaches no update, with the names that a
    commented update of them would mention (gradient names, the tape, the target)."""
    result: dict[GradientSite, set[str]] = {}
    for site in facts.tapes.sites_in(scope):
        if site.expects_error:
            continue
        fate = facts.fate(site)
        if fate.reaches_use:
            continue
        names = set(site.assigned_to) | set(fate.holders)
        if site.tape.name:
            names.add(site.tape.name)
        if isinstance(site.target, cst.Name):
            names.add(site.target.value)
        result[site] = names
    return result


# ---------------------------------------------------------------------------- parsing
def _uncommented(comment: str) -> str:
    return comment.lstrip("#")


def _parse_statement(text: str) -> ast.stmt | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return tree.body[0] if len(tree.body) == 1 else None


def _is_update(vocabulary: Vocabulary, stmt: ast.stmt) -> bool:
    value = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return False
    method = value.func.attr
    if method not in vocabulary.commented_update_methods:
        return False
    if method == vocabulary.split_update_method:
        receiver = value.func.value
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        return bool(vocabulary.optimizer_name.search(name)) and bool(value.args or value.keywords)
    return True


def collect_comments(scope: Scope) -> _CommentCollector:
    """The runs of comment lines in ``scope``'s own code (a module's or a function's body),
    each comment with the statement that owns it (``.groups``)."""
    collector = _CommentCollector()
    if scope.is_module:
        module = scope.node
        assert isinstance(module, cst.Module)
        collector.lines(module.header, None)
        for stmt in module.body:
            collector.statement(stmt)
        collector.lines(module.footer, None)
    else:
        assert isinstance(scope.node, cst.FunctionDef)
        collector.block(scope.node.body)
    return collector


def commented_statements(
    group: list[Entry], may_start: Callable[[str, str], bool]
) -> Iterator[tuple[int, int, ast.stmt, list[str]]]:
    """The statements written in a run of comment lines: ``(first, last, statement, lines)``
    with the indices of its first and last comment in ``group`` and its uncommented lines.
    A statement may start only on a comment for which ``may_start(comment, uncommented)``
    holds and spans at most :data:`MAX_LINES` comments; the search goes on after it."""
    i = 0
    while i < len(group):
        first = _uncommented(group[i][0].value)
        lead = first[: len(first) - len(first.lstrip())]
        matched = None
        if may_start(group[i][0].value, first):
            body: list[str] = []
            for j in range(i, min(len(group), i + MAX_LINES)):
                text = _uncommented(group[j][0].value)
                body.append(text[len(lead) :] if text.startswith(lead) else text.lstrip())
                stmt = _parse_statement("\n".join(body))
                if stmt is not None:
                    matched = (j, stmt, body)
                    break
        if matched is None:
            i += 1
            continue
        j, stmt, body = matched
        yield i, j, stmt, body
        i = j + 1


def _statements_in(
    ctx, vocabulary: Vocabulary, scope, group: list[Entry], unapplied
) -> list[CommentedUpdate]:
    candidate = _candidate(vocabulary.commented_update_methods)

    def may_start(comment: str, uncommented: str) -> bool:
        return bool(candidate.search(comment)) or "(" in uncommented

    found = []
    for i, j, stmt, body in commented_statements(group, may_start):
        if _is_update(vocabulary, stmt):
            names = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
            site = next((s for s, wanted in unapplied.items() if names & wanted), None)
            if site is not None:
                comments = [c for c, _ in group[i : j + 1]]
                found.append(
                    CommentedUpdate(
                        comments,
                        body[0].strip(),
                        scope,
                        site,
                        _uncomment_edit(ctx, comments, group[i][1], body),
                    )
                )
    return found


# ---------------------------------------------------------------------------- the fix
def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t\f"))]


def _uncomment_edit(ctx, comments, owner, body: list[str]) -> Edit | None:
    """Replace the comment lines by the statement at the indentation of the block."""
    lines = text_lines(ctx)
    first = ctx.position(comments[0]).start
    last = ctx.position(comments[-1]).end
    comment_line = lines[first.line - 1]
    before_hash = comment_line[: first.column]
    if before_hash.strip():
        return None  # not a full-line comment
    block = _indent_of(lines[ctx.position(owner).start.line - 1]) if owner is not None else ""
    levels = {block}
    previous = _previous_code_indent(lines, first.line)
    if previous is not None and len(previous) > len(block) and previous.startswith(block):
        levels.add(previous)
    after = _uncommented(comments[0].value)
    written = before_hash + after[: len(after) - len(after.lstrip())]
    if before_hash == block:
        indent = block
    elif written in levels:
        indent = written
    elif written[:-1] in levels and written.endswith(" "):
        indent = written[:-1]
    elif before_hash in levels:
        indent = before_hash
    elif len(levels) == 1:
        indent = block
    else:
        return None
    new_lines = [indent + body[0].lstrip()] + [indent + line for line in body[1:]]
    content = newline(ctx).join(new_lines)
    start_col = 1
    end_col = last.column + 1
    if not _parses_with(ctx, lines, first.line, last.line, new_lines):
        return None
    return edit(ctx, first.line, start_col, last.line, end_col, content)


def _parses_with(ctx, lines: list[str], first: int, last: int, new: list[str]) -> bool:
    """Whether the file still parses with lines ``first..last`` replaced by ``new``.

    Only the top-level statement around them is parsed again: the rest of the file parsed
    already, and a file with hundreds of commented-out updates would otherwise be parsed
    once per update (quadratic). Lines outside any top-level statement fall back to the
    whole file."""
    starts = getattr(ctx, _STARTS, None)
    if starts is None:
        # Computed once per file and searched by bisection: a scan of the module body per
        # commented-out update is quadratic in a long script.
        starts = [_first_line(ctx, stmt) for stmt in ctx.module.body]
        setattr(ctx, _STARTS, starts)
    index = bisect.bisect_right(starts, first) - 1
    if index >= 0:
        start = starts[index]
        # Up to the next statement: comment lines after a block (the usual place of a
        # commented-out update) belong to the statement before them.
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
        if last <= end:
            region = lines[start - 1 : end]
            return (
                _parse_module(_replaced(region, first - start + 1, last - start + 1, new))
                is not None
            )
    return _parse_module(_replaced(lines, first, last, new)) is not None


#: Attribute of the file's context: the first line of each top-level statement, in order.
_STARTS = "_comments_top_level_starts"


def _first_line(ctx, stmt: cst.BaseStatement) -> int:
    """Where a statement starts, decorators included (its position starts at ``def``)."""
    decorators = getattr(stmt, "decorators", ())
    return ctx.start(decorators[0] if decorators else stmt).line


def _previous_code_indent(lines: list[str], line: int) -> str | None:
    for number in range(line - 2, -1, -1):
        text = lines[number]
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            return _indent_of(text)
    return None


def _replaced(lines: list[str], first: int, last: int, new: list[str]) -> str:
    return "\n".join(lines[: first - 1] + new + lines[last:])


def _parse_module(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _unseen_update_groups(scope: Scope, seen: set[int], candidate: re.Pattern[str]) -> list:
    """The scope's comment groups not reported yet that may hold a commented-out update."""
    return [
        g
        for g in collect_comments(scope).groups
        if id(g[0][0]) not in seen and any(candidate.search(c.value) for c, _ in g)
    ]
