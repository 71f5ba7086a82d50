"""``POST /oauth/token``: the client-credentials exchange that mints Admin API access tokens.

Accepts JSON or form bodies with ``grant_type=client_credentials``, ``client_id``,
``client_secret`` and ``audience=https://api.pinecone.io/``; answers ``{access_token, token_type,
expires_in}`` or an OAuth error ``{error, error_description}``. It must not authorize anything
beyond checking the client credentials.
"""

from __future__ import annotations

import math

from . import auth
from .errors import OAuthError
from .routing import Call, Reply
from .settings import EMBEDDED_CLIENT_ID

AUDIENCE = "https://api.pinecone.io/"
GRANT_TYPE = "client_credentials"


def get_token(call: Call) -> Reply:
    """Exchange client credentials for a bearer token."""
    form = call.form or {}
    missing = [name for name in ("grant_type", "client_id", "client_secret") if not form.get(name)]
    if missing:
        raise OAuthError(400, "invalid_request", f"Missing required parameter: {missing[0]}")
    if form["grant_type"] != GRANT_TYPE:
        raise OAuthError(400, "unsupported_grant_type", f"Grant type '{form['grant_type']}' not supported.")
    audience = form.get("audience")
    if not audience:
        raise OAuthError(400, "invalid_request", "Missing required parameter: audience")
    if audience != AUDIENCE:
        raise OAuthError(403, "access_denied", f"Service not enabled within domain: {audience}")
    settings = call.ctx.settings
    if settings.refuse_embedded_credentials and form["client_id"] == EMBEDDED_CLIENT_ID:
        # Another process may use the same data file as the embedded target meanwhile.
        raise OAuthError(401, "access_denied", "Unauthorized")
    ttl = settings.token_ttl
    with call.ctx.store.write() as tx:
        service_account_id = auth.service_account_for_credentials(
            tx, form["client_id"], form["client_secret"]
        )
        if service_account_id is None:
            raise OAuthError(401, "access_denied", "Unauthorized")
        token = auth.issue_token(tx, service_account_id, call.now, ttl)
    return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": max(1, math.ceil(ttl))})
