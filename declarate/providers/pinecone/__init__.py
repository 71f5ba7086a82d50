"""The Pinecone provider: declarate's only speaker of the 2026-07 control-plane, Admin and OAuth APIs.

`PineconeProvider` (provider.py) implements `declarate.providers.base.Provider` over `PineconeClient`
(client.py); wire.py maps API JSON to canonical resources and back. Nothing here imports the local
control plane: it is just one more Pinecone endpoint, reached through an httpx transport.
"""

from declarate.providers.pinecone.client import ClientOptions, Credentials, PineconeClient
from declarate.providers.pinecone.provider import PineconeProvider, ProviderOptions

__all__ = ["ClientOptions", "Credentials", "PineconeClient", "PineconeProvider", "ProviderOptions"]
