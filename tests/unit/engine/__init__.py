"""Specifications of the pure engine: diff, ownership, safety, order and the planner."""
