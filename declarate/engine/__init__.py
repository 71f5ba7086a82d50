"""The engine: the pure planner (diff, ownership, safety, order) and the apply executor.

`plan(desired, live, settings, overrides)` turns two States into a Plan without any I/O.
"""

from declarate.engine.planner import plan

__all__ = ["plan"]
