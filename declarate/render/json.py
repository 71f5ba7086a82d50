"""The machine plan: `Plan.to_json()` as indented JSON, with credential-named fields masked.

The format is the public contract described by `schemas/plan.schema.json` and is also the saved-plan
file, so `Plan.from_json` reads it back unchanged for any plan without credential fields. This module
must not add, drop or reorder anything `to_json` says, beyond masking.
"""

from __future__ import annotations

import json

from declarate.model.plan import Plan
from declarate.render.masking import mask_plan_json


def render_plan_json(plan: Plan) -> str:
    """The versioned JSON plan (format_version "1"), indented, keys in `to_json` order.

    ASCII-only (non-ASCII escaped), so a saved plan reads back the same whatever the file encoding.
    """
    return json.dumps(mask_plan_json(plan.to_json()), indent=2, sort_keys=False)
