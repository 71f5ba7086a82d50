"""Saved plans: the inputs a plan was computed from, the plan file's signature, and how two plans differ.

A saved plan (`plan --out`) is the JSON plan plus what apply needs to recompute it instead of trusting
it (DESIGN §9.1): the desired state (canonical resources with their origins and directives, and the
scope directives), the workspace settings and the overrides. `apply PLAN.json` recomputes the plan
from these and compares change lists with `change_differences`. With `DECLARATE_PLAN_KEY`, the file
carries an HMAC-SHA256 signature over its canonical JSON (`canonical_bytes`, defined once here).

The file is hostile input: every reader here validates types and ranges and raises PlanFormatError,
never anything else. A saved plan never holds a secret: desired state is configuration, which names
environment variables (`api_key_env`) but never holds their values. Stdlib only; no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from declarate.model.address import Address, AddressError, Kind
from declarate.model.plan import Plan, PlanFormatError, json_type
from declarate.model.resource import Directives, Origin, Resource
from declarate.model.settings import Overrides, Policies, Safety, Settings
from declarate.model.state import ScopeDirectives, State

INPUTS_KEY = "inputs"
SIGNATURE_KEY = "signature"
SIGNATURE_ALGORITHM = "hmac-sha256"


@dataclass(frozen=True)
class PlanInputs:
    """Everything the planner was given besides live state: recomputing from them gives the plan again."""

    desired: State
    settings: Settings
    overrides: Overrides


@dataclass(frozen=True)
class SavedPlan:
    """A plan file read back: the plan it shows, the inputs to recompute it from, and its JSON."""

    plan: Plan
    inputs: PlanInputs
    document: Mapping[str, Any]


# --- canonical JSON and signatures ----------------------------------------------------------------


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The bytes a plan signature covers: the document without its signature, as JSON with sorted keys,
    no whitespace and ASCII only (`\\uXXXX` escapes), so any reader that decodes the same JSON values
    computes the same bytes whatever the file's formatting."""
    unsigned = {k: v for k, v in document.items() if k != SIGNATURE_KEY}
    return json.dumps(
        unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def signature(document: Mapping[str, Any], key: bytes) -> dict[str, str]:
    """The `signature` entry for a plan document: HMAC-SHA256 of its canonical bytes, in hex."""
    digest = hmac.new(key, canonical_bytes(document), hashlib.sha256).hexdigest()
    return {"algorithm": SIGNATURE_ALGORITHM, "value": digest}


class PlanSignatureError(ValueError):
    """A saved plan whose signature is missing or does not match the key."""


def verify_signature(document: Mapping[str, Any], key: bytes) -> None:
    """Raise PlanSignatureError unless the document carries a valid signature made with `key`."""
    entry = document.get(SIGNATURE_KEY)
    if entry is None:
        raise PlanSignatureError(
            "the plan is not signed, and DECLARATE_PLAN_KEY is set: only a plan made with the key is applied"
        )
    if not isinstance(entry, Mapping) or entry.get("algorithm") != SIGNATURE_ALGORITHM:
        raise PlanSignatureError(f"the plan's signature is not an {SIGNATURE_ALGORITHM} signature")
    value = entry.get("value")
    expected = signature(document, key)["value"]
    # Constant-time: how much of a forged signature matches must not show in the time taken.
    if not isinstance(value, str) or not hmac.compare_digest(value.encode(), expected.encode()):
        raise PlanSignatureError(
            "the plan's signature does not match: it was changed after it was made, or made with another key"
        )


# --- inputs to and from JSON ----------------------------------------------------------------------


def inputs_to_json(inputs: PlanInputs) -> dict[str, Any]:
    """The `inputs` section of a saved plan."""
    desired = inputs.desired
    return {
        "desired": {
            "scopes": sorted(desired.scopes),
            "directives": {
                scope: _scope_directives_to_json(desired.directives[scope])
                for scope in sorted(desired.directives)
            },
            "resources": [_resource_to_json(r) for r in sorted(desired, key=lambda r: str(r.address))],
            "unmanaged": [
                {"address": str(address), "origin": _origin_to_json(origin)}
                for address, origin in sorted(desired.unmanaged.items(), key=lambda item: str(item[0]))
            ],
            "absent": [
                {"address": str(address), "origin": _origin_to_json(origin)}
                for address, origin in sorted(desired.absent.items(), key=lambda item: str(item[0]))
            ],
        },
        "settings": _settings_to_json(inputs.settings),
        "overrides": overrides_to_json(inputs.overrides),
    }


def inputs_from_json(data: Any) -> PlanInputs:
    """Read the `inputs` section back; raises PlanFormatError on anything `inputs_to_json` cannot write."""
    try:
        section = _object(data, INPUTS_KEY)
        desired = _object(section["desired"], "inputs.desired")
        resources = [_resource_from_json(r) for r in _array(desired["resources"], "inputs.desired.resources")]
        addresses = [r.address for r in resources]
        if len(set(addresses)) != len(addresses):
            raise PlanFormatError("malformed plan: inputs.desired.resources lists an address twice")
        directives = {
            _string(scope, "a scope"): _scope_directives_from_json(value)
            for scope, value in _object(desired["directives"], "inputs.desired.directives").items()
        }
        scopes = {_string(s, "a scope") for s in _array(desired["scopes"], "inputs.desired.scopes")}
        unmanaged = dict(
            _declared_from_json(e, "unmanaged")
            for e in _array(desired["unmanaged"], "inputs.desired.unmanaged")
        )
        absent = dict(
            _declared_from_json(e, "absent") for e in _array(desired["absent"], "inputs.desired.absent")
        )
        return PlanInputs(
            desired=State.of(resources, scopes, directives, unmanaged=unmanaged, absent=absent),
            settings=_settings_from_json(section["settings"]),
            overrides=overrides_from_json(section["overrides"]),
        )
    except KeyError as exc:
        raise PlanFormatError(f"malformed plan: missing key {exc} in {INPUTS_KEY}") from exc
    except (AddressError, TypeError, ValueError) as exc:
        if isinstance(exc, PlanFormatError):
            raise
        raise PlanFormatError(f"malformed plan: {exc}") from exc


def _declared_from_json(data: Any, ensure: str) -> tuple[Address, Origin]:
    entry = _object(data, f"each object declared ensure: {ensure}")
    return Address.parse(_string(entry["address"], "an address")), _required_origin(entry["origin"])


def overrides_to_json(overrides: Overrides) -> dict[str, Any]:
    return {
        "only": list(overrides.only),
        "allow_replace": sorted(overrides.allow_replace),
        "allow_delete": sorted(overrides.allow_delete),
        "allow_mass_delete": overrides.allow_mass_delete,
    }


def overrides_from_json(data: Any) -> Overrides:
    section = _object(data, "inputs.overrides")
    only = tuple(_string(p, "an --only prefix") for p in _array(section["only"], "only"))
    replace = [_address_text(a) for a in _array(section["allow_replace"], "allow_replace")]
    delete = [_address_text(a) for a in _array(section["allow_delete"], "allow_delete")]
    return Overrides(
        allow_replace=frozenset(replace),
        allow_mass_delete=_bool(section["allow_mass_delete"], "allow_mass_delete"),
        only=only,
        allow_delete=frozenset(delete),
    )


def _resource_to_json(resource: Resource) -> dict[str, Any]:
    return {
        "address": str(resource.address),
        "attrs": resource.attrs,
        "origins": {path: _origin_to_json(o) for path, o in sorted(resource.origins.items())},
        "directives": {
            "ignore_changes": list(resource.directives.ignore_changes),
            "allow_replace": resource.directives.allow_replace,
            "renamed_from": resource.directives.renamed_from,
            "keep_backup": resource.directives.keep_backup,
            "backup_schedules": resource.directives.backup_schedules,
        },
        "spellings": [[canonical, written] for canonical, written in resource.spellings],
    }


def _resource_from_json(data: Any) -> Resource:
    entry = _object(data, "each desired resource")
    address = Address.parse(_string(entry["address"], "an address"))
    attrs = _object(entry["attrs"], f"attrs of {address}")
    name = attrs.get("name")
    if name is not None and address.kind is not Kind.ROLE_BINDING and name != address.name:
        raise PlanFormatError(f"malformed plan: {address} has attrs for {name!r}")
    origins = {
        _string(path, "an attribute path"): _required_origin(o)
        for path, o in _object(entry["origins"], f"origins of {address}").items()
    }
    directives = _object(entry["directives"], f"directives of {address}")
    return Resource(
        address,
        attrs,
        origins,
        Directives(
            ignore_changes=tuple(
                _string(p, "an ignore_changes path")
                for p in _array(directives["ignore_changes"], "ignore_changes")
            ),
            allow_replace=_bool(directives["allow_replace"], "allow_replace"),
            renamed_from=(
                None
                if directives.get("renamed_from") is None
                else _string(directives["renamed_from"], "renamed_from")
            ),
            keep_backup=_bool(directives.get("keep_backup", False), "keep_backup"),
            backup_schedules=_bool(directives.get("backup_schedules", False), "backup_schedules"),
        ),
        spellings=tuple(_spelling(p) for p in _array(entry["spellings"], f"spellings of {address}")),
    )


def _spelling(pair: Any) -> tuple[str, str]:
    """(canonical prefix, written prefix): how the config spelled a path, for showing it in its words."""
    items = _array(pair, "a spelling")
    if len(items) != 2:
        raise PlanFormatError(
            f"malformed plan: a spelling must be a [canonical, written] pair, found {items!r}"
        )
    return _string(items[0], "a canonical path"), _string(items[1], "a written path")


def _scope_directives_to_json(directives: ScopeDirectives) -> dict[str, Any]:
    return {
        "ensure_absent": directives.ensure_absent,
        "unmanaged": directives.unmanaged,
        "prune_api_keys": directives.prune_api_keys,
        "prune_role_bindings": directives.prune_role_bindings,
        "prune_service_accounts": directives.prune_service_accounts,
        "api_key_env": directives.api_key_env,
        "origin": _origin_to_json(directives.origin),
    }


def _scope_directives_from_json(data: Any) -> ScopeDirectives:
    entry = _object(data, "scope directives")
    env = entry["api_key_env"]
    return ScopeDirectives(
        ensure_absent=_bool(entry["ensure_absent"], "ensure_absent"),
        unmanaged=_bool(entry["unmanaged"], "unmanaged"),
        prune_api_keys=_bool(entry["prune_api_keys"], "prune_api_keys"),
        prune_role_bindings=_bool(entry["prune_role_bindings"], "prune_role_bindings"),
        prune_service_accounts=_bool(entry["prune_service_accounts"], "prune_service_accounts"),
        api_key_env=None if env is None else _string(env, "api_key_env"),
        origin=_origin_from_json(entry["origin"]),
    )


def _settings_to_json(settings: Settings) -> dict[str, Any]:
    policies = settings.policies
    return {
        "ownership_tag": {"key": settings.ownership_tag_key, "value": settings.ownership_tag_value},
        "safety": {
            "max_delete_fraction": settings.safety.max_delete_fraction,
            "min_existing": settings.safety.min_existing,
            "delete_all_min_existing": settings.safety.delete_all_min_existing,
        },
        "policies": {
            "require_deletion_protection": None
            if policies.require_deletion_protection is None
            else dict(policies.require_deletion_protection),
            "forbid_roles": list(policies.forbid_roles),
            "max_indexes_per_project": policies.max_indexes_per_project,
        },
        "secrets_dir": settings.secrets_dir,
    }


def _settings_from_json(data: Any) -> Settings:
    section = _object(data, "inputs.settings")
    tag = _object(section["ownership_tag"], "ownership_tag")
    safety = _object(section["safety"], "safety")
    fraction = safety["max_delete_fraction"]
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 <= fraction <= 1:
        raise PlanFormatError(
            f"malformed plan: max_delete_fraction must be a number from 0 to 1, found {fraction!r}"
        )
    policies = _object(section["policies"], "policies")
    required = policies["require_deletion_protection"]
    limit = policies["max_indexes_per_project"]
    secrets_dir = section["secrets_dir"]
    return Settings(
        ownership_tag_key=_string(tag["key"], "the ownership tag key"),
        ownership_tag_value=_string(tag["value"], "the ownership tag value"),
        safety=Safety(
            max_delete_fraction=float(fraction),
            min_existing=_count(safety["min_existing"], "min_existing"),
            delete_all_min_existing=_count(safety["delete_all_min_existing"], "delete_all_min_existing"),
        ),
        policies=Policies(
            require_deletion_protection=None
            if required is None
            else {
                _string(k, "a tag key"): _string(v, "a tag value")
                for k, v in _object(required, "require_deletion_protection").items()
            },
            forbid_roles=tuple(
                _string(r, "a role") for r in _array(policies["forbid_roles"], "forbid_roles")
            ),
            max_indexes_per_project=None if limit is None else _count(limit, "max_indexes_per_project"),
        ),
        secrets_dir=None if secrets_dir is None else _string(secrets_dir, "secrets_dir"),
    )


def _origin_to_json(origin: Origin | None) -> dict[str, Any] | None:
    return None if origin is None else {"file": origin.file, "line": origin.line, "column": origin.column}


def _origin_from_json(data: Any) -> Origin | None:
    if data is None:
        return None
    entry = _object(data, "a source position")
    return Origin(
        _string(entry["file"], "a file"), _count(entry["line"], "a line"), _count(entry["column"], "a column")
    )


def _required_origin(data: Any) -> Origin:
    origin = _origin_from_json(data)
    if origin is None:
        raise PlanFormatError("malformed plan: a source position must be an object, found null")
    return origin


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PlanFormatError(f"malformed plan: {what} must be an object, found {json_type(value)}")
    return value


def _array(value: Any, what: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise PlanFormatError(f"malformed plan: {what} must be an array, found {json_type(value)}")
    return value


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise PlanFormatError(f"malformed plan: {what} must be a string, found {json_type(value)}")
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise PlanFormatError(f"malformed plan: {what} must be true or false, found {json_type(value)}")
    return value


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PlanFormatError(f"malformed plan: {what} must be a whole number, found {value!r}")
    return value


def _address_text(value: Any) -> str:
    text = _string(value, "an address")
    Address.parse(text)
    return text
