"""Reliability specifications: faults, crashes, concurrent runs and hostile config input."""
