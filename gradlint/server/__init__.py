"""``gradlint server``: a Language Server Protocol server, so editors show findings as you type.

The protocol itself is pygls' job (the ``lsp`` extra); :mod:`gradlint.server.linting` holds
what gradlint adds (settings, the shared engine and cache, fixes, ``noqa`` edits, notebooks)
without importing pygls, and :mod:`gradlint.server.protocol` wires it to LSP messages. Nothing
here is imported by the command line unless ``gradlint server`` runs.
"""
