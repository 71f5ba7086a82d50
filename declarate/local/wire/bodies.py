"""Request body shapes of the 2026-07 specs, one constant per request schema component.

Each constant mirrors ``components.schemas.<Name>`` of ``admin_2026-07.oas.yaml`` or
``db_control_2026-07.oas.yaml``: field types, required fields, and ``additionalProperties: false``
as ``closed=True``. ``x-enum`` values are open strings in the specs, so they are checked as strings
here and as values in ``field_rules.py``. Only shapes: no rules, no defaults, no I/O.
"""

from __future__ import annotations

from .schema import AnyObject, ArrayOf, Bool, Int, MapOf, Obj, Str, Tagged

# --- Admin API -------------------------------------------------------------------------------

ROLE_BINDING_INPUT = Obj(
    {"resource_type": Str(), "resource_id": Str(), "role": Str()}, required=("resource_type", "role")
)
CREATE_PROJECT = Obj(
    {"name": Str(), "max_pods": Int(), "force_encryption_with_cmek": Bool()}, required=("name",)
)
UPDATE_PROJECT = Obj({"name": Str(), "max_pods": Int(), "force_encryption_with_cmek": Bool()})
UPDATE_ORGANIZATION = Obj({"name": Str()})
CREATE_API_KEY = Obj({"name": Str(), "roles": ArrayOf(Str())}, required=("name",))
UPDATE_API_KEY = Obj({"name": Str(), "roles": ArrayOf(Str())})
CREATE_SERVICE_ACCOUNT = Obj(
    {"name": Str(), "role_bindings": ArrayOf(ROLE_BINDING_INPUT)}, required=("name",)
)
UPDATE_SERVICE_ACCOUNT = Obj({"name": Str()})
CREATE_INVITE = Obj(
    {"email": Str(), "role_bindings": ArrayOf(ROLE_BINDING_INPUT)}, required=("email", "role_bindings")
)
CREATE_ROLE_BINDING = Obj(
    {
        "principal_type": Str(),
        "principal_id": Str(),
        "resource_type": Str(),
        "resource_id": Str(),
        "role": Str(),
    },
    required=("principal_type", "principal_id", "resource_type", "role"),
)

# --- Control plane ---------------------------------------------------------------------------

