"""LibCST parse-only pass: the floor for a LibCST linter without slicing.

Parses every ``.py`` file under the given paths that contains ``--token`` (all files with
``--token ''``), the way a LibCST tool with a text prefilter but without slicing would.
"""

from __future__ import annotations

import argparse
import os
import sys

import libcst as cst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--token", default="GradientTape")
    args = parser.parse_args()
    sys.setrecursionlimit(20_000)
    parsed = failed = 0
    for top in args.paths:
        walk = [(top, [], [os.path.basename(top)])] if os.path.isfile(top) else os.walk(top)
        for folder, _, names in walk:
            for name in names:
                if not name.endswith(".py"):
                    continue
                path = top if os.path.isfile(top) else os.path.join(folder, name)
                with open(path, "rb") as handle:
                    data = handle.read()
                if args.token and args.token.encode() not in data:
                    continue
                try:
                    cst.parse_module(data)
                    parsed += 1
                except Exception:  # noqa: BLE001 - count, do not stop
                    failed += 1
    print(f"parsed {parsed} files ({failed} failed)")


if __name__ == "__main__":
    main()
