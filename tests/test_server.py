"""``gradlint server`` end to end: a real LSP client (pytest-lsp) drives the server over stdio.

One server serves the module's tests (each test works in its own folder, so settings do not
leak between them); the crash tests start their own, patched one.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import attrs
import pytest
import pytest_lsp
from frozen_sources import CALLER, HELPER_APPLIES, HELPER_DROPS
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

REPO = Path(__file__).resolve().parent.parent
FROZEN = (REPO / "examples" / "frozen_loop.py").read_text()
CRASHING_SERVER = Path(__file__).resolve().parent / "lsp_crashing_server.py"
TIMEOUT = 20.0

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities, plus the LSP 3.17 notebook sync VS Code has since 1.75."""
    capabilities = pytest_lsp.client_capabilities("visual_studio_code")
    return attrs.evolve(
        capabilities,
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities(
                execution_summary_support=True
            )
        ),
    )


def _client_factory() -> LanguageClient:
    client = pytest_lsp.make_test_lsp_client()
    client.registrations = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)

    return client


async def _start(client: LanguageClient, folder: Path) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=_capabilities(),
            root_uri=folder.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="work")],
        )
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lsp-workspace")


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "gradlint", "server"],
        client_factory=_client_factory,
    ),
)
async def client(lsp_client: LanguageClient, workspace: Path):
    lsp_client.initialize_result = await _start(lsp_client, workspace)
    yield
    await lsp_client.shutdown_session()