TAGS = MapOf(Str())
_FULL_TEXT_SEARCH = Obj(
    {
        "language": Str(),
        "stemming": Bool(),
        "stop_words": Bool(),
        "ngram": Obj(
            {"min_gram": Int(), "max_gram": Int(), "prefix_only": Bool()},
            required=("min_gram", "max_gram"),
            closed=True,
        ),
    },
    closed=True,
)
# CreateIndexSchemaField: the discriminator also names the types the service rejects
# semantically (metadata and semantic_text fields), so they reach validation with a clear message.
_SCHEMA_FIELD = Tagged(
    "type",
    {
        "dense_vector": Obj(
            {"type": Str(), "description": Str(), "dimension": Int(), "metric": Str()},
            required=("type", "dimension", "metric"),
        ),
        "sparse_vector": Obj({"type": Str(), "description": Str()}, required=("type",)),
        "string": Obj(
            {"type": Str(), "description": Str(), "full_text_search": _FULL_TEXT_SEARCH},
            required=("type",),
            closed=True,
        ),
        "semantic_text": AnyObject(),
        "float": AnyObject(),
        "number": AnyObject(),
        "integer": AnyObject(),
        "boolean": AnyObject(),
        "string_list": AnyObject(),
    },
    advertised=("dense_vector", "sparse_vector", "string"),
)
CREATE_INDEX_SCHEMA = Obj({"fields": MapOf(_SCHEMA_FIELD)}, required=("fields",))
DEPLOYMENT_REQUEST = Tagged(
    "deployment_type",
    {
        "managed": Obj(
            {"deployment_type": Str(), "cloud": Str(), "region": Str(), "environment": Str()},
            required=("deployment_type", "cloud", "region"),
            closed=True,
        ),
        "byoc": Obj(
            {"deployment_type": Str(), "environment": Str()},
            required=("deployment_type", "environment"),
            closed=True,
        ),
    },
    hint="pod-based indexes cannot be created with API version 2026-07",
)
_MANUAL = Obj({"replicas": Int(), "shards": Int()}, required=("replicas", "shards"))
READ_CAPACITY = Tagged(
    "mode",
    {
        "OnDemand": Obj({"mode": Str()}, required=("mode",)),
        "Dedicated": Obj(
            {
                "mode": Str(),
                "dedicated": Obj(
                    {"node_type": Str(), "scaling": Str(), "manual": _MANUAL},
                    required=("node_type", "scaling", "manual"),
                ),
            },
            required=("mode", "dedicated"),
        ),
    },
)
READ_CAPACITY_PATCH = Tagged(
    "mode",
    {
        "OnDemand": Obj({"mode": Str()}, required=("mode",)),
        "Dedicated": Obj(
            {
                "mode": Str(),
                "dedicated": Obj(
                    {
                        "node_type": Str(),
                        "scaling": Str(),
                        "manual": Obj({"replicas": Int(), "shards": Int()}),
                    }
                ),
            },
            required=("mode", "dedicated"),
        ),
    },
)
CREATE_INDEX = Obj(
    {
        "name": Str(),
        "deployment": DEPLOYMENT_REQUEST,
        "schema": CREATE_INDEX_SCHEMA,
        "cmek_id": Str(),
        "read_capacity": READ_CAPACITY,
        "tags": TAGS,
        "deletion_protection": Str(),
    },
    required=("schema",),
    closed=True,
)
METADATA_SCHEMA = Obj({"fields": MapOf(Obj({"filterable": Bool()}))})
CREATE_INDEX_FOR_MODEL = Obj(
    {
        "name": Str(),
        "cloud": Str(),
        "region": Str(),
        "deletion_protection": Str(),
        "tags": TAGS,
        "schema": METADATA_SCHEMA,
        "read_capacity": READ_CAPACITY,
        "embed": Obj(
            {
                "model": Str(),
                "metric": Str(),
                "field_map": AnyObject(),
                "dimension": Int(),
                "read_parameters": AnyObject(),
                "write_parameters": AnyObject(),
            },
            required=("model", "field_map"),
        ),
    },
    required=("name", "cloud", "region", "embed"),
)
_PATCH_SEMANTIC_TEXT = Obj(
    {"type": Str(), "model": Str(), "write_parameters": AnyObject(), "read_parameters": AnyObject()},
    required=("type",),
    closed=True,
)
CONFIGURE_INDEX = Obj(
    {
        "deployment": Obj({"replicas": Int(), "pod_type": Str()}, closed=True),
        "schema": Obj({"fields": MapOf(_PATCH_SEMANTIC_TEXT)}, required=("fields",)),
        "read_capacity": READ_CAPACITY_PATCH,
        "tags": TAGS,
        "deletion_protection": Str(),
    },
    closed=True,
)
CREATE_BACKUP = Obj({"name": Str(), "description": Str()})
_RETENTION = Obj({"expire_after_days": Int()}, required=("expire_after_days",))
CREATE_BACKUP_SCHEDULE = Obj(
    {
        "name": Str(),
        "schedule": Obj({"type": Str(), "frequency": Str()}, required=("type", "frequency")),
        "retention": _RETENTION,
    },
    required=("name", "schedule", "retention"),
)
UPDATE_BACKUP_SCHEDULE = Obj({"frequency": Str(), "retention": _RETENTION, "enabled": Bool()})
CREATE_INDEX_FROM_BACKUP = Obj(
    {"name": Str(), "tags": TAGS, "deletion_protection": Str(), "read_capacity": READ_CAPACITY},
    required=("name",),
)
CREATE_COLLECTION = Obj({"name": Str(), "source": Str()}, required=("name", "source"))

# --- Local-only hooks ------------------------------------------------------------------------

LOCAL_USER = Obj({"email": Str(), "name": Str(), "role": Str()}, required=("email",), closed=True)
LOCAL_POD_INDEX = Obj(
    {
        "project_id": Str(),
        "name": Str(),
        "dimension": Int(),
        "metric": Str(),
        "environment": Str(),
        "pod_type": Str(),
        "replicas": Int(),
        "shards": Int(),
        "tags": TAGS,
        "deletion_protection": Str(),
        "metadata_config": Obj({"indexed": ArrayOf(Str())}),
    },
    required=("project_id", "name", "dimension"),
    closed=True,
)
