"""Usage per project (`declarate report`): what each project holds, as pure data, and its totals.

A figure that could not be read is None, never 0, and the object carries the reason; a total over
figures that include an unknown keeps the sum of the known ones and says how many were unknown, so
no renderer can show a wrong zero or a total that looks complete when it is not. Stdlib only; no
I/O, no formatting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

USAGE_FORMAT_VERSION = "1"


class Deployment(StrEnum):
    """How an index is deployed, as a cost review groups them."""

    SERVERLESS = "serverless"  # managed, on-demand reads
    DEDICATED = "dedicated"  # managed, with dedicated read nodes
    POD = "pod"
    BYOC = "byoc"


@dataclass(frozen=True)
class IndexUsage:
    """One index: its deployment, and what its data plane reported (None where it could not be read)."""

    name: str
    deployment: Deployment
    read_nodes: int = 0  # dedicated read nodes: replicas x shards (0 unless Dedicated)
    records: int | None = None
    namespaces: int | None = None
    storage_bytes: int | None = None
    unknown: str | None = None  # why the figures above are None

    @property
    def known(self) -> bool:
        return self.unknown is None


@dataclass(frozen=True)
class ProjectUsage:
    """One project. `unknown` says why its indexes could not be listed (then `indexes` is empty)."""

    name: str
    indexes: tuple[IndexUsage, ...] = ()
    backups: int | None = None
    backup_bytes: int | None = None
    backups_unknown: str | None = None
    api_keys: int = 0  # declarate's own temporary keys are not counted
    members: frozenset[str] = frozenset()  # principals bound to the project ("user:<id>" ...)
    role_bindings: int = 0
    unknown: str | None = None

    @property
    def totals(self) -> Totals:
        return totals([self])


@dataclass(frozen=True)
class Total:
    """The sum of the known figures and how many were unknown: complete only when none was."""

    value: int = 0
    unknown: int = 0

    @property
    def complete(self) -> bool:
        return self.unknown == 0

    def plus(self, figure: int | None, *, unknown: int = 1) -> Total:
        if figure is None:
            return Total(self.value, self.unknown + unknown)
        return Total(self.value + figure, self.unknown)


@dataclass(frozen=True)
class Totals:
    """Totals over some projects. `unknown` lists each project or index whose figures are missing."""

    projects: int = 0
    indexes: dict[Deployment, int] = field(default_factory=dict)
    read_nodes: int = 0
    records: Total = Total()
    namespaces: Total = Total()
    storage_bytes: Total = Total()
    backups: Total = Total()
    backup_bytes: Total = Total()
    api_keys: int = 0
    members: int = 0  # distinct principals over the projects counted
    role_bindings: int = 0
    unknown: tuple[str, ...] = ()  # "project/NAME" or "project/NAME/index/NAME", with its reason

    @property
    def index_count(self) -> int:
        return sum(self.indexes.values())

    @property
    def complete(self) -> bool:
        return not self.unknown


def totals(projects: Iterable[ProjectUsage]) -> Totals:
    """Sums over `projects`; members are counted once however many projects bind them."""
    by_deployment = dict.fromkeys(Deployment, 0)
    records = namespaces = storage = backups = backup_bytes = Total()
    count = read_nodes = api_keys = bindings = 0
    members: set[str] = set()
    unknown: list[str] = []
    for project in projects:
        count += 1
        api_keys += project.api_keys
        bindings += project.role_bindings
        members |= project.members
        backups = backups.plus(project.backups)
        backup_bytes = backup_bytes.plus(project.backup_bytes)
        if project.backups_unknown is not None:
            unknown.append(f"project/{project.name} backups: {project.backups_unknown}")
        if project.unknown is not None:
            # Its indexes could not be listed: every figure they would add is unknown.
            records, namespaces, storage = records.plus(None), namespaces.plus(None), storage.plus(None)
            unknown.append(f"project/{project.name}: {project.unknown}")
        for index in project.indexes:
            by_deployment[index.deployment] += 1
            read_nodes += index.read_nodes
            records = records.plus(index.records)
            namespaces = namespaces.plus(index.namespaces)
            storage = storage.plus(index.storage_bytes)
            if index.unknown is not None:
                unknown.append(f"project/{project.name}/index/{index.name}: {index.unknown}")
    return Totals(
        projects=count,
        indexes=by_deployment,
        read_nodes=read_nodes,
        records=records,
        namespaces=namespaces,
        storage_bytes=storage,
        backups=backups,
        backup_bytes=backup_bytes,
        api_keys=api_keys,
        members=len(members),
        role_bindings=bindings,
        unknown=tuple(unknown),
    )


@dataclass(frozen=True)
class UsageReport:
    """Usage of the projects read on one target (and environment), with the organization's totals."""

    target: str
    projects: tuple[ProjectUsage, ...]
    environment: str | None = None

    @property
    def totals(self) -> Totals:
        return totals(self.projects)

    @property
    def complete(self) -> bool:
        return self.totals.complete

    def named(self, names: Sequence[str]) -> UsageReport:
        """Only the projects in `names` (all when empty)."""
        if not names:
            return self
        wanted = set(names)
        return UsageReport(self.target, tuple(p for p in self.projects if p.name in wanted), self.environment)
