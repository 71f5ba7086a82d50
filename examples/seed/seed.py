"""The seed's upsert and query, with the official SDK, against what `declarate apply` created.

    declarate apply -f examples/seed --auto-approve
    python examples/seed/seed.py

Each team reaches its own index with its own project's key, read from the secret files apply wrote
(``.declarate/secrets/project__<team>__api-key__recs-service.value``). The Apparel team upserts its
products into ``apparel-recs``; the Electronics team queries ``electronics-recs`` and finds none of
them: the projects keep the teams' data apart, and the Apparel key cannot reach the Electronics
index at all. Against the embedded local target (the default) the script serves ``--local-db``
while it runs; ``--api-url`` points it at a served local target or at Pinecone instead.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

from pinecone import Pinecone
from pinecone.errors import ForbiddenError

DIMENSION = 1536
PRODUCTS = {
    "tshirt-001": ("Organic cotton t-shirt", "tops"),
    "jeans-002": ("Slim fit jeans", "bottoms"),
    "jacket-003": ("Waterproof rain jacket", "outerwear"),
}


def embed(text: str) -> list[float]:
    """A stand-in embedding (deterministic, unit length): the seed's vectors come from a model."""
    digest = hashlib.sha256(text.encode()).digest()
    raw = [((digest[i % 32] ^ (i * 37 % 251)) / 255.0) - 0.5 for i in range(DIMENSION)]
    norm = sum(x * x for x in raw) ** 0.5
    return [x / norm for x in raw]


def read_key(secrets_dir: Path, project: str) -> str:
    """The API key apply wrote for ``project``'s recs-service key."""
    path = secrets_dir / f"project__{project}__api-key__recs-service.value"
    if not path.is_file():
        raise SystemExit(f"{path} not found: run `declarate apply -f examples/seed` first")
    return path.read_text().strip()


@contextlib.contextmanager
def control_plane(api_url: str | None, local_db: Path) -> Iterator[str]:
    """The control-plane URL: the given one, or the embedded target's data file served meanwhile."""
    if api_url:
        yield api_url
        return
    if not local_db.is_file():
        raise SystemExit(f"{local_db} not found: run `declarate apply -f examples/seed` first")
    from declarate.local import EMBEDDED_CLIENT_ID, EMBEDDED_CLIENT_SECRET, running_server

    with running_server(
        db_path=str(local_db), client_id=EMBEDDED_CLIENT_ID, client_secret=EMBEDDED_CLIENT_SECRET
    ) as server:
        yield server.url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--secrets-dir", type=Path, default=Path(".declarate/secrets"))
    parser.add_argument("--local-db", type=Path, default=Path(".declarate/local.db"))
    parser.add_argument("--api-url", help="a served local target or https://api.pinecone.io")
    args = parser.parse_args(argv)
    apparel_key = read_key(args.secrets_dir, "apparel-team")
    electronics_key = read_key(args.secrets_dir, "electronics-team")
    with control_plane(args.api_url, args.local_db) as url:
        target = {} if url.startswith("https://api.pinecone.io") else {"host": url}
        apparel = Pinecone(api_key=apparel_key, **target)
        electronics = Pinecone(api_key=electronics_key, **target)

        # The Apparel team upserts its products into its own index.
        apparel_index = apparel.Index(name="apparel-recs")
        upserted = apparel_index.upsert(
            vectors=[
                {"id": pid, "values": embed(name), "metadata": {"name": name, "category": category}}
                for pid, (name, category) in PRODUCTS.items()
            ],
            namespace="catalog",
        )
        print(f"apparel-recs: upserted {upserted.upserted_count} records")
        found = apparel_index.query(
            vector=embed("Waterproof rain jacket"), top_k=1, namespace="catalog", include_metadata=True
        )
        print(f"apparel-recs: nearest to 'Waterproof rain jacket' is {found.matches[0].id}")

        # The Electronics team queries its own index: none of the Apparel records are there.
        electronics_index = electronics.Index(name="electronics-recs")
        results = electronics_index.query(
            vector=embed("Waterproof rain jacket"), top_k=3, namespace="catalog"
        )
        print(f"electronics-recs: {len(results.matches)} matches")

        # And the Apparel key cannot reach the Electronics index at all.
        try:
            apparel.Index(host=electronics_index.host).describe_index_stats()
        except ForbiddenError:
            print("electronics-recs: the apparel-team key is refused (403)")
        else:
            print("electronics-recs: the apparel-team key was NOT refused", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
