"""Secret files: written once, owner-only, never overwritten, and the value never leaves the file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarate.errors import DeclarateError
from declarate.model.address import Address, Kind
from declarate.providers.base import SecretSink
from declarate.secret_files import FileSecretSink, SecretWriteError, secret_file_name

KEY = Address.api_key("apparel-team", "recs-service")
ACCOUNT = Address.service_account("recs-ci")
VALUE = "pcsk_4Xq9_secret_value_never_shown"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A permissive umask, so the modes asserted are the ones declarate sets, not the umask's."""
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_goes_to_a_file_named_after_its_address_and_field(in_tmp: Path) -> None:
    sink: SecretSink = FileSecretSink(Path(".declarate/secrets"))

    path = sink.store(KEY, "value", VALUE)

    assert path == ".declarate/secrets/project__apparel-team__api-key__recs-service.value"
    assert (in_tmp / path).read_text() == VALUE


def test_a_service_account_secret_is_named_after_the_account() -> None:
    assert secret_file_name(ACCOUNT, "client_secret") == "service-account__recs-ci.client_secret"


@pytest.mark.usefixtures("open_umask")
def test_the_secret_file_is_readable_by_its_owner_only(in_tmp: Path) -> None:
    path = FileSecretSink(in_tmp / "secrets").store(KEY, "value", VALUE)

    assert mode(in_tmp / path) == 0o600


@pytest.mark.usefixtures("open_umask")
def test_the_secrets_directory_is_private_to_its_owner(in_tmp: Path) -> None:
    FileSecretSink(in_tmp / ".declarate" / "secrets").store(KEY, "value", VALUE)

    assert mode(in_tmp / ".declarate" / "secrets") == 0o700


def test_modes_hold_under_a_restrictive_umask(in_tmp: Path) -> None:
    previous = os.umask(0o277)
    try:
        path = FileSecretSink(in_tmp / "secrets").store(KEY, "value", VALUE)
    finally:
        os.umask(previous)

    assert mode(in_tmp / path) == 0o600
    assert mode(in_tmp / "secrets") == 0o700


def test_the_secrets_directory_keeps_itself_out_of_git(in_tmp: Path) -> None:
    FileSecretSink(in_tmp / "secrets").store(KEY, "value", VALUE)

    assert (in_tmp / "secrets" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_an_existing_secret_is_never_overwritten(in_tmp: Path) -> None:
    sink = FileSecretSink(Path("secrets"))
    first = sink.store(KEY, "value", "pcsk_first")

    second = sink.store(KEY, "value", "pcsk_second")
    third = sink.store(KEY, "value", "pcsk_third")

    assert (first, second, third) == (
        "secrets/project__apparel-team__api-key__recs-service.value",
        "secrets/project__apparel-team__api-key__recs-service.value.1",
        "secrets/project__apparel-team__api-key__recs-service.value.2",
    )
    assert [Path(p).read_text() for p in (first, second, third)] == [
        "pcsk_first",
        "pcsk_second",
        "pcsk_third",
    ]


def test_a_symlink_at_the_secret_name_is_neither_followed_nor_replaced(in_tmp: Path) -> None:
    elsewhere = in_tmp / "elsewhere.txt"
    elsewhere.write_text("untouched")
    directory = in_tmp / "secrets"
    directory.mkdir()
    (directory / secret_file_name(KEY, "value")).symlink_to(elsewhere)

    path = FileSecretSink(directory).store(KEY, "value", VALUE)

    assert path.endswith(".value.1")
    assert elsewhere.read_text() == "untouched"
    assert (in_tmp / path).read_text() == VALUE


def test_an_existing_directory_is_tightened_and_gets_its_gitignore(in_tmp: Path) -> None:
    # An old .declarate/secrets kept mode 0777 and had no .gitignore (issue 10).
    directory = in_tmp / ".declarate" / "secrets"
    directory.mkdir(parents=True)
    os.chmod(directory, 0o777)

    FileSecretSink(directory).prepare()

    assert mode(directory) == 0o700
    assert (directory / ".gitignore").read_text().endswith("*\n")
    assert (in_tmp / ".declarate" / ".gitignore").read_text().endswith("*\n")  # covers local.db too


def test_a_secrets_dir_that_is_a_file_is_refused_before_anything_is_written(in_tmp: Path) -> None:
    target = in_tmp / "not-a-dir"
    target.write_text("x")
    with pytest.raises(SecretWriteError, match="is not a directory: nothing was changed"):
        FileSecretSink(target).prepare()
    with pytest.raises(SecretWriteError, match="not-a-dir is not a writable directory"):
        FileSecretSink(target / "below").prepare()
    assert target.read_text() == "x"


def test_an_existing_secret_file_is_found_for_its_address(in_tmp: Path) -> None:
    sink = FileSecretSink(in_tmp / "secrets")
    assert not sink.exists_for(KEY, "value")
    sink.store(KEY, "value", VALUE)
    assert sink.exists_for(KEY, "value")


def test_a_path_outside_the_working_directory_is_returned_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")

    path = FileSecretSink(tmp_path / "secrets").store(KEY, "value", VALUE)

    assert Path(path).is_absolute()
    assert Path(path).read_text() == VALUE


def test_an_address_cannot_write_outside_the_directory(in_tmp: Path) -> None:
    sneaky = Address(Kind.API_KEY, "..", "..")

    path = FileSecretSink(in_tmp / "secrets").store(sneaky, "value", VALUE)

    assert (in_tmp / path).parent == in_tmp / "secrets"


def test_a_field_name_that_is_not_a_plain_word_is_refused(in_tmp: Path) -> None:
    with pytest.raises(ValueError, match="not a secret field name"):
        FileSecretSink(in_tmp / "secrets").store(KEY, "../../escape", VALUE)


def test_an_unusable_directory_fails_with_a_message_naming_the_path_not_the_value(in_tmp: Path) -> None:
    (in_tmp / "secrets").write_text("a file, not a directory")

    with pytest.raises(SecretWriteError) as raised:
        FileSecretSink(in_tmp / "secrets").store(KEY, "value", VALUE)

    assert isinstance(raised.value, DeclarateError)
    assert "secrets" in str(raised.value)
    assert VALUE not in str(raised.value)


secret_values = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=8
).map(lambda s: "pcsk_" + s)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=secret_values)
def test_the_value_is_never_in_the_returned_path(in_tmp: Path, value: str) -> None:
    path = FileSecretSink(in_tmp / "secrets").store(KEY, "value", value)

    assert value not in path
    assert (in_tmp / path).read_text() == value


