"""How long ``gradlint server`` takes to publish diagnostics after an edit (target: 200 ms
for a 1,000-line file).

A real client (pygls') starts ``python -m gradlint server`` over stdio, opens a generated
1,000-line file and then, N times, changes one line and waits for the diagnostics of that
version. The time is from sending ``textDocument/didChange`` to receiving
``textDocument/publishDiagnostics``: the server's debounce, the analysis and both JSON-RPC
hops, what a user waits for after the last keystroke. Two files:

- ``training``: 1,000 lines that are all training code (about 70 training steps, each with a
  tape, a frozen one among them, and the loop that calls them), so slicing keeps everything
  and LibCST parses the whole file: the worst case;
- ``mixed``: one frozen training loop among 1,000 lines of ordinary functions, the common case.

Usage: ``python benchmarks/lsp_latency.py [--repeat 20]``. Needs the ``lsp`` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HEADER = "import tensorflow as tf\n\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
HEADER += "optimizer = tf.keras.optimizers.SGD(0.1)\n\n"

STEP = '''
@tf.function
def train_step_{i}(x, y):
    """Training step {i}."""
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = tf.reduce_mean((predictions - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    {comment}optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss

'''

FILLER = '''
def helper_{i}(values, scale=2):
    """Generated filler."""
    total = 0
    for value in values:
        if value > {i}:
            total += value * scale
        else:
            total -= value
    return total

'''

LOOP = "\nfor epoch in range(3):\n    for x, y in data:\n        train_step_0(x, y)\n"


def training_file(lines: int = 1000) -> str:
    parts = [HEADER]
    i = 0
    while sum(p.count("\n") for p in parts) < lines - 5:
        parts.append(STEP.format(i=i, comment="# " if i == 0 else ""))
        i += 1
    parts.append(LOOP)
    return "".join(parts)


def mixed_file(lines: int = 1000) -> str:
    parts = [HEADER, STEP.format(i=0, comment="# ")]
    i = 0
    while sum(p.count("\n") for p in parts) < lines - 5:
        parts.append(FILLER.format(i=i))
        i += 1
    parts.append(LOOP)
    return "".join(parts)


def edited_line(text: str, where: str) -> int:
    """The line each change edits: the loop's last line (``end``), or a line of the
    training step in the middle of the file (``middle``)."""
    lines = text.splitlines()
    if where == "end":
        return len(lines) - 1
    steps = [i for i, line in enumerate(lines) if line.startswith("        loss = ")]
    return steps[len(steps) // 2]


async def measure(text: str, folder: Path, name: str, repeat: int, where: str) -> list[float]:
    client = LanguageClient("gradlint-benchmark", "1")
    arrived: dict[int, float] = {}
    counts: dict[int, int] = {}
    event = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            arrived[params.version] = time.perf_counter()
            counts[params.version] = len(params.diagnostics)
            event.set()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log(params: types.LogMessageParams) -> None:
        print(f"server: {params.message}", file=sys.stderr)

    await client.start_io(sys.executable, "-m", "gradlint", "server")
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=folder.as_uri(), process_id=None
        )
    )
    client.initialized(types.InitializedParams())
    path = folder / f"{name}.py"
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    await _wait(arrived, 1, event)
    latencies = []
    # An edit that keeps the findings: each version writes a new comment at the end of
    # the line, so no text repeats and the findings cache never answers.
    line = edited_line(text, where)
    code_end = len(text.splitlines()[line])
    comment = ""
    for version in range(2, repeat + 2):
        new_comment = f"  # edit {version}"
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=types.Position(line=line, character=code_end),
                end=types.Position(line=line, character=code_end + len(comment)),
            ),
            text=new_comment,
        )
        comment = new_comment
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
        await _wait(arrived, version, event)
        latencies.append(arrived[version] - sent)
    assert counts[repeat + 1] >= 2, counts  # the frozen step is still reported
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return latencies


async def _wait(arrived: dict[int, float], version: int, event: asyncio.Event) -> None:
    while version not in arrived:
        event.clear()
        await asyncio.wait_for(event.wait(), timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = (
            ("training", training_file(), "end"),
            ("training", training_file(), "middle"),
            ("mixed", mixed_file(), "end"),
        )
        for name, text, where in runs:
            latencies = asyncio.run(measure(text, Path(tmp), name, args.repeat, where))
            ms = sorted(1000 * t for t in latencies)
            print(
                f"{name:<9} {text.count(chr(10))} lines, edit at the {where:<6}: "
                f"median {statistics.median(ms):.0f} ms, "
                f"p90 {ms[int(0.9 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms "
                f"({len(ms)} changes; includes the 50 ms debounce)"
            )


if __name__ == "__main__":
    main()
