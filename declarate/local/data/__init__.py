"""The data plane of the local target: each index's records, served at the host describe returns.

``hosts`` decides where an index's data plane is reached; ``records`` stores records in the
control plane's SQLite file; ``matrices`` keeps each namespace's vectors as numpy arrays for
queries; ``scoring`` and ``filters`` rank and select; ``rules`` validates requests the way the
API does; ``vectors`` and ``namespaces`` are the handlers; ``routes`` is the operation table and
the request pipeline (rpcStatus errors); ``snapshots`` copies records into backups and back.
Like the rest of ``declarate.local`` it imports nothing of declarate.
"""
