"""Config: YAML files -> documents with positions -> diagnostics -> desired State and Settings."""
