"""The app factory and the route table: every operation of the 2026-07 specs, each with its handler.

``OPERATIONS`` lists each ``method path`` of the OAuth, Admin and control-plane specs with its
operationId, family, handler and request shape (the contract suite checks the table against the
specs). ``METRICS_OPERATIONS`` serve the metrics API, ``LOCAL_OPERATIONS`` the local-only
routes. ``create_app`` opens the store,
bootstraps the organization and owner, and wraps the Starlette app in the counting, fault and
recording layers. This module wires things together; it holds no rules of its own.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from . import local_routes, metrics, oauth
from .admin import api_keys, organizations, principals, projects, role_bindings
from .bootstrap import Bootstrap, ensure_bootstrap
from .control import backup_schedules, backups, collections, indexes
from .data import hosts, records
from .data.operations import DATA_OPERATIONS
from .data.routes import data_routes
from .errors import ApiError, error_response
from .faults import FaultInjector
from .routing import ADMIN, CONTROL, LOCAL_ADMIN, METRICS, OAUTH, OPEN, Context, Operation, endpoint
from .settings import LocalSettings
from .stats import CountingWrapper, Recorder, RecordingWrapper, RequestStats
from .store import Store
from .wire import bodies as shape

O = Operation  # noqa: E741 - keeps the table readable

# fmt: off
OPERATIONS: tuple[Operation, ...] = (
    O("POST", "/oauth/token", "get_token", OAUTH, oauth.get_token),
    # Admin API: organizations and projects
    O("GET", "/admin/organizations", "list_organizations", ADMIN, organizations.list_organizations),
    O("GET", "/admin/organizations/{organization_id}", "fetch_organization", ADMIN,
      organizations.fetch_organization),
    O("PATCH", "/admin/organizations/{organization_id}", "update_organization", ADMIN,
      organizations.update_organization, shape.UPDATE_ORGANIZATION),
    O("DELETE", "/admin/organizations/{organization_id}", "delete_organization", ADMIN,
      organizations.delete_organization),
    O("GET", "/admin/projects", "list_projects", ADMIN, projects.list_projects),
    O("POST", "/admin/projects", "create_project", ADMIN, projects.create_project, shape.CREATE_PROJECT),
    O("GET", "/admin/projects/{project_id}", "fetch_project", ADMIN, projects.fetch_project),
    O("PATCH", "/admin/projects/{project_id}", "update_project", ADMIN, projects.update_project,
      shape.UPDATE_PROJECT),
    O("DELETE", "/admin/projects/{project_id}", "delete_project", ADMIN, projects.delete_project),
    # Admin API: API keys
    O("GET", "/admin/projects/{project_id}/api-keys", "list_project_api_keys", ADMIN,
      api_keys.list_project_api_keys),
    O("POST", "/admin/projects/{project_id}/api-keys", "create_api_key", ADMIN, api_keys.create_api_key,
      shape.CREATE_API_KEY),
    O("GET", "/admin/api-keys/{api_key_id}", "fetch_api_key", ADMIN, api_keys.fetch_api_key),
    O("PATCH", "/admin/api-keys/{api_key_id}", "update_api_key", ADMIN, api_keys.update_api_key,
      shape.UPDATE_API_KEY),
    O("DELETE", "/admin/api-keys/{api_key_id}", "delete_api_key", ADMIN, api_keys.delete_api_key),
    # Admin API: users and invites
    O("GET", "/admin/users", "list_users", ADMIN, principals.list_users),
    O("GET", "/admin/users/{user_id}", "fetch_user", ADMIN, principals.fetch_user),
    O("DELETE", "/admin/users/{user_id}", "delete_user", ADMIN, principals.delete_user),
    O("GET", "/admin/invites", "list_invites", ADMIN, principals.list_invites),
    O("POST", "/admin/invites", "create_invite", ADMIN, principals.create_invite, shape.CREATE_INVITE),
    O("GET", "/admin/invites/{invite_id}", "fetch_invite", ADMIN, principals.fetch_invite),
    O("DELETE", "/admin/invites/{invite_id}", "delete_invite", ADMIN, principals.delete_invite),
    O("POST", "/admin/invites/{invite_id}/resend", "resend_invite", ADMIN, principals.resend_invite),
    # Admin API: service accounts
    O("GET", "/admin/service-accounts", "list_service_accounts", ADMIN, principals.list_service_accounts),
    O("POST", "/admin/service-accounts", "create_service_account", ADMIN,
      principals.create_service_account, shape.CREATE_SERVICE_ACCOUNT),
    O("GET", "/admin/service-accounts/{service_account_id}", "fetch_service_account", ADMIN,
      principals.fetch_service_account),
    O("PATCH", "/admin/service-accounts/{service_account_id}", "update_service_account", ADMIN,
      principals.update_service_account, shape.UPDATE_SERVICE_ACCOUNT),
    O("DELETE", "/admin/service-accounts/{service_account_id}", "delete_service_account", ADMIN,
      principals.delete_service_account),
    O("POST", "/admin/service-accounts/{service_account_id}/rotate-secret",
      "rotate_service_account_secret", ADMIN, principals.rotate_service_account_secret),
    # Admin API: role bindings
    O("GET", "/admin/role-bindings", "list_role_bindings", ADMIN, role_bindings.list_role_bindings),
    O("POST", "/admin/role-bindings", "create_role_binding", ADMIN, role_bindings.create_role_binding,
      shape.CREATE_ROLE_BINDING),
    O("GET", "/admin/role-bindings/{role_binding_id}", "fetch_role_binding", ADMIN,
      role_bindings.fetch_role_binding),
    O("DELETE", "/admin/role-bindings/{role_binding_id}", "delete_role_binding", ADMIN,
      role_bindings.delete_role_binding),
    # Control plane: indexes
    O("GET", "/indexes", "list_indexes", CONTROL, indexes.list_indexes),
    O("POST", "/indexes", "create_index", CONTROL, indexes.create_index, shape.CREATE_INDEX),
    O("POST", "/indexes/create-for-model", "create_index_for_model", CONTROL, indexes.create_index_for_model,
      shape.CREATE_INDEX_FOR_MODEL),
    O("GET", "/indexes/{index_name}", "describe_index", CONTROL, indexes.describe_index),
    O("PATCH", "/indexes/{index_name}", "configure_index", CONTROL, indexes.configure_index,
      shape.CONFIGURE_INDEX),
    O("DELETE", "/indexes/{index_name}", "delete_index", CONTROL, indexes.delete_index),
    # Control plane: backups and restore jobs
    O("GET", "/indexes/{index_name}/backups", "list_index_backups", CONTROL, backups.list_index_backups),
    O("POST", "/indexes/{index_name}/backups", "create_backup", CONTROL, backups.create_backup,
      shape.CREATE_BACKUP),
    O("GET", "/backups", "list_project_backups", CONTROL, backups.list_project_backups),
    O("GET", "/backups/{backup_id}", "describe_backup", CONTROL, backups.describe_backup),
    O("DELETE", "/backups/{backup_id}", "delete_backup", CONTROL, backups.delete_backup),
    O("POST", "/backups/{backup_id}/create-index", "create_index_from_backup_operation", CONTROL,
      backups.create_index_from_backup, shape.CREATE_INDEX_FROM_BACKUP),
    O("GET", "/restore-jobs", "list_restore_jobs", CONTROL, backups.list_restore_jobs),
    O("GET", "/restore-jobs/{job_id}", "describe_restore_job", CONTROL, backups.describe_restore_job),
    # Control plane: backup schedules
    O("GET", "/indexes/{index_name}/backup-schedules", "list_backup_schedules", CONTROL,
      backup_schedules.list_backup_schedules),
    O("POST", "/indexes/{index_name}/backup-schedules", "create_backup_schedule", CONTROL,
      backup_schedules.create_backup_schedule, shape.CREATE_BACKUP_SCHEDULE),
    O("GET", "/backup-schedules/{schedule_id}", "describe_backup_schedule", CONTROL,
      backup_schedules.describe_backup_schedule),
    O("PATCH", "/backup-schedules/{schedule_id}", "update_backup_schedule", CONTROL,
      backup_schedules.update_backup_schedule, shape.UPDATE_BACKUP_SCHEDULE),
    O("DELETE", "/backup-schedules/{schedule_id}", "delete_backup_schedule", CONTROL,
      backup_schedules.delete_backup_schedule),
    O("GET", "/backup-schedules/{schedule_id}/history", "list_backup_schedule_history", CONTROL,
      backup_schedules.list_backup_schedule_history),
    # Control plane: collections
    O("GET", "/collections", "list_collections", CONTROL, collections.list_collections),
    O("POST", "/collections", "create_collection", CONTROL, collections.create_collection,
      shape.CREATE_COLLECTION),
    O("GET", "/collections/{collection_name}", "describe_collection", CONTROL,
      collections.describe_collection),
    O("DELETE", "/collections/{collection_name}", "delete_collection", CONTROL,
      collections.delete_collection),
)

# The metrics API (db_metrics_2026-07): its discovery operation, and the export it points to (a path
# of this server's own: Pinecone serves the export on a regional host).
METRICS_OPERATIONS: tuple[Operation, ...] = (
    O("GET", "/prometheus/projects/{project_id}/metrics/discover", "fetch_prometheus_targets", METRICS,
      metrics.discover_targets),
    O("GET", "/projects/{project_id}/metrics/export", "export_prometheus_metrics", METRICS,
      metrics.export_metrics),
)

LOCAL_OPERATIONS: tuple[Operation, ...] = (
    O("GET", "/health", "health", OPEN, local_routes.health),
    O("GET", "/_local/stats", "read_stats", OPEN, local_routes.read_stats),
    O("DELETE", "/_local/stats", "reset_stats", OPEN, local_routes.reset_stats),
    O("GET", "/_local/recorded", "recorded_responses", OPEN, local_routes.recorded_responses),
    O("POST", "/_local/users", "add_user", LOCAL_ADMIN, local_routes.add_user, shape.LOCAL_USER),
    O("POST", "/_local/invites/{invite_id}/accept", "accept_invite", LOCAL_ADMIN, local_routes.accept_invite),
    O("POST", "/_local/pod-indexes", "seed_pod_index", LOCAL_ADMIN, local_routes.seed_pod_index,
      shape.LOCAL_POD_INDEX),
)
# fmt: on


async def _unknown_route(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status == 405:
        return error_response(
            ApiError(405, "INVALID_ARGUMENT", f"Method {request.method} not allowed on {request.url.path}.")
        )
    return error_response(ApiError(404, "NOT_FOUND", f"No route for {request.method} {request.url.path}."))


class LocalApp(Starlette):
    """The local control plane as a Starlette app, wrapped in its observers and fault layer."""

    def __init__(self, context: Context, routes: list[Route]):
        super().__init__(routes=routes, exception_handlers={404: _unknown_route, 405: _unknown_route})
        self.context = context
        self.stats: RequestStats = context.extras["stats"]
        self.recorder: Recorder | None = context.extras.get("recorder")
        self.state.local = context

    @property
    def settings(self) -> LocalSettings:
        """The settings this app runs with."""
        return self.context.settings

    @property
    def bootstrap(self) -> Bootstrap:
        """The organization and owner credentials."""
        return self.context.bootstrap

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        if self.recorder is not None:
            inner = RecordingWrapper(inner, self.routes, self.recorder)
        counted = CountingWrapper(FaultInjector(inner, self.context.settings), self.routes, self.stats)
        return hosts.HostRouting(counted)

    def close(self) -> None:
        """Close the database connection."""
        self.context.store.close()


def create_app(settings: LocalSettings | None = None) -> LocalApp:
    """A local control plane app: its store opened (created and bootstrapped when new)."""
    settings = settings or LocalSettings()
    store = Store(settings.db_path)
    records.install(store)
    context = Context(settings=settings, store=store, bootstrap=ensure_bootstrap(store, settings))
    extras: dict[str, Any] = context.extras
    extras["stats"] = RequestStats()
    if settings.record_responses:
        extras["recorder"] = Recorder()
    routes = [
        Route(op.path, endpoint(op, context), methods=[op.method], name=op.operation_id)
        for op in OPERATIONS + METRICS_OPERATIONS + LOCAL_OPERATIONS
    ]
    routes += data_routes(DATA_OPERATIONS, context)
    return LocalApp(context, routes)
