"""An environment's target and credentials: read from the variables it names, never a local fallback."""

from __future__ import annotations

import asyncio

import pytest

from declarate.errors import TargetError
from declarate.model.resource import Origin
from declarate.model.settings import Environment, PinnedTarget
from declarate.targets import TargetOptions, for_environment, open_provider

PROD = Environment(
    "prod",
    target=PinnedTarget("https://api.pinecone.io", Origin("declarate.yaml", 7, 13)),
    client_id_env="PROD_CLIENT_ID",
    client_secret_env="PROD_CLIENT_SECRET",
)


def test_the_environment_reads_its_own_credential_variables_and_is_named_beside_the_target() -> None:
    environ = {
        "PROD_CLIENT_ID": "prod-id",
        "PROD_CLIENT_SECRET": "prod-secret",
        "PINECONE_CLIENT_ID": "other",
        "PINECONE_CLIENT_SECRET": "other",
    }
    options = for_environment(TargetOptions.from_env(environ), PROD, environ)
    assert (options.client_id, options.client_secret) == ("prod-id", "prod-secret")
    provider = open_provider(options, environ={}, pinned=PROD.target)
    asyncio.run(provider.aclose())
    assert provider.target == "https://api.pinecone.io, environment prod"


def test_missing_environment_credentials_name_its_variables_and_never_fall_back_to_local() -> None:
    environ = {"PINECONE_CLIENT_ID": "cid", "PINECONE_CLIENT_SECRET": "s3cret-value"}  # not prod's
    options = for_environment(TargetOptions.from_env(environ), PROD, environ)
    with pytest.raises(TargetError) as refused:
        open_provider(options, environ={}, pinned=PROD.target)
    message = str(refused.value)
    assert "environment 'prod' pins the target to https://api.pinecone.io (declarate.yaml:7:13)" in message
    assert "PROD_CLIENT_ID and PROD_CLIENT_SECRET are not set" in message
    assert "s3cret-value" not in message


def test_without_credential_names_the_pinecone_variables_are_read() -> None:
    environ = {"PINECONE_CLIENT_ID": "cid", "PINECONE_CLIENT_SECRET": "s"}
    options = for_environment(TargetOptions.from_env(environ), Environment("dev"), environ)
    assert (options.client_id, options.environment) == ("cid", "dev")
