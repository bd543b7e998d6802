"""Allows ``python -m gradlint``.

``python -m`` puts the working folder first on ``sys.path``, so a repository being linted
could shadow any module gradlint imports later (a ``click.py`` of its own). That entry is
dropped before anything else is imported; the ``gradlint`` console script never has it.
"""

import os
import sys

if not getattr(sys.flags, "safe_path", False) and sys.path:
    first = sys.path[0]
    if first in ("", ".") or os.path.abspath(first) == os.getcwd():
        del sys.path[0]

from gradlint.fastpath import main  # noqa: E402 - only once the path is safe

if __name__ == "__main__":
    main()
