"""Plan files: write a saved plan (signed with DECLARATE_PLAN_KEY when it is set) and read one back.

Reading checks, in order, before anything is sent: the file is JSON, its signature when the key is
set (a forged artifact never gets further), then every part of the plan and of its embedded inputs.
Each refusal is a PlanRefused with one clear message; warnings are returned for the cli to print.
It never holds the key longer than a call, and never writes or logs it. It does not decide whether
the plan may run: apply re-derives it (`workflow.rederive_saved_plan`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from declarate.errors import PlanRefused
from declarate.model.plan import Plan, PlanFormatError
from declarate.model.saved_plan import (
    INPUTS_KEY,
    SIGNATURE_KEY,
    PlanInputs,
    PlanSignatureError,
    SavedPlan,
    inputs_from_json,
    signature,
    verify_signature,
)
from declarate.model.settings import Overrides
from declarate.redaction import redact
from declarate.render.json import render_plan_json, saved_plan_document

PLAN_KEY_ENV = "DECLARATE_PLAN_KEY"  # the secret that signs saved plans (HMAC-SHA256)


def write_plan_file(path: Path, plan: Plan, inputs: PlanInputs, env: Mapping[str, str]) -> list[str]:
    """Save the plan with its inputs, signed when the key is set; the warnings to show."""
    key, warnings = _key(env, for_apply=False)
    # Known credential values are redacted before signing, so the signature covers the file as written.
    document = json.loads(redact(json.dumps(saved_plan_document(plan, inputs, None))))
    if key is not None:
        document[SIGNATURE_KEY] = signature(document, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return warnings


def as_saved(plan: Plan) -> dict[str, Any]:
    """A plan as `write_plan_file` writes its changes: what apply compares a recomputed plan in."""
    result: dict[str, Any] = json.loads(redact(render_plan_json(plan)))
    return result


def read_plan_file(path: Path, env: Mapping[str, str], overrides: Overrides) -> tuple[SavedPlan, list[str]]:
    """The saved plan, checked, and the warnings to show; raises PlanRefused.

    Override flags are refused beside a plan file: it holds the overrides it was made with.
    """
    if overrides != Overrides():
        raise PlanRefused(
            "--only, --allow-replace, --allow-delete and --allow-mass-delete cannot be given with a saved plan: it holds "
            "the overrides it was made with. Run plan again with them: declarate plan ... --out PLAN.json"
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanRefused(f"{path}: not a declarate plan: {exc}") from None
    key, warnings = _key(env, for_apply=True)
    if isinstance(document, dict):
        if key is not None:
            try:
                verify_signature(document, key)
            except PlanSignatureError as exc:
                raise PlanRefused(f"refusing {path}: {exc}") from None
        elif SIGNATURE_KEY in document:
            warnings.append(
                f"{path} is signed, but {PLAN_KEY_ENV} is not set: its signature was not checked."
            )
    try:
        plan = Plan.from_json(document)
        inputs = inputs_from_json(document.get(INPUTS_KEY))
    except PlanFormatError as exc:
        raise PlanRefused(f"{path}: not a declarate plan: {exc}") from None
    return SavedPlan(plan, inputs, document), warnings


def _key(env: Mapping[str, str], *, for_apply: bool) -> tuple[bytes | None, list[str]]:
    """The plan-signing key, or None when it is not set.

    Set but empty is what a CI secret that does not exist expands to: apply refuses (it would accept
    any plan), plan saves an unsigned plan and warns.
    """
    value = env.get(PLAN_KEY_ENV)
    if value is None:
        return None, []
    if not value.strip():
        if for_apply:
            raise PlanRefused(
                f"{PLAN_KEY_ENV} is set but empty: set it to the plan-signing secret, or unset it"
            )
        return None, [f"{PLAN_KEY_ENV} is set but empty: the saved plan is not signed."]
    return value.encode("utf-8"), []
