"""The LSP side of ``gradlint server``: pygls speaks the protocol, this module maps it.

Diagnostics are pushed (``textDocument/publishDiagnostics``): on open and save at once, on
change after a short quiet period (:data:`DEBOUNCE_SECONDS`), so a burst of keystrokes costs
one analysis. Notebooks use LSP 3.17 notebook sync: the notebook is analyzed as one program,
as the CLI does, and each finding is published on the cell it belongs to.

Every handler runs under :meth:`GradlintServer.guarded`: an exception inside gradlint is
logged to the client (``window/logMessage``, with the traceback) and the server goes on. A
buffer that does not parse is not an exception: it gets its ``GL000`` diagnostic.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls import uris
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from gradlint import __version__
from gradlint.analyzer.findings import Finding
from gradlint.analyzer.reparse import StatementReuse
from gradlint.analyzer.sources import SourceError
from gradlint.engine import set_statement_reuse
from gradlint.server.linting import (
    CONFIG_FILE_NAMES,
    Cell,
    LintOutcome,
    ProjectStore,
    depends_on,
    docs_url,
    lint_unit,
    noqa_edit,
    notebook_unit,
    python_unit,
    rule_docs,
)

#: Quiet time after a change before the buffer is analyzed.
DEBOUNCE_SECONDS = 0.05
SOURCE = "gradlint"
_PYTHON_SUFFIXES = (".py", ".pyi")
_WATCHERS_ID = "gradlint-config-watchers"


@dataclass
class Published:
    """The findings last published for one text document or notebook."""

    findings: list[Finding]
    #: Text document version (or notebook version) they were computed for.
    version: int | None
    #: For a notebook: cell number (1-based, as in findings) -> the cell's document URI.
    cells: dict[int, str] = field(default_factory=dict)
    #: The other files they were computed from (:attr:`LintOutcome.dependencies`).
    dependencies: dict[str, str] = field(default_factory=dict)


class GradlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "gradlint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        notebook="*", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
        )
        self.projects = ProjectStore()
        self.published: dict[str, Published] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self._config_errors_shown: set[str] = set()

    # ----------------------------------------------------------------------------------------
    # Robustness

    @contextlib.contextmanager
    def guarded(self, what: str) -> Iterator[None]:
        """Log a failure of gradlint to the client instead of letting it end the server."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - the server must keep serving
            self.log(
                types.MessageType.Error,
                f"gradlint: internal error in {what}: {type(exc).__name__}: {exc}\n"
                f"{traceback.format_exc()}",
            )

    def log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    # ----------------------------------------------------------------------------------------
    # Linting and publishing

    def schedule(self, uri: str, *, delay: float) -> None:
        """Lint ``uri`` (a text document or a notebook) after ``delay`` seconds, replacing
        any lint of it still waiting."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        self.pending.pop(uri, None)
        self.lint(uri, store=False)

    def lint_now(self, uri: str, *, store: bool) -> None:
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.lint(uri, store=store)

    def lint(self, uri: str, *, store: bool) -> None:
        with self.guarded(f"analyzing {uri}"):
            if self.workspace.get_notebook_document(notebook_uri=uri) is not None:
                self._lint_notebook(uri, store=store)
            else:
                self._lint_text_document(uri, store=store)

    def _lint_text_document(self, uri: str, *, store: bool) -> None:
        document = self.workspace.text_documents.get(unquote(uri))
        if document is None or not _is_python(document):
            return
        path = _fs_path(uri)
        project = self.projects.for_file(path)
        self._report_config_error(project.config_error)
        unit = python_unit(str(path) if path else uri, document.source)
        outcome = lint_unit(
            unit, project, store=store and path is not None, buffers=self.open_buffers()
        )
        self._report_crash(uri, outcome)
        self.published[uri] = Published(
            outcome.findings, document.version, dependencies=outcome.dependencies
        )
        diagnostics = [self.diagnostic(f, document) for f in outcome.findings]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=document.version, diagnostics=diagnostics
            )
        )

    def _lint_notebook(self, uri: str, *, store: bool) -> None:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        assert notebook is not None
        path = _fs_path(uri)
        project = self.projects.for_file(path)
        self._report_config_error(project.config_error)
        cells: list[Cell] = []
        by_number: dict[int, str] = {}
        for number, cell in enumerate(notebook.cells, start=1):
            document = self.workspace.get_text_document(cell.document)
            python = cell.kind == types.NotebookCellKind.Code and _is_python(document)
            cells.append(Cell(text=document.source, python=python))
            by_number[number] = cell.document
        unit = notebook_unit(str(path) if path else uri, cells)
        if isinstance(unit, SourceError):  # cannot happen for cells built by notebook_unit
            raise RuntimeError(unit.message)
        outcome = lint_unit(unit, project, store=False, buffers=self.open_buffers())
        self._report_crash(uri, outcome)
        self.published[uri] = Published(
            outcome.findings, notebook.version, by_number, outcome.dependencies
        )
        per_cell: dict[str, list[types.Diagnostic]] = {cell: [] for cell in by_number.values()}
        first = next(iter(by_number.values()), None)
        for finding in outcome.findings:
            cell_uri = by_number.get(finding.cell or 0, first)
            if cell_uri is None:
                continue
            document = self.workspace.get_text_document(cell_uri)
            per_cell[cell_uri].append(self.diagnostic(finding, document))
        for cell_uri, diagnostics in per_cell.items():
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=cell_uri,
                    version=self.workspace.get_text_document(cell_uri).version,
                    diagnostics=diagnostics,
                )
            )

    def open_buffers(self) -> dict[str, str]:
        """Absolute path -> text of every open Python file: what the analysis reads for
        the project's other modules instead of the disk (unsaved edits included)."""
        buffers = {}
        for uri, document in self.workspace.text_documents.items():
            path = _fs_path(uri)
            if path is not None and path.suffix in _PYTHON_SUFFIXES:
                buffers[os.path.abspath(path)] = document.source
        return buffers

    def file_changed(self, uri: str) -> None:
        """``uri`` changed (edited, saved, opened, closed, or changed on disk): re-lint the
        open files whose findings were computed from it (its callers, the files importing
        its helpers), after the same quiet period as an edit."""
        path = _fs_path(uri)
        if path is None or path.suffix not in _PYTHON_SUFFIXES:
            return
        for other, published in list(self.published.items()):
            if other != uri and depends_on(published.dependencies, path):
                self.schedule(other, delay=DEBOUNCE_SECONDS)

    def clear(self, uri: str, cell_uris: Sequence[str] = ()) -> None:
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.published.pop(uri, None)
        for target in cell_uris or [uri]:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=target, diagnostics=[])
            )

    def relint_all(self) -> None:
        """After a settings change: every open document and notebook, again."""
        self.projects.invalidate()
        self._config_errors_shown.clear()
        for uri in list(self.published):  # the URIs as the client sent them
            self.lint_now(uri, store=False)

    def _report_config_error(self, error: str | None) -> None:
        """A bad configuration file is shown once (the defaults are used meanwhile)."""
        if error is None or error in self._config_errors_shown:
            return
        self._config_errors_shown.add(error)
        message = f"gradlint: {error}; using the default settings"
        self.log(types.MessageType.Error, message)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=message)
        )

    def _report_crash(self, uri: str, outcome: LintOutcome) -> None:
        if outcome.crash is not None:
            self.log(
                types.MessageType.Error,
                f"gradlint: internal error while analyzing {uri}:\n{outcome.crash}",
            )

    # ----------------------------------------------------------------------------------------
    # Findings as LSP objects

    def diagnostic(self, finding: Finding, document: TextDocument) -> types.Diagnostic:
        return types.Diagnostic(
            range=self.finding_range(finding, document),
            message=finding.message,
            severity=_SEVERITIES.get(finding.severity, types.DiagnosticSeverity.Error),
            code=finding.code,
            code_description=types.CodeDescription(href=docs_url(finding.code)),
            source=SOURCE,
        )

    def finding_range(self, finding: Finding, document: TextDocument) -> types.Range:
        lines = document.lines
        start = (finding.line - 1, finding.column - 1)
        end = (finding.end_line - 1, finding.end_column - 1)
        if end <= start and 0 <= start[0] < len(lines):
            # A point (a syntax error): mark the rest of the line, so it can be seen.
            end = (start[0], max(start[1], len(lines[start[0]].rstrip("\r\n"))))
        return types.Range(start=self.position(lines, *start), end=self.position(lines, *end))

    def position(self, lines: Sequence[str], line: int, column: int) -> types.Position:
        """A 0-based (line, code point) position in the client's position encoding, clamped
        to the document (a fix may end just past a cell's last line)."""
        if line < 0:
            return types.Position(line=0, character=0)
        if line >= len(lines):
            if not lines:
                return types.Position(line=0, character=0)
            last = lines[-1]
            if last.endswith(("\n", "\r")):
                return types.Position(line=len(lines), character=0)
            line, column = len(lines) - 1, len(last)
        text = lines[line].rstrip("\r\n")
        column = max(0, min(column, len(text)))
        return self.workspace.position_codec.position_to_client_units(
            lines, types.Position(line=line, character=column)
        )

    # ----------------------------------------------------------------------------------------
    # Code actions and hover

    def findings_at(self, uri: str) -> tuple[list[Finding], TextDocument, dict[int, str]]:
        """The findings shown on ``uri`` (a ``.py`` document or one notebook cell), fresh for
        its current text, with the document and the notebook's cell map."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        owner = notebook.uri if notebook is not None else uri
        current = notebook.version if notebook is not None else None
        document = self.workspace.get_text_document(uri)
        if notebook is None:
            current = document.version
        published = self.published.get(owner)
        if published is None or published.version != current or owner in self.pending:
            self.lint_now(owner, store=False)  # a change is still waiting: answer for the text
            published = self.published.get(owner)
        if published is None:
            return [], document, {}
        if notebook is None:
            return published.findings, document, {}
        number = next((n for n, cell in published.cells.items() if cell == uri), None)
        mine = [f for f in published.findings if f.cell == number]
        return mine, document, published.cells

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        findings, document, cells = self.findings_at(uri)
        actions: list[types.CodeAction] = []
        for finding in findings:
            diagnostic = self.diagnostic(finding, document)
            if not _overlaps(diagnostic.range, params.range):
                continue
            if finding.fix is not None and finding.fix.edits:
                edit = self._fix_edit(finding, uri, cells)
                if edit is not None:
                    actions.append(
                        types.CodeAction(
                            title=f"gradlint: {finding.fix.description} ({finding.code})",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            is_preferred=True,
                            edit=edit,
                        )
                    )
            noqa = self._noqa_edit(finding, uri, document)
            if noqa is not None:
                actions.append(
                    types.CodeAction(
                        title=f"gradlint: add '# noqa: {finding.code}' to this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=noqa,
                    )
                )
        return actions

    def _fix_edit(
        self, finding: Finding, uri: str, cells: dict[int, str]
    ) -> types.WorkspaceEdit | None:
        assert finding.fix is not None
        changes: dict[str, list[types.TextEdit]] = {}
        for edit in finding.fix.edits:
            target = uri if edit.cell is None else cells.get(edit.cell)
            if target is None or (cells and edit.cell is None):
                return None  # an edit outside the notebook's cells: not offered
            lines = self.workspace.get_text_document(target).lines
            start = self.position(lines, edit.line - 1, edit.column - 1)
            end = self.position(lines, edit.end_line - 1, edit.end_column - 1)
            changes.setdefault(target, []).append(
                types.TextEdit(range=types.Range(start=start, end=end), new_text=edit.content)
            )
        return types.WorkspaceEdit(changes=changes)

    def _noqa_edit(
        self, finding: Finding, uri: str, document: TextDocument
    ) -> types.WorkspaceEdit | None:
        lines = document.lines
        index = finding.line - 1
        if not 0 <= index < len(lines):
            return None
        edit = noqa_edit(lines[index], finding.code)
        if edit is None:
            return None
        text_edit = types.TextEdit(
            range=types.Range(
                start=self.position(lines, index, edit.start),
                end=self.position(lines, index, edit.end),
            ),
            new_text=edit.text,
        )
        return types.WorkspaceEdit(changes={uri: [text_edit]})

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        findings, document, _ = self.findings_at(params.text_document.uri)
        point = types.Range(start=params.position, end=params.position)
        parts: list[str] = []
        hit: types.Range | None = None
        for finding in findings:
            found = self.finding_range(finding, document)
            if not _contains(found, params.position) and not _overlaps(found, point):
                continue
            docs = rule_docs(finding.code)
            if docs is None:
                continue
            hit = hit or found
            parts.append(f"{docs}\n[{finding.code} documentation]({docs_url(finding.code)})\n")
        if not parts:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n---\n\n".join(dict.fromkeys(parts))
            ),
            range=hit,
        )

    # ----------------------------------------------------------------------------------------
    # Workspace

    def update_roots(self) -> None:
        roots = [
            path
            for folder in self.workspace.folders.values()
            if (path := _fs_path(folder.uri)) is not None
        ]
        root = self.workspace.root_path
        if not roots and root:
            roots = [Path(root)]
        self.projects.workspace_roots = roots
        self.projects.invalidate()

    async def watch_config_files(self) -> None:
        """Ask the client to report changes of configuration and Python files, where it can."""
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched is None or not watched.dynamic_registration:
            return
        watchers = [
            types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILE_NAMES
        ]
        # Python files too: a helper changed outside the editor (a checkout, a pull)
        # changes the findings of the open files that call it.
        watchers.append(types.FileSystemWatcher(glob_pattern="**/*.py"))
        registration = self.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=_WATCHERS_ID,
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=watchers
                        ),
                    )
                ]
            )
        )
        try:
            await registration
        except Exception as exc:  # noqa: BLE001 - the client's answer, not our bug
            self.log(
                types.MessageType.Warning,
                f"gradlint: the editor did not accept watchers for configuration files ({exc}); "
                "settings are reloaded when a configuration file is saved in the editor",
            )


_SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def _fs_path(uri: str) -> Path | None:
    path = uris.to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


def _is_python(document: TextDocument) -> bool:
    if document.language_id is not None:
        return document.language_id == "python"
    return document.uri.endswith(_PYTHON_SUFFIXES)


def _is_config_file(uri: str) -> bool:
    return uri.rsplit("/", 1)[-1] in CONFIG_FILE_NAMES


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    """Ranges overlap, or touch (a cursor at either end of a diagnostic counts)."""
    return not _before(a.end, b.start) and not _before(b.end, a.start)


def _contains(a: types.Range, point: types.Position) -> bool:
    return not _before(point, a.start) and not _before(a.end, point)


# --------------------------------------------------------------------------------------------
# Handlers


def build_server() -> GradlintServer:
    server = GradlintServer()
    # A keystroke changes one statement: the LibCST trees of the others are reused.
    set_statement_reuse(StatementReuse())

    @server.feature(types.INITIALIZED)
    async def initialized(ls: GradlintServer, params: types.InitializedParams) -> None:
        with ls.guarded("initialized"):
            ls.update_roots()
            await ls.watch_config_files()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GradlintServer, params: types.DidOpenTextDocumentParams) -> None:
        with ls.guarded("textDocument/didOpen"):
            ls.lint_now(params.text_document.uri, store=True)
            ls.file_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GradlintServer, params: types.DidChangeTextDocumentParams) -> None:
        with ls.guarded("textDocument/didChange"):
            ls.schedule(params.text_document.uri, delay=DEBOUNCE_SECONDS)
            ls.file_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GradlintServer, params: types.DidSaveTextDocumentParams) -> None:
        with ls.guarded("textDocument/didSave"):
            if _is_config_file(params.text_document.uri):
                ls.relint_all()
            else:
                ls.lint_now(params.text_document.uri, store=True)
                ls.file_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GradlintServer, params: types.DidCloseTextDocumentParams) -> None:
        with ls.guarded("textDocument/didClose"):
            ls.clear(params.text_document.uri)
            ls.file_changed(params.text_document.uri)  # the file on disk counts again

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: GradlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        with ls.guarded("notebookDocument/didOpen"):
            ls.lint_now(params.notebook_document.uri, store=False)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: GradlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        with ls.guarded("notebookDocument/didChange"):
            uri = params.notebook_document.uri
            structure = params.change.cells.structure if params.change.cells else None
            for closed in (structure.did_close or []) if structure else []:
                ls.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=closed.uri, diagnostics=[])
                )
            ls.schedule(uri, delay=DEBOUNCE_SECONDS)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: GradlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        with ls.guarded("notebookDocument/didSave"):
            ls.lint_now(params.notebook_document.uri, store=False)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: GradlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        with ls.guarded("notebookDocument/didClose"):
            ls.clear(
                params.notebook_document.uri,
                [cell.uri for cell in params.cell_text_documents],
            )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(
        ls: GradlintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        actions = None
        with ls.guarded("textDocument/codeAction"):
            actions = ls.code_actions(params)
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: GradlintServer, params: types.HoverParams) -> types.Hover | None:
        result = None
        with ls.guarded("textDocument/hover"):
            result = ls.hover(params)
        return result

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: GradlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        with ls.guarded("workspace/didChangeWatchedFiles"):
            if any(_is_config_file(change.uri) for change in params.changes):
                ls.relint_all()
                return
            for change in params.changes:
                if ls.workspace.text_documents.get(unquote(change.uri)) is None:
                    ls.file_changed(change.uri)  # an open file's buffer is what counts

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration(ls: GradlintServer, params: types.DidChangeConfigurationParams) -> None:
        with ls.guarded("workspace/didChangeConfiguration"):
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: GradlintServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        with ls.guarded("workspace/didChangeWorkspaceFolders"):
            ls.update_roots()
            ls.relint_all()

    return server
