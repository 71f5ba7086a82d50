"""Control-plane handlers, one module per family of ``db_control_2026-07.oas.yaml``.

``indexes`` (handlers), ``index_config`` (index configuration rules), ``index_model`` (index
rows, their derived states and ``IndexModel`` form), ``backups`` (backups and restore jobs) and
``collections``. Every call acts within the calling API key's project.
"""
