"""Hand-built plans, diagnostics and results that the render tests read, and the golden-file check.

The plans cover every action, blocked changes, unmanaged objects, sources and secret-named fields, the
way the engine would produce them. Set UPDATE_GOLDEN=1 to rewrite the golden files from current output.
"""

from __future__ import annotations

import os
from pathlib import Path

from declarate import redaction
from declarate.diagnostics import Diagnostic, Severity
from declarate.model.address import Address, PrincipalType
from declarate.model.kinds import Mutability
from declarate.model.plan import Action, Block, Change, FieldDiff, Note, Plan, Unmanaged
from declarate.model.resource import Origin
from declarate.providers.base import ChangeResult, Outcome

GOLDEN = Path(__file__).parent / "golden"

API_KEY_VALUE = "pcsk_2f9d_THIS_IS_A_KEY_VALUE_9c1e"
CLIENT_SECRET = "cs_7Hq2_THIS_IS_A_CLIENT_SECRET_x8"

APPAREL = "projects/apparel-team.yaml"
ORG = "organization.yaml"

RECS_AFTER = {
    "name": "apparel-recs",
    "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 1536, "metric": "cosine"}}},
    "deployment": {"deployment_type": "serverless", "cloud": "aws", "region": "us-east-1"},
    "read_capacity": {"mode": "OnDemand"},
    "deletion_protection": "enabled",
    "tags": {"team": "apparel", "managed-by": "declarate"},
}