# Names the API accepts for projects and keys (no control characters), biased towards the characters
# a file name cannot keep: separators, underscores, percent signs, spaces, non-ASCII.
_NAMES = st.text(alphabet=st.sampled_from("ab_-%/ .é"), min_size=1, max_size=8)


@given(first=st.tuples(_NAMES, _NAMES), second=st.tuples(_NAMES, _NAMES))
def test_two_api_keys_never_share_a_secret_file_name(first: tuple[str, str], second: tuple[str, str]) -> None:
    if first != second:
        assert secret_file_name(Address.api_key(*first), "value") != secret_file_name(
            Address.api_key(*second), "value"
        )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("a b", "k"), ("a_b", "k")),  # a space and an underscore once gave the same file
        (("a", "b__api-key__c"), ("a__api-key__b", "c")),  # `__` inside a name looked like a separator
        (("team", "a/b"), ("team", "a_2Fb")),
    ],
)
def test_names_that_once_shared_a_file_have_their_own(one: tuple[str, str], other: tuple[str, str]) -> None:
    assert secret_file_name(Address.api_key(*one), "value") != secret_file_name(
        Address.api_key(*other), "value"
    )


def test_renaming_a_project_moves_its_own_key_files_only(in_tmp: Path) -> None:
    sink = FileSecretSink(in_tmp / "secrets")
    own = sink.store(Address.api_key("a", "k"), "value", "own-secret-value")
    other = sink.store(Address.api_key("a__api-key__b", "c"), "value", "other-secret-value")

    sink.rename(Address.project_("a"), Address.project_("z"))

    assert not (in_tmp / own).exists()
    assert (in_tmp / "secrets" / secret_file_name(Address.api_key("z", "k"), "value")).read_text() == (
        "own-secret-value"
    )
    assert (in_tmp / other).read_text() == "other-secret-value"  # another project's key stays put


def _address_of(file_name: str, field: str) -> Address:
    """Read a secret file name back: segments split at `__`, a segment with `%` percent-decoded."""
    segments = file_name.removesuffix("." + field).split("__")
    return Address.parse("/".join(unquote(s, errors="surrogatepass") if "%" in s else s for s in segments))


@given(project=_NAMES, name=_NAMES)
def test_a_secret_file_name_reads_back_as_its_address(project: str, name: str) -> None:
    # Stronger than "no two collide": the name holds the whole address, so no two can share it.
    key, account = Address.api_key(project, name), Address.service_account(name)

    assert _address_of(secret_file_name(key, "value"), "value") == key
    assert _address_of(secret_file_name(account, "client_secret"), "client_secret") == account
