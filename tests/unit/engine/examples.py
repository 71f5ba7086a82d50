"""How many examples each engine property tries: its own number, or a fixed few under mutation testing.

`bench/mutation.sh` sets DECLARATE_MUTATION=1: every mutant then runs each property on the same
small, derandomized sample, so a mutant is killed or not the same way on every run, and a run over
some 2,000 mutants fits on a shared 2-core machine. The explicit tests pin what a small sample
could miss.
"""

from __future__ import annotations

import os

MUTATION = os.environ.get("DECLARATE_MUTATION") == "1"
MUTATION_EXAMPLES = 20


def examples(normal: int) -> int:
    """`normal` examples, or MUTATION_EXAMPLES under mutation testing."""
    return MUTATION_EXAMPLES if MUTATION else normal
