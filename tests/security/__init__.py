"""Security specifications: project isolation, roles, and secrets that never reach any output."""