def assert_golden(name: str, text: str) -> None:
    """`text` equals golden/NAME; with UPDATE_GOLDEN=1 the file is rewritten instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"golden file {path} is missing: run with UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"output differs from {path}; rerun with UPDATE_GOLDEN=1 if the change is intended"
    )


def full_plan() -> Plan:
    """Every action, a blocked replace and a blocked delete, sources, dependencies and unmanaged objects."""
    project = Address.project_("apparel-team")
    recs = Address.index("apparel-team", "apparel-recs")
    search = Address.index("apparel-team", "apparel-search")
    legacy = Address.index("apparel-team", "legacy-recs")
    archive = Address.index("apparel-team", "archive")
    key = Address.api_key("apparel-team", "recs-service")
    account = Address.service_account("recs-ci")
    binding = Address.role_binding("apparel-team", PrincipalType.SERVICE_ACCOUNT, "recs-ci", "ProjectViewer")
    org_binding = Address.role_binding(None, PrincipalType.USER, "alice@example.com", "OrgMember")
    dim_reason = "dimension is immutable: replacing the index deletes all its vectors"
    changes = (
        Change(
            project,
            Action.UPDATE,
            fields=(FieldDiff("max_pods", 0, 4, "max_pods can be changed in place", Origin(APPAREL, 4, 11)),),
            source=Origin(APPAREL, 2, 1),
            reason="live differs from the config",
            before={"name": "apparel-team", "max_pods": 0, "force_encryption_with_cmek": False},
            after={"name": "apparel-team", "max_pods": 4, "force_encryption_with_cmek": False},
        ),
        Change(
            account,
            Action.CREATE,
            source=Origin(ORG, 3, 5),
            reason="declared in the config, not found live",
            after={"name": "recs-ci"},
        ),
        Change(
            key,
            Action.UPDATE,
            fields=(
                FieldDiff(
                    "roles",
                    ["DataPlaneViewer"],
                    ["DataPlaneEditor"],
                    "an API key's roles can be changed in place",
                    Origin(APPAREL, 25, 12),
                ),
            ),
            source=Origin(APPAREL, 24, 5),
            reason="live differs from the config",
            before={"name": "recs-service", "roles": ["DataPlaneViewer"]},
            after={"name": "recs-service", "roles": ["DataPlaneEditor"]},
            depends_on=(project,),
        ),
        Change(
            recs,
            Action.CREATE,
            source=Origin(APPAREL, 7, 5),
            reason="declared in the config, not found live",
            after=RECS_AFTER,
            depends_on=(project,),
        ),
        Change(
            search,
            Action.ADOPT,
            fields=(
                FieldDiff(
                    "tags.managed-by",
                    None,
                    "declarate",
                    "the ownership tag marks the index as managed",
                    default=True,
                ),
                FieldDiff(
                    "tags.team", "search", "apparel", "tags can be changed in place", Origin(APPAREL, 19, 14)
                ),
            ),
            source=Origin(APPAREL, 14, 5),
            reason="exists live without the ownership tag: adopted in place, never recreated",
            before={"name": "apparel-search", "tags": {"team": "search"}},
            after={"name": "apparel-search", "tags": {"team": "apparel", "managed-by": "declarate"}},
        ),
        Change(
            legacy,
            Action.REPLACE,
            fields=(
                FieldDiff(
                    "schema.fields._values.dimension",
                    768,
                    1536,
                    dim_reason,
                    Origin(APPAREL, 31, 16),
                    shown_as="dimension",
                    mutability=Mutability.REPLACE,  # as the diff sets it from the KINDS table
                ),
                FieldDiff(
                    "deletion_protection",
                    "enabled",
                    "disabled",
                    "deletion_protection can be changed in place",
                    Origin(APPAREL, 29, 5),
                    default=True,
                ),
            ),
            blocks=(
                Block(
                    "replace",
                    "replacing project/apparel-team/index/legacy-recs deletes all its vectors",
                    "set `allow_replace: true` on the index, or pass --allow-replace project/apparel-team/index/legacy-recs",
                ),
            ),
            source=Origin(APPAREL, 29, 5),
            reason="an immutable field changed",
            before={"name": "legacy-recs", "dimension": 768},
            after={"name": "legacy-recs", "dimension": 1536},
        ),
        Change(
            binding,
            Action.CREATE,
            source=Origin(APPAREL, 40, 5),
            reason="declared in the config, not found live",
            after={"principal": "recs-ci", "role": "ProjectViewer"},
            depends_on=(account, project),
        ),
        Change(
            archive,
            Action.DELETE,
            blocks=(
                Block(
                    "deletion_protection",
                    "project/apparel-team/index/archive has deletion protection enabled",
                    "disable deletion protection on the index first",
                ),
                Block(
                    "delete-all",
                    "this plan deletes all 2 indexes declarate owns in project/apparel-team",
                    "--allow-mass-delete",
                ),
            ),
            reason="owned by declarate and no longer declared",
            before={"name": "archive", "deletion_protection": "enabled"},
        ),
        Change(
            org_binding,
            Action.DELETE,
            reason="not declared, and the Organization document sets prune.role_bindings",
            before={"principal": "alice@example.com", "role": "OrgMember"},
        ),
    )
    unmanaged = (
        Unmanaged(Address.project_("sandbox"), "no document declares this project"),
        Unmanaged(
            Address.index("apparel-team", "hand-made"),
            "not declared and not tagged managed-by: declarate",
        ),
    )
    return Plan(
        changes=changes,
        unmanaged=unmanaged,
        fingerprints={str(search): "0f3a9c1d2e4b5a6c", str(project): "9a8b7c6d5e4f3a2b"},
        config_digest="c0ffee1234567890",
        target="local (embedded, .declarate/local.db)",
    )


def secret_plan() -> Plan:
    """Credential values in fields named `value` and `client_secret`, top-level and nested, on both sides.

    The values are registered as credentials, as the provider registers them where they enter: views
    mask by value, never by a field's name.
    """
    redaction.register_all([API_KEY_VALUE, "old-" + API_KEY_VALUE, CLIENT_SECRET, "x" + CLIENT_SECRET])
    key = Address.api_key("apparel-team", "recs-service")
    account = Address.service_account("recs-ci")
    return Plan(
        changes=(
            Change(
                key,
                Action.REPLACE,
                fields=(
                    FieldDiff(
                        "value", "old-" + API_KEY_VALUE, API_KEY_VALUE, "a key's value cannot be changed"
                    ),
                    FieldDiff("credentials.value", None, API_KEY_VALUE, "nested credential"),
                ),
                reason="rotated",
                before={"name": "recs-service", "value": "old-" + API_KEY_VALUE},
                after={"name": "recs-service", "value": API_KEY_VALUE, "nested": {"api_key": API_KEY_VALUE}},
            ),
            Change(
                account,
                Action.CREATE,
                reason="declared in the config, not found live",
                after={"name": "recs-ci", "client_secret": CLIENT_SECRET},
            ),
            Change(
                Address.service_account("deploy-bot"),
                Action.UPDATE,
                fields=(FieldDiff("client_secret", CLIENT_SECRET, "x" + CLIENT_SECRET, "rotated"),),
                reason="live differs from the config",
            ),
        )
    )


def unmanage_plan() -> Plan:
    """`ensure: unmanaged` on an owned index (one tag removed), a key reported, a note for a missing one."""
    legacy = Address.index("apparel-team", "legacy-recs")
    where = Origin(APPAREL, 14, 13)
    before = {**RECS_AFTER, "name": "legacy-recs"}
    after = {**before, "tags": {"team": "apparel"}}
    return Plan(
        changes=(
            Change(
                legacy,
                Action.UNMANAGE,
                fields=(
                    FieldDiff(
                        "tags.managed-by",
                        "declarate",
                        None,
                        "ensure: unmanaged: without the ownership tag declarate never changes or deletes the index",
                        where,
                    ),
                ),
                source=where,
                reason="declared ensure: unmanaged: declarate removes its ownership tag managed-by=declarate "
                "and never changes or deletes the index again",
                before=before,
                after=after,
            ),
        ),
        unmanaged=(
            Unmanaged(
                Address.api_key("apparel-team", "batch-job"),
                f"declared ensure: unmanaged at {APPAREL}:22:13: declarate no longer manages it",
            ),
        ),
        notes=(
            Note(
                Address.api_key("apparel-team", "gone-job"),
                "declared ensure: unmanaged, and not found live: nothing to unmanage",
                Origin(APPAREL, 25, 13),
            ),
        ),
        fingerprints={str(legacy): "5e4f3a2b9a8b7c6d"},
        target="local (embedded, .declarate/local.db)",
    )


def large_plan(projects: int = 30, indexes: int = 20) -> Plan:
    """A plan of `projects` x `indexes` index creates, each with its full desired attributes."""
    changes = []
    for p in range(projects):
        project = f"team-{p:02d}"
        for i in range(indexes):
            name = f"index-{i:02d}"
            changes.append(
                Change(
                    Address.index(project, name),
                    Action.CREATE,
                    source=Origin(f"projects/{project}.yaml", 5 + 6 * i, 5),
                    reason="declared in the config, not found live",
                    after={**RECS_AFTER, "name": name, "tags": {"team": project, "managed-by": "declarate"}},
                )
            )
    return Plan(changes=tuple(changes))


def sample_diagnostics() -> list[Diagnostic]:
    """Two errors in two files, one warning, one error without a position, in no particular order."""
    return [
        Diagnostic(
            Origin("projects/b.yaml", 9, 7),
            "indexes[1].metric",
            "expected one of cosine, euclidean, dotproduct, found 'cosin'",
            "schema.enum",
            hint="did you mean 'cosine'?",
        ),
        Diagnostic(
            Origin("projects/a.yaml", 3, 5),
            "indexes[0].tags",
            "tag key 'team' is set twice",
            "rules.duplicate_tag",
            severity=Severity.WARNING,
        ),
        Diagnostic(
            Origin("projects/a.yaml", 12, 9),
            "indexes[2].dimension",
            "expected an integer 1-20000, found 0",
            "rules.dimension",
        ),
        Diagnostic(None, "", "the config root loads no documents", "load.empty"),
    ]


def sample_results() -> list[ChangeResult]:
    """One of each outcome, one with a secret written."""
    return [
        ChangeResult(
            Address.service_account("recs-ci"), Outcome.DONE, secret_path=".declarate/secrets/recs-ci"
        ),
        ChangeResult(Address.index("apparel-team", "apparel-recs"), Outcome.DONE, "ready"),
        ChangeResult(Address.index("apparel-team", "apparel-search"), Outcome.ALREADY, "already up to date"),
        ChangeResult(
            Address.api_key("apparel-team", "recs-service"),
            Outcome.FAILED,
            "403 FORBIDDEN: the key lacks ProjectEditor",
        ),
        ChangeResult(
            Address.index("apparel-team", "legacy-recs"),
            Outcome.SKIPPED,
            "blocked: replace",
        ),
    ]
