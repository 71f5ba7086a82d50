"""The baseline: what a naive script on the official `pinecone` SDK costs for the same work.

Run as a child process (so its wall time and memory are measured like declarate's):

    python bench/baseline.py read  --url URL ROOT [--threads 8]   # list + describe every index
    python bench/baseline.py apply --url URL ROOT                 # create every index one by one

Credentials come from PINECONE_CLIENT_ID / PINECONE_CLIENT_SECRET. Each mode mints one API key per
project, as declarate does, and deletes it at the end. It prints one JSON line of counts, never a
key value. It is deliberately naive: no batching, no use of what `list_indexes` already returned.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pinecone

sys.path.insert(0, str(Path(__file__).resolve().parent))
from populate import declared_projects

_KEY_NAME = "naive-script"


def _admin(url: str) -> Any:
    return pinecone.Admin(
        client_id=os.environ["PINECONE_CLIENT_ID"],
        client_secret=os.environ["PINECONE_CLIENT_SECRET"],
        host=url,
        oauth_url=url + "/oauth/token",
    )


def naive_read(url: str, root: Path, threads: int) -> dict[str, int]:
    """List the estate's projects, then list and describe every index in them with `threads` threads."""
    admin = _admin(url)
    wanted = {p.name for p in declared_projects(root)}
    projects = [p for p in admin.projects.list() if p.name in wanted]
    keys = [
        admin.api_keys.create(project_id=p.id, name=_KEY_NAME, roles=["ControlPlaneViewer"]) for p in projects
    ]
    try:
        clients = [pinecone.Pinecone(api_key=k.value, host=url) for k in keys]
        work = [(pc, index.name) for pc in clients for index in pc.list_indexes()]
        with ThreadPoolExecutor(threads) as pool:
            described = list(pool.map(lambda job: job[0].describe_index(job[1]), work))
    finally:
        for key in keys:
            admin.api_keys.delete(api_key_id=key.key.id)
    return {"projects": len(projects), "indexes_described": len(described)}


def naive_apply(url: str, root: Path) -> dict[str, int]:
    """Create the estate's projects and indexes one request at a time, as a for-loop script would."""
    admin = _admin(url)
    live = {p.name: p for p in admin.projects.list()}
    created = failed = 0
    for project in declared_projects(root):
        found = live.get(project.name) or admin.projects.create(name=project.name)
        key = admin.api_keys.create(project_id=found.id, name=_KEY_NAME, roles=["ProjectEditor"])
        try:
            pc = pinecone.Pinecone(api_key=key.value, host=url)
            for index in project.indexes:
                serverless = index["spec"]["serverless"]
                try:
                    pc.create_index(
                        name=index["name"],
                        dimension=index["dimension"],
                        metric=index.get("metric", "cosine"),
                        spec=pinecone.ServerlessSpec(cloud=serverless["cloud"], region=serverless["region"]),
                        deletion_protection=index.get("deletion_protection", "disabled"),
                        tags=index.get("tags"),
                        timeout=-1,  # do not poll for Ready: declarate's side runs with --no-wait too
                    )
                    created += 1
                except pinecone.PineconeError:
                    failed += 1  # what the SDK's own retries (429 honouring Retry-After) did not absorb
        finally:
            admin.api_keys.delete(api_key_id=key.key.id)
    return {"indexes_created": created, "indexes_failed": failed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A naive official-SDK script, the baseline for declarate.")
    parser.add_argument("mode", choices=["read", "apply"])
    parser.add_argument("root", type=Path, help="the generated estate (what to read or create)")
    parser.add_argument("--url", required=True)
    parser.add_argument("--threads", type=int, default=8, help="describe threads (read mode)")
    args = parser.parse_args(argv)
    if args.mode == "read":
        counts = naive_read(args.url, args.root, args.threads)
    else:
        counts = naive_apply(args.url, args.root)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
