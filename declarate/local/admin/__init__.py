"""Admin API handlers, one module per family of ``admin_2026-07.oas.yaml``.

``organizations``, ``projects``, ``api_keys``, ``principals`` (service accounts, users, invites)
and ``role_bindings``. Each handler checks the caller's grants and answers in the spec's shapes;
none of them reaches the control-plane handlers.
"""
