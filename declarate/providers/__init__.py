"""Providers: the only code that talks to a Pinecone-compatible API."""