async def _diagnostics(client: LanguageClient, uri: str, check) -> list[types.Diagnostic]:
    """Wait until the diagnostics published for ``uri`` satisfy ``check``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        found = client.diagnostics.get(uri)
        if found is not None and check(list(found)):
            return list(found)
        if loop.time() > deadline:
            raise AssertionError(f"diagnostics for {uri}: {found!r}")
        await asyncio.sleep(0.02)


def _codes(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def _open(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    return uri


def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def _offset(text: str, position: types.Position) -> int:
    """UTF-16 position -> string offset (these tests use ASCII text, so code units = chars)."""
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: position.line]) + position.character


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    for edit in sorted(edits, key=lambda e: _offset(text, e.range.start), reverse=True):
        start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


async def _actions(client: LanguageClient, uri: str, diagnostic: types.Diagnostic):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )


# --------------------------------------------------------------------------------------------


async def test_initialize_advertises_the_features(client: LanguageClient):
    capabilities = client.initialize_result.capabilities
    assert client.initialize_result.server_info.name == "gradlint"
    assert capabilities.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert capabilities.text_document_sync.save
    assert capabilities.code_action_provider
    assert capabilities.hover_provider
    selector = capabilities.notebook_document_sync.notebook_selector[0]
    assert [cell.language for cell in selector.cells] == ["python"]


async def test_frozen_loop_diagnostic_then_quick_fix_clears_it(
    client: LanguageClient, workspace: Path
):
    uri = _open(client, workspace / "frozen_loop.py", FROZEN)
    diagnostics = await _diagnostics(client, uri, lambda d: bool(d))
    assert _codes(diagnostics) == ["GL001", "GL002"]
    gl001 = next(d for d in diagnostics if d.code == "GL001")
    # examples/frozen_loop.py:29:13 to 29:59 (1-based), in LSP's 0-based positions.
    assert gl001.range == types.Range(
        start=types.Position(line=28, character=12), end=types.Position(line=28, character=58)
    )
    assert gl001.source == "gradlint"
    assert gl001.severity == types.DiagnosticSeverity.Error
    assert gl001.code_description.href.endswith("docs/rules.md#gl001")
    assert "never reach an optimizer update" in gl001.message

    gl002 = next(d for d in diagnostics if d.code == "GL002")
    actions = await _actions(client, uri, gl002)
    fix = next(a for a in actions if a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix
    assert "uncomment" in fix.title
    fixed = _apply(FROZEN, fix.edit.changes[uri])
    assert "\n    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n" in fixed
    _change(client, uri, fixed, version=2)
    assert await _diagnostics(client, uri, lambda d: d == []) == []


async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient, workspace: Path):
    uri = _open(client, workspace / "closed.py", FROZEN)
    await _diagnostics(client, uri, lambda d: bool(d))
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await _diagnostics(client, uri, lambda d: d == []) == []


async def test_columns_are_utf16_code_units(client: LanguageClient, workspace: Path):
    """LSP counts UTF-16 code units by default; gradlint counts code points."""
    text = FROZEN.replace(
        "    grads = tape.gradient(", '    s = "\U0001f600"; grads = tape.gradient('
    )
    uri = _open(client, workspace / "emoji.py", text)
    diagnostics = await _diagnostics(client, uri, lambda d: bool(d))
    gl001 = next(d for d in diagnostics if d.code == "GL001")
    line = text.splitlines()[28]
    start = line.index("tape.gradient")  # in code points; the emoji is two UTF-16 units
    assert gl001.range.start == types.Position(line=28, character=start + 1)
    assert gl001.range.end == types.Position(line=28, character=len(line.rstrip()) + 1)


async def test_swap_fix_and_noqa_action(client: LanguageClient, workspace: Path):
    text = FROZEN.replace(
        "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))",
        "    optimizer.apply_gradients(zip(model.trainable_variables, grads))",
    )
    uri = _open(client, workspace / "swapped.py", text)
    (gl005,) = await _diagnostics(client, uri, lambda d: bool(d))
    assert gl005.code == "GL005"
    actions = await _actions(client, uri, gl005)
    assert sorted(a.title for a in actions) == [
        "gradlint: add '# noqa: GL005' to this line",
        "gradlint: swap the gradients and the variables (GL005)",
    ]
    swap = next(a for a in actions if a.is_preferred)
    swapped = _apply(text, swap.edit.changes[uri])
    assert "optimizer.apply_gradients(zip(grads, model.trainable_variables))\n" in swapped
    noqa = next(a for a in actions if "noqa" in a.title)
    silenced = _apply(text, noqa.edit.changes[uri])
    assert "optimizer.apply_gradients(zip(model.trainable_variables, grads))  # noqa: GL005\n" in (
        silenced
    )
    _change(client, uri, silenced, version=2)
    assert await _diagnostics(client, uri, lambda d: d == []) == []


async def test_hover_on_a_finding_shows_the_rule_docs(client: LanguageClient, workspace: Path):
    uri = _open(client, workspace / "hover.py", FROZEN)
    await _diagnostics(client, uri, lambda d: bool(d))
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=28, character=20),
        )
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "# unapplied-gradients (GL001)" in hover.contents.value
    assert "## Why is this bad?" in hover.contents.value
    assert "docs/rules.md#gl001" in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=5, character=0),
        )
    )
    assert nothing is None


async def test_changes_are_debounced_to_the_last_text(client: LanguageClient, workspace: Path):
    uri = _open(client, workspace / "typing.py", "import tensorflow as tf\n")
    await _diagnostics(client, uri, lambda d: d == [])
    for version in range(2, 12):  # a burst of keystrokes; only the last text matters
        _change(client, uri, FROZEN[: 100 * version], version=version)
    _change(client, uri, FROZEN, version=12)
    diagnostics = await _diagnostics(client, uri, lambda d: bool(d))
    assert _codes(diagnostics) == ["GL001", "GL002"]


async def test_broken_file_gives_gl000_and_the_server_goes_on(
    client: LanguageClient, workspace: Path
):
    broken = "import tensorflow as tf\n\nwith tf.GradientTape() as tape:\n    loss = (1 +\n"
    uri = _open(client, workspace / "broken.py", broken)
    (gl000,) = await _diagnostics(client, uri, lambda d: bool(d))
    assert gl000.code == "GL000"
    assert gl000.range.start.line >= 3
    assert gl000.range.end != gl000.range.start  # a point would be invisible in an editor
    other = _open(client, workspace / "after_broken.py", FROZEN)
    assert _codes(await _diagnostics(client, other, lambda d: bool(d))) == ["GL001", "GL002"]


def _notebook_cells(folder: Path, sources: list[tuple[str, str]]):
    cells, documents = [], []
    for index, (kind, text) in enumerate(sources):
        cell_uri = f"vscode-notebook-cell:{folder.as_posix()}/train.ipynb#cell{index}"
        code = kind == "code"
        cells.append(
            types.NotebookCell(
                kind=types.NotebookCellKind.Code if code else types.NotebookCellKind.Markup,
                document=cell_uri,
            )
        )
        documents.append(
            types.TextDocumentItem(
                uri=cell_uri,
                language_id="python" if code else "markdown",
                version=1,
                text=text,
            )
        )
    return cells, documents


async def test_notebook_findings_are_published_per_cell(client: LanguageClient, workspace: Path):
    folder = workspace / "notebook"
    folder.mkdir()
    setup = (
        "import tensorflow as tf\n"
        "%matplotlib inline\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "optimizer = tf.keras.optimizers.SGD(0.1)\n"
    )
    step = (
        "for x, y in data:\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean((model(x) - y) ** 2)\n"
        "    grads = tape.gradient(loss, model.trainable_variables)\n"
        "    # optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    )
    cells, documents = _notebook_cells(
        folder, [("markdown", "# Training\n"), ("code", setup), ("code", step)]
    )
    notebook_uri = (folder / "train.ipynb").as_uri()
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri, notebook_type="jupyter-notebook", version=1, cells=cells
            ),
            cell_text_documents=documents,
        )
    )
    step_uri = documents[2].uri
    diagnostics = await _diagnostics(client, step_uri, lambda d: bool(d))
    assert _codes(diagnostics) == ["GL001", "GL002"]
    gl001 = next(d for d in diagnostics if d.code == "GL001")
    assert gl001.range.start == types.Position(line=3, character=12)  # line 4 of cell 3
    assert await _diagnostics(client, documents[1].uri, lambda d: True) == []

    gl002 = next(d for d in diagnostics if d.code == "GL002")
    fix = next(a for a in await _actions(client, step_uri, gl002) if a.is_preferred)
    assert list(fix.edit.changes) == [step_uri]
    fixed = _apply(step, fix.edit.changes[step_uri])
    assert fixed.endswith(
        "\n    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
    )
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(
                uri=notebook_uri, version=2
            ),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=step_uri, version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
                        )
                    ]
                )
            ),
        )
    )
    assert await _diagnostics(client, step_uri, lambda d: d == []) == []


async def test_config_change_reloads_settings(client: LanguageClient, workspace: Path):
    project = workspace / "project"
    project.mkdir()
    config = project / "pyproject.toml"
    config.write_text("[tool.gradlint]\nignore = []\n")
    uri = _open(client, project / "train.py", FROZEN)
    assert _codes(await _diagnostics(client, uri, lambda d: bool(d))) == ["GL001", "GL002"]

    def changed() -> None:
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
            )
        )

    config.write_text('[tool.gradlint]\nignore = ["GL002"]\n')
    changed()
    await _diagnostics(client, uri, lambda d: _codes(d) == ["GL001"])

    config.write_text('[tool.gradlint]\nper-file-ignores = {"train.py" = ["GL001"]}\n')
    changed()
    await _diagnostics(client, uri, lambda d: _codes(d) == ["GL002"])

    # A bad configuration is shown to the user, and the defaults apply meanwhile.
    config.write_text('[tool.gradlint]\nignroe = ["GL002"]\n')
    changed()
    await _diagnostics(client, uri, lambda d: _codes(d) == ["GL001", "GL002"])
    message = next(m for m in client.messages if "ignroe" in m.message)
    assert message.type == types.MessageType.Error
    assert "pyproject.toml: unknown key 'ignroe'" in message.message

    # An editor without file watching still reports the save of a configuration file.
    config.write_text('[tool.gradlint]\nselect = ["GL002"]\n')
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(config.as_uri()))
    )
    await _diagnostics(client, uri, lambda d: _codes(d) == ["GL002"])


async def test_config_file_watchers_are_registered(client: LanguageClient):
    (registration,) = [
        r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    ]
    patterns = sorted(w["globPattern"] for w in registration.register_options["watchers"])
    assert patterns == ["**/*.py", "**/pyproject.toml", "**/setup.cfg"]


async def test_excluded_files_get_no_diagnostics(client: LanguageClient, workspace: Path):
    project = workspace / "excluding"
    (project / "generated").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.gradlint]\nextend-exclude = ["generated"]\n')
    uri = _open(client, project / "generated" / "train.py", FROZEN)
    kept = _open(client, project / "train.py", FROZEN)
    assert _codes(await _diagnostics(client, kept, lambda d: bool(d))) == ["GL001", "GL002"]
    assert await _diagnostics(client, uri, lambda d: True) == []


# --------------------------------------------------------------------------------------------
# A server whose analysis and hover crash (patched by tests/lsp_crashing_server.py)


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, str(CRASHING_SERVER)], client_factory=_client_factory
    ),
)
async def crashing(lsp_client: LanguageClient, tmp_path: Path):
    await _start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_internal_errors_are_logged_and_the_server_keeps_serving(
    crashing: LanguageClient, tmp_path: Path
):
    uri = _open(crashing, tmp_path / "crash.py", "import tensorflow as tf  # CRASH_ME\n")
    (gl000,) = await _diagnostics(crashing, uri, lambda d: bool(d))
    assert gl000.code == "GL000"
    assert "internal error: RuntimeError: analyzer exploded" in gl000.message
    logged = [m for m in crashing.log_messages if "analyzer exploded" in m.message]
    assert logged and logged[0].type == types.MessageType.Error
    assert "Traceback" in logged[0].message

    fine = _open(crashing, tmp_path / "fine.py", FROZEN)
    assert _codes(await _diagnostics(crashing, fine, lambda d: bool(d))) == ["GL001", "GL002"]
    hover = await crashing.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=fine),
            position=types.Position(line=28, character=20),
        )
    )
    assert hover is None
    assert any("internal error in textDocument/hover" in m.message for m in crashing.log_messages)
    actions = await _actions(crashing, fine, (await _diagnostics(crashing, fine, bool))[1])
    assert actions  # still serving


async def test_a_notebook_cell_that_does_not_parse_gets_gl000(
    client: LanguageClient, workspace: Path
):
    folder = workspace / "broken-notebook"
    folder.mkdir()
    cells, documents = _notebook_cells(
        folder,
        [
            ("code", "import tensorflow as tf\n"),
            ("code", "with tf.GradientTape() as tape:\n    loss = (1 +\n"),
        ],
    )
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=(folder / "train.ipynb").as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=cells,
            ),
            cell_text_documents=documents,
        )
    )
    (gl000,) = await _diagnostics(client, documents[1].uri, bool)
    assert gl000.code == "GL000"
    assert gl000.range.start.line in (1, 2)  # within the cell, not the joined text
    assert await _diagnostics(client, documents[0].uri, lambda d: True) == []


async def test_an_edit_to_a_helper_updates_the_files_that_call_it(
    client: LanguageClient, workspace: Path
):
    project = workspace / "cross"
    project.mkdir()
    (project / "pyproject.toml").write_text("")
    helper = project / "helpers.py"
    train = _open(client, project / "train.py", CALLER)
    helper.write_text(HELPER_APPLIES)
    assert await _diagnostics(client, train, lambda d: d == []) == []

    # The helper, opened and edited without saving: its caller's gradients are dropped now.
    helper_uri = _open(client, helper, HELPER_APPLIES)
    _change(client, helper_uri, HELPER_DROPS, version=2)
    (finding,) = await _diagnostics(client, train, lambda d: _codes(d) == ["GL001"])
    assert finding.range.start.line == 12  # the tape.gradient line of train.py
    _change(client, helper_uri, HELPER_APPLIES, version=3)
    await _diagnostics(client, train, lambda d: d == [])

    # Closed unsaved, the helper on disk counts again; then it changes on disk (a pull).
    _change(client, helper_uri, HELPER_DROPS, version=4)
    await _diagnostics(client, train, lambda d: _codes(d) == ["GL001"])
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(helper_uri))
    )
    await _diagnostics(client, train, lambda d: d == [])
    helper.write_text(HELPER_DROPS)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=helper_uri, type=types.FileChangeType.Changed)]
        )
    )
    await _diagnostics(client, train, lambda d: _codes(d) == ["GL001"])
