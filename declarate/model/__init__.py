"""The canonical model: pure data shared by config, providers, engine and renderers (stdlib only)."""
