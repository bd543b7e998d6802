"""What every rule declares: identity, docs, examples that run as tests, and a check.

Modelled on Fixit/TorchFix (VALID/INVALID examples live beside the rule) and ruff's rule docs
(what it does / why is it bad / example / use instead). The class body holds only data, so the
CLI can print docs, a generator can write them out and the prefilter can read
``required_text`` without importing LibCST; ``check`` reads ``ctx.facts`` and reports.

A rule with many examples keeps them as files, one program per file, under
``rules/examples/<code>/valid/`` and ``.../invalid/`` (the expected line of an invalid one
carries a ``# <CODE>`` comment): ``VALID = ExampleFiles("valid")``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from gradlint.analyzer.context import ModuleContext
    from gradlint.analyzer.findings import Finding


@dataclass(frozen=True)
class Invalid:
    """An example that must produce this rule's finding at ``line`` (1-based, in ``code``).

    ``fixed`` is the expected source after ``--fix`` for fixable rules; ``message``, when
    given, is the finding's exact message (like Fixit's ``expected_message``).
    """

    code: str
    line: int
    column: int | None = None
    fixed: str | None = None
    message: str | None = None

    @classmethod
    def marked(
        cls, code: str, rule_code: str, fixed: str | None = None, message: str | None = None
    ) -> Invalid:
        """An example whose expected line carries a ``# <rule_code>`` comment."""
        for number, text in enumerate(code.splitlines(), start=1):
            if f"# {rule_code}" in text:
                return cls(code, number, fixed=fixed, message=message)
        raise ValueError(f"example has no '# {rule_code}' marker")


#: Where rules keep examples as files: ``EXAMPLES_ROOT / "gl001" / "valid" / "01_x.py"``.
EXAMPLES_ROOT = Path(__file__).resolve().parent / "examples"


class ExampleFiles:
    """A rule's VALID or INVALID examples read from its folder of files, on first use.

    The files are read when a test (or the mixed benchmark tree) asks, never when the rule
    is imported to lint. An invalid file's ``# CODE`` marker gives the expected line.
    """

    def __init__(self, kind: str) -> None:
        if kind not in ("valid", "invalid"):
            raise ValueError(f"examples are 'valid' or 'invalid', not {kind!r}")
        self.kind = kind
        self._loaded: dict[type, list[Any]] = {}

    def __get__(self, instance: object, owner: type[Rule]) -> list[Any]:
        if owner not in self._loaded:
            self._loaded[owner] = self.load(owner.code)
        return self._loaded[owner]

    def paths(self, code: str) -> list[Path]:
        folder = EXAMPLES_ROOT / code.lower() / self.kind
        paths = sorted(folder.glob("*.py"))
        if not paths:
            raise FileNotFoundError(f"no {self.kind} examples of {code} in {folder}")
        return paths

    def load(self, code: str) -> list[Any]:
        texts = [path.read_bytes().decode("utf-8") for path in self.paths(code)]
        if self.kind == "valid":
            return texts
        return [Invalid.marked(text, code) for text in texts]


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    severity: ClassVar[str] = "error"
    fixable: ClassVar[bool] = False
    #: Off unless selected explicitly (by its code or a prefix of it), like ruff's RUF100.
    default_enabled: ClassVar[bool] = True
    #: A file must contain one of these strings for the rule to possibly fire (prefilter):
    #: in code, for a ``.py`` file (a mention only in comments, strings and plain imports
    #: does not count; see :mod:`gradlint.analyzer.code_mentions`).
    required_text: ClassVar[tuple[str, ...]] = ("GradientTape",)
    #: When set, the required text counts only as (the end of) one of these whole names,
    #: called (``loss.backward(``, ``self.manual_backward(``) or imported under another
    #: name (``import ... backward as bw``): the rule's facts start from such a call, so a
    #: file where the text is only part of longer names (``_backward``,
    #: ``save_for_backward``) or never called is not parsed for it.
    required_calls: ClassVar[tuple[str, ...]] = ()
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def help_url(cls) -> str:
        return f"https://github.com/gradlint/gradlint/blob/main/docs/rules.md#{cls.code.lower()}"

    @classmethod
    def render_docs(cls) -> str:
        """The text of ``gradlint rule CODE``: ruff's four headings, in Markdown."""
        parts = [
            f"# {cls.name} ({cls.code})",
            "",
            cls.summary,
            "",
            "## What it does",
            cls.what_it_does.strip(),
            "",
            "## Why is this bad?",
            cls.why_bad.strip(),
            "",
            "## Example",
            "```python",
            cls.example.strip("\n"),
            "```",
            "",
            "## Use instead",
            "```python",
            cls.use_instead.strip("\n"),
            "```",
        ]
        if cls.fixable:
            parts += ["", "Fix: available with `gradlint --fix` (preview with `--diff`)."]
        return "\n".join(parts) + "\n"
