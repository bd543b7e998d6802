"""Whether a PyTorch finding found in a slice can be stated from the slice.

A GL101 finding says that nothing steps the ``.grad`` a backward fills, and the evidence
for "something steps" may sit in code the slicer dropped: a caller that calls the step
function and then ``optimizer.step()``, another method of the class that steps, an
optimizer built elsewhere that holds these weights. The rules used to ask for the whole
file for every such finding (:class:`~gradlint.analyzer.context.NeedsWholeFile`): a second
LibCST parse, facts and positions of the whole file, for every frozen loop.

Dropped code can only bear on the finding by naming something: a function or class the
slice defines (to call it, hand it on, subclass it), or an optimizer, a step, a
``zero_grad``, a ``.grad``, a backward. So when no word of the dropped lines (code,
comments and strings alike: a superset) is such a name, and no class that holds the
backward lost a member, the whole file gives the slice's answer, and the finding is stated
from the slice. Otherwise the whole file is analyzed, as before. The check is deliberately
textual and broad, so that it stays right when the step analysis learns new evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.scopes import Scope
    from gradlint.analyzer.vocabulary import Vocabulary

#: Words of PyTorch's training vocabulary that dropped code must not hold (besides the
#: optimizer names and classes of the vocabulary): steps, clearing, gradients, backwards,
#: closures, launchers that run a function given as a value.
_TRAINING_WORDS = frozenset(
    {
        "step",
        "zero_grad",
        "grad",
        "grads",
        "backward",
        "manual_backward",
        "closure",
        "set_to_none",
        "param_groups",
        "spawn",
        "no_grad",
        "requires_grad",
    }
)
#: Definitions in the slice's text (``def f``, ``async def f``, ``class C``).
_DEFINITION = re.compile(r"(?<!\w)(?:def|class)\s+([^\W\d]\w*)")


def slice_answers(ctx: ModuleContext, vocabulary: Vocabulary, scopes: Iterable[Scope]) -> bool:
    """True when the findings of these scopes (those holding the backwards) read from the
    slice are the whole file's: the file was not sliced, or nothing it dropped can bear on
    them (see the module docstring)."""
    if ctx.line_map is None or not ctx.dropped_lines:
        return True
    for scope in scopes:
        for outer in scope.chain():
            if outer.class_node is not None and outer.class_node.name.value in ctx.partial_classes:
                return False  # another method of the class may step, or build the optimizer
    words = ctx.dropped_words
    if not words:
        return True
    kept_text = ctx.parsed_text or ""
    if words & set(_DEFINITION.findall(kept_text)):
        return False  # a caller, or a use as a value, of what the slice defines
    if words & _TRAINING_WORDS or words & vocabulary.optimizer_classes:
        return False
    aliases = ctx.import_facts.aliases if ctx.import_facts is not None else {}
    for word in words:
        if (
            vocabulary.optimizer_name.search(word)
            or (vocabulary.backward_owners is not None and vocabulary.backward_owners.search(word))
            or (vocabulary.stepping_owners is not None and vocabulary.stepping_owners.search(word))
        ):
            return False
        imported = aliases.get(word)
        if imported is not None and _optimizer_import(imported, vocabulary):
            return False  # ``from torch.optim import SGD as S``: ``S(...)`` builds one
    return True


def _optimizer_import(imported: str, vocabulary: Vocabulary) -> bool:
    last = imported.rsplit(".", 1)[-1]
    return (
        last in vocabulary.optimizer_classes
        or bool(vocabulary.optimizer_name.search(imported))
        or any(package in f".{imported}." for package in vocabulary.optimizer_packages)
    )
