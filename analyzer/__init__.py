"""Static analysis: sources, parsing, name resolution, dataflow and the rule engine."""
