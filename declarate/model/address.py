"""Addresses: the stable, human-readable identity of every resource, e.g. `project/a/index/b`.

An address is pure identity: it never carries server ids. It must not import anything but the stdlib.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cached_property


class Kind(StrEnum):
    """The resource kinds declarate manages; the value is the address segment."""

    PROJECT = "project"
    INDEX = "index"
    API_KEY = "api-key"
    SERVICE_ACCOUNT = "service-account"
    ROLE_BINDING = "role-binding"
    BACKUP_SCHEDULE = "backup-schedule"


class PrincipalType(StrEnum):
    """Who a role binding grants to; the value is the address spelling (`user:alice@x`)."""

    USER = "user"
    SERVICE_ACCOUNT = "service-account"


ORGANIZATION = "organization"

# How a principal is named in config keys and in the API's `principal_type`, which agree. An invite
# is a person by email, as a user is: `invite:` in config is an alias of `user:`, and an invite's
# live binding is that person's binding, so accepting an invite never changes a plan.
PRINCIPAL_NAMES: dict[str, PrincipalType] = {
    "user": PrincipalType.USER,
    "invite": PrincipalType.USER,
    "service_account": PrincipalType.SERVICE_ACCOUNT,
}


class AddressError(ValueError):
    """A string that is not a declarate address."""


def escape_segment(text: str) -> str:
    """One address segment: `%` and `/` escaped, so a name can never read as a separator."""
    return text.replace("%", "%25").replace("/", "%2F")


_ESCAPE = re.compile(r"%(25|2[Ff])")


def unescape_segment(text: str) -> str:
    """Inverse of escape_segment; any other `%` is taken as written, so hand-typed names still work."""
    return _ESCAPE.sub(lambda m: "%" if m.group(1) == "25" else "/", text)


@dataclass(frozen=True)
class Address:
    """Identity of one resource.

    `project` is the owning project's name, or None for organization-level resources
    (service accounts and organization role bindings). A role binding is identified by structure, never
    by a string to split: `name` is the principal (email, user id or service account name), with
    `principal_type` and `role` beside it. Its string form is `<principal type>:<principal>/<role>`,
    e.g. `service-account:recs-ci/ProjectViewer`, each segment escaped (`escape_segment`). A backup
    schedule lives under its index: `index_name` names it, and its string form is
    `project/P/index/I/backup-schedule/S`.
    """

    kind: Kind
    project: str | None
    name: str
    principal_type: PrincipalType | None = None  # role bindings only
    role: str | None = None  # role bindings only
    index_name: str | None = None  # backup schedules only: the index the schedule backs up

    def _sort_key(self) -> tuple[str, str, str, str, str, str]:
        # Organization-level addresses have no project; sort them before any project's.
        ptype = self.principal_type.value if self.principal_type is not None else ""
        return (self.kind.value, self.project or "", self.index_name or "", ptype, self.name, self.role or "")

    def __lt__(self, other: Address) -> bool:
        return self._sort_key() < other._sort_key()

    def __le__(self, other: Address) -> bool:
        return self._sort_key() <= other._sort_key()

    def __gt__(self, other: Address) -> bool:
        return self._sort_key() > other._sort_key()

    def __ge__(self, other: Address) -> bool:
        return self._sort_key() >= other._sort_key()

    @classmethod
    def project_(cls, name: str) -> Address:
        return cls(Kind.PROJECT, name, name)

    @classmethod
    def index(cls, project: str, name: str) -> Address:
        return cls(Kind.INDEX, project, name)

    @classmethod
    def backup_schedule(cls, project: str, index: str, name: str) -> Address:
        return cls(Kind.BACKUP_SCHEDULE, project, name, index_name=index)

    @property
    def parent_index(self) -> Address:
        """The index a backup schedule belongs to."""
        if self.kind is not Kind.BACKUP_SCHEDULE or self.index_name is None or self.project is None:
            raise AddressError(f"{self} is not a backup schedule")
        return Address.index(self.project, self.index_name)

    @classmethod
    def api_key(cls, project: str, name: str) -> Address:
        return cls(Kind.API_KEY, project, name)

    @classmethod
    def service_account(cls, name: str) -> Address:
        return cls(Kind.SERVICE_ACCOUNT, None, name)

    @classmethod
    def role_binding(
        cls, project: str | None, principal_type: PrincipalType, principal: str, role: str
    ) -> Address:
        return cls(Kind.ROLE_BINDING, project, principal, principal_type, role)

    @property
    def scope(self) -> str:
        """The scope that owns this resource: `project/<name>` or `organization` (an internal key)."""
        return f"project/{self.project}" if self.project is not None else ORGANIZATION

    @property
    def principal_key(self) -> tuple[str | None, PrincipalType | None, str]:
        """A role binding's scope and principal without its role: two bindings sharing it are a role change."""
        return self.project, self.principal_type, self.name

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        # Made once per address: states and plans look addresses up by the hundred thousand, and
        # the generated hash hashed all six fields (the kind through Enum's Python-level __hash__).
        return hash((self.kind, self.project, self.name, self.principal_type, self.role, self.index_name))

    def __getstate__(self) -> dict[str, object]:
        """The fields only: a cached hash is valid only in the process that made it."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __str__(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        # Made once per address: plans sort and key thousands of addresses by their text.
        name = escape_segment(self.name)
        if self.kind is Kind.PROJECT:
            return f"project/{name}"
        if self.kind is Kind.SERVICE_ACCOUNT:
            return f"service-account/{name}"
        if self.kind is Kind.ROLE_BINDING:
            ptype = self.principal_type.value if self.principal_type is not None else ""
            name = f"{ptype}:{name}/{escape_segment(self.role or '')}"
        if self.kind is Kind.BACKUP_SCHEDULE:
            name = f"{escape_segment(self.index_name or '')}/{Kind.BACKUP_SCHEDULE.value}/{name}"
            return f"project/{escape_segment(self.project or '')}/{Kind.INDEX.value}/{name}"
        scope = ORGANIZATION if self.project is None else f"project/{escape_segment(self.project)}"
        return f"{scope}/{self.kind.value}/{name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse `str(address)` back; raises AddressError with what was expected."""
        parts = text.split("/")
        if all(parts):
            found = _parse_parts(parts)
            if found is not None:
                return found
        raise AddressError(
            f"not an address: {text!r} (expected e.g. project/NAME, project/NAME/index/NAME, "
            "project/NAME/api-key/NAME, project/NAME/role-binding/user:EMAIL/ROLE, "
            "project/NAME/index/NAME/backup-schedule/NAME, "
            "service-account/NAME, organization/role-binding/service-account:NAME/ROLE; "
            "write / inside a name as %2F and % as %25)"
        )

    def matches_prefix(self, prefix: str) -> bool:
        """True when `--only PREFIX` selects this address (whole path segments only)."""
        prefix = prefix.rstrip("/")
        text = str(self)
        return text == prefix or text.startswith(prefix + "/")

    def role_binding_parts(self) -> tuple[PrincipalType, str, str]:
        """(principal type, principal, role) of a role-binding address."""
        if self.kind is not Kind.ROLE_BINDING or self.principal_type is None or self.role is None:
            raise AddressError(f"{self} is not a role binding")
        return self.principal_type, self.name, self.role


