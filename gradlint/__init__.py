"""gradlint: finds TensorFlow training code whose weights silently never update.

The public API lives in :mod:`gradlint.api`; this module only carries the version so that
importing the package stays cheap for the pre-commit hook.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
