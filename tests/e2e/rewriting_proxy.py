"""A loopback proxy in front of a served local control plane that rewrites chosen answers.

It stands in for a server that answers nonsense (a list where an object belongs, a count that is a
string, an index without a name): every request is forwarded unchanged, Host header included, so
the index hosts describe returns still point at the proxy, and `rewrite(method, path, status, body)`
may replace the decoded JSON answer with its own (status, body).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Rewrite = Callable[[str, str, int, Any], tuple[int, Any] | None]
_HOP_HEADERS = ("content-length", "connection", "accept-encoding", "transfer-encoding")


@contextlib.contextmanager
def rewriting_proxy(upstream: str, rewrite: Rewrite) -> Iterator[str]:
    """The proxy's URL for the `with` block; `rewrite` returns None to pass an answer through."""
    client = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
            answer = client.request(self.command, self.path, content=body, headers=headers)
            status, content = answer.status_code, answer.content
            media = answer.headers.get("content-type", "application/json")
            try:
                data = json.loads(content) if content and "json" in media else None
            except ValueError:
                data = None
            changed = rewrite(self.command, self.path.split("?", 1)[0], status, data)
            if changed is not None:
                status, data = changed
                content, media = json.dumps(data).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="rewriting-proxy")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        client.close()