def _parse_parts(parts: list[str]) -> Address | None:
    """The address `parts` (split on `/`, every one non-empty) spell, or None."""
    names = [unescape_segment(part) for part in parts]
    if len(parts) == 2 and parts[0] == Kind.PROJECT.value:
        return Address.project_(names[1])
    if len(parts) == 2 and parts[0] == Kind.SERVICE_ACCOUNT.value:
        return Address.service_account(names[1])
    if parts[0] == ORGANIZATION and len(parts) == 4 and parts[1] == Kind.ROLE_BINDING.value:
        return _binding(None, parts[2], names[3])
    if parts[0] != Kind.PROJECT.value or len(parts) < 4:
        return None
    project = names[1]
    if len(parts) == 4 and parts[2] == Kind.INDEX.value:
        return Address.index(project, names[3])
    if len(parts) == 4 and parts[2] == Kind.API_KEY.value:
        return Address.api_key(project, names[3])
    if len(parts) == 6 and parts[2] == Kind.INDEX.value and parts[4] == Kind.BACKUP_SCHEDULE.value:
        return Address.backup_schedule(project, names[3], names[5])
    if len(parts) == 5 and parts[2] == Kind.ROLE_BINDING.value:
        return _binding(project, parts[3], names[4])
    return None


def _binding(project: str | None, principal: str, role: str) -> Address | None:
    """`<type>:<principal>` (still escaped) and a role, or None when the type is unknown."""
    ptype, colon, who = principal.partition(":")
    if not colon or not who:
        return None
    try:
        principal_type = PrincipalType(ptype)
    except ValueError:
        return None
    return Address.role_binding(project, principal_type, unescape_segment(who), role)


def organization_scope() -> str:
    return ORGANIZATION
