"""Specifications of target selection: which endpoint and credentials a command gets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from declarate.errors import TargetError
from declarate.targets import TargetOptions, default_oauth_url, local_db_path, open_provider

CREDENTIALS = {"PINECONE_CLIENT_ID": "cid", "PINECONE_CLIENT_SECRET": "s3cret"}


def target_of(options: TargetOptions) -> str:
    provider = open_provider(options, environ={})
    asyncio.run(provider.aclose())
    return provider.target


def test_local_is_the_default_when_no_credentials_are_set() -> None:
    assert TargetOptions.from_env({}).is_local


def test_credentials_in_the_environment_select_pinecone() -> None:
    options = TargetOptions.from_env(CREDENTIALS)
    assert not options.is_local
    assert target_of(options) == "https://api.pinecone.io"


def test_target_local_wins_over_credentials() -> None:
    assert TargetOptions.from_env(CREDENTIALS, target="local").is_local


def test_a_flags_variable_is_read_once_by_the_command_line_not_again_here() -> None:
    """click's `envvar=` reads DECLARATE_API_URL and DECLARATE_LOCAL_DB (and lets a flag win over
    them); the options take the flags as given and read only the credentials, which have no flag."""
    env = {"DECLARATE_API_URL": "http://env:1", "DECLARATE_LOCAL_DB": "env.db", **CREDENTIALS}
    options = TargetOptions.from_env(env, api_url="http://flag:2")
    assert options.api_url == "http://flag:2"
    assert options.local_db is None
    assert (options.client_id, options.client_secret) == tuple(CREDENTIALS.values())


def test_oauth_url_is_pinecone_login_for_pinecone_hosts_and_the_api_itself_otherwise() -> None:
    assert default_oauth_url("https://api.pinecone.io") == "https://login.pinecone.io/oauth/token"
    assert default_oauth_url("http://127.0.0.1:5080/") == "http://127.0.0.1:5080/oauth/token"
    assert (
        default_oauth_url("https://pinecone.io.example.com") == "https://pinecone.io.example.com/oauth/token"
    )


def test_an_api_url_without_credentials_is_a_clear_error() -> None:
    with pytest.raises(TargetError, match="set PINECONE_CLIENT_ID and PINECONE_CLIENT_SECRET"):
        open_provider(TargetOptions(api_url="http://127.0.0.1:5080"))


def test_target_local_and_an_api_url_together_are_refused() -> None:
    with pytest.raises(TargetError, match="cannot be used together"):
        open_provider(TargetOptions(target="local", api_url="http://127.0.0.1:5080"))


def test_an_unknown_target_is_refused() -> None:
    with pytest.raises(TargetError, match="unknown target 'staging'"):
        open_provider(TargetOptions(target="staging"))


def test_the_client_secret_never_shows_in_a_repr() -> None:
    assert "s3cret" not in repr(TargetOptions.from_env(CREDENTIALS))


def test_the_local_database_lives_under_the_working_directory_by_default(tmp_path: Path) -> None:
    assert local_db_path(TargetOptions(), tmp_path) == (tmp_path / ".declarate" / "local.db").resolve()
    assert local_db_path(TargetOptions(local_db="x/y.db"), tmp_path) == (tmp_path / "x" / "y.db").resolve()
