"""``python -m declarate.local serve ...``: the ``declarate local`` command group, standalone (no logic)."""

from .cli import local_group

if __name__ == "__main__":
    local_group(prog_name="python -m declarate.local")
