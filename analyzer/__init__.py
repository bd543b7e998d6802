"""Static analysis: sources, parsing, name resolution, dataflow and the facts rules read.

Nothing here imports ``gradlint.rules``: the engine that runs rules is ``gradlint.engine``.
"""
