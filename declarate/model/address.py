"""Addresses: the stable, human-readable identity of every resource, e.g. `project/a/index/b`.

An address is pure identity: it never carries server ids. It must not import anything but the stdlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The resource kinds declarate manages; the value is the address segment."""

    PROJECT = "project"
    INDEX = "index"
    API_KEY = "api-key"
    SERVICE_ACCOUNT = "service-account"
    ROLE_BINDING = "role-binding"


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


@dataclass(frozen=True)
class Address:
    """Identity of one resource.

    `project` is the owning project's name, or None for organization-level resources
    (service accounts and organization role bindings). For role bindings `name` is
    `<principal type>:<principal>/<role>`, e.g. `service-account:recs-ci/ProjectViewer`.
    """

    kind: Kind
    project: str | None
    name: str

    def _sort_key(self) -> tuple[str, str, str]:
        # Organization-level addresses have no project; sort them before any project's.
        return (self.kind.value, self.project or "", self.name)

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
    def api_key(cls, project: str, name: str) -> Address:
        return cls(Kind.API_KEY, project, name)

    @classmethod
    def service_account(cls, name: str) -> Address:
        return cls(Kind.SERVICE_ACCOUNT, None, name)

    @classmethod
    def role_binding(
        cls, project: str | None, principal_type: PrincipalType, principal: str, role: str
    ) -> Address:
        return cls(Kind.ROLE_BINDING, project, f"{principal_type.value}:{principal}/{role}")

    @property
    def scope(self) -> str:
        """The scope that owns this resource: `project/<name>` or `organization`."""
        return f"project/{self.project}" if self.project is not None else ORGANIZATION

    def __str__(self) -> str:
        if self.kind is Kind.PROJECT:
            return f"project/{self.name}"
        if self.kind is Kind.SERVICE_ACCOUNT:
            return f"service-account/{self.name}"
        return f"{self.scope}/{self.kind.value}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse `str(address)` back; raises AddressError with what was expected."""
        parts = text.split("/")
        if len(parts) == 2 and parts[0] == Kind.PROJECT.value and parts[1]:
            return cls.project_(parts[1])
        if len(parts) == 2 and parts[0] == Kind.SERVICE_ACCOUNT.value and parts[1]:
            return cls.service_account(parts[1])
        if parts[0] == ORGANIZATION and len(parts) >= 3 and parts[1] == Kind.ROLE_BINDING.value:
            return cls(Kind.ROLE_BINDING, None, "/".join(parts[2:]))
        if parts[0] == Kind.PROJECT.value and len(parts) >= 4 and parts[1]:
            try:
                kind = Kind(parts[2])
            except ValueError:
                kind = None
            if kind in (Kind.INDEX, Kind.API_KEY, Kind.ROLE_BINDING):
                assert kind is not None
                name = "/".join(parts[3:])
                if name and (kind is Kind.ROLE_BINDING or "/" not in name):
                    return cls(kind, parts[1], name)
        raise AddressError(
            f"not an address: {text!r} (expected e.g. project/NAME, project/NAME/index/NAME, "
            "project/NAME/api-key/NAME, project/NAME/role-binding/user:EMAIL/ROLE, "
            "service-account/NAME, organization/role-binding/service-account:NAME/ROLE)"
        )

    def matches_prefix(self, prefix: str) -> bool:
        """True when `--only PREFIX` selects this address (whole path segments only)."""
        prefix = prefix.rstrip("/")
        text = str(self)
        return text == prefix or text.startswith(prefix + "/")

    def role_binding_parts(self) -> tuple[PrincipalType, str, str]:
        """(principal type, principal, role) of a role-binding address."""
        if self.kind is not Kind.ROLE_BINDING:
            raise AddressError(f"{self} is not a role binding")
        principal, _, role = self.name.rpartition("/")
        ptype, _, who = principal.partition(":")
        return PrincipalType(ptype), who, role


def organization_scope() -> str:
    return ORGANIZATION
