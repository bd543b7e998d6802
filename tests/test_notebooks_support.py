"""Builders for notebook test inputs, in the layouts real tools write (no tests here)."""

from __future__ import annotations

import json


def md(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(True)}


def raw_cell(source: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": source.splitlines(True)}


def code(source: str, *, as_string: bool = False, outputs: list | None = None) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": outputs or [],
        "source": source if as_string else source.splitlines(True),
    }


def notebook(*cells: dict, metadata: dict | None = None, nbformat: int = 4) -> dict:
    return {
        "cells": list(cells),
        "metadata": metadata
        if metadata is not None
        else {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        },
        "nbformat": nbformat,
        "nbformat_minor": 5,
    }


def jupyter_bytes(nb: dict) -> bytes:
    """What Jupyter (nbformat) writes: indent 1, sorted keys, raw UTF-8, final newline."""
    return (json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def colab_bytes(nb: dict) -> bytes:
    """Colab-like: indent 2, insertion order, ASCII escapes, no final newline."""
    return json.dumps(nb, indent=2).encode()


def minified_bytes(nb: dict) -> bytes:
    return json.dumps(nb, separators=(",", ":"), ensure_ascii=False).encode()
