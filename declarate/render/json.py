"""The machine plan: `Plan.to_json()` as indented JSON, with credential-named fields masked.

The format is the public contract described by `schemas/plan.schema.json` and is also the saved-plan
file, so `Plan.from_json` reads it back unchanged for any plan without credential fields. This module
must not add, drop or reorder anything `to_json` says, beyond masking.
"""

from __future__ import annotations

import json
from typing import Any

from declarate.model.plan import Plan
from declarate.model.saved_plan import INPUTS_KEY, SIGNATURE_KEY, PlanInputs, inputs_to_json, signature
from declarate.render.masking import mask_plan_json


def render_plan_json(plan: Plan) -> str:
    """The versioned JSON plan (format_version "2"), indented, keys in `to_json` order.

    ASCII-only (non-ASCII escaped), so a saved plan reads back the same whatever the file encoding.
    """
    return json.dumps(mask_plan_json(plan.to_json()), indent=2, sort_keys=False)


def saved_plan_document(plan: Plan, inputs: PlanInputs, key: bytes | None) -> dict[str, Any]:
    """What `plan --out` writes: the JSON plan, the inputs it was computed from, and, given the
    `DECLARATE_PLAN_KEY`, a signature over all of it. `apply PLAN.json` compares the changes it
    recomputes, passed through `render_plan_json` too, with this document's."""
    document: dict[str, Any] = json.loads(render_plan_json(plan))
    document[INPUTS_KEY] = inputs_to_json(inputs)
    if key is not None:
        document[SIGNATURE_KEY] = signature(document, key)
    return document
