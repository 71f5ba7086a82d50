#!/usr/bin/env bash
# Mutation testing of declarate/engine/ and declarate/config/rules.py against the engine's unit tests
# and the rules tests (mutmut 3.x, configured in pyproject's [tool.mutmut]; see docs/mutation.md).
#
#   pip install 'mutmut>=3.8,<4'
#   bench/mutation.sh                        # every mutant not yet decided (results cached in mutants/)
#   bench/mutation.sh 'declarate.engine.safety*'   # (re)test the named mutants
#   bench/mutation.sh --no-lock              # without /tmp/declarate-bench.lock (see below)
#   mutmut results; mutmut show NAME         # survivors, and what each one changed
#
# It holds /tmp/declarate-bench.lock so that it never runs beside a benchmark (`--no-lock`, or
# MUTATION_LOCK=0, runs without it: on a shared machine where an hour-long hold would stall everyone
# else's benchmarks, at the cost of slowing theirs a little), runs two mutants at a time
# (MUTATION_CHILDREN), and sets DECLARATE_MUTATION=1 so every property test tries a small fixed
# sample (tests/unit/engine/examples.py). It ends by printing killed/total.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python -c "import mutmut" 2>/dev/null; then
  echo "mutmut is not installed: pip install 'mutmut>=3.8,<4'" >&2
  exit 2
fi
lock=(flock /tmp/declarate-bench.lock)
if [[ "${1:-}" == --no-lock ]]; then
  shift
  lock=()
elif [[ "${MUTATION_LOCK:-1}" == 0 ]]; then
  lock=()
fi
export DECLARATE_MUTATION=1
"${lock[@]}" mutmut run --max-children "${MUTATION_CHILDREN:-2}" "$@" || true
mutmut export-cicd-stats >/dev/null
python - <<'PY'
import json

s = json.load(open("mutants/mutmut-cicd-stats.json"))
decided = s["killed"] + s["survived"] + s["timeout"] + s["suspicious"] + s["segfault"]
killed = s["killed"] + s["timeout"]
print(f"mutants: {s['total']}; killed {killed} of {decided} decided ({killed / max(decided, 1):.1%}); "
      f"survived {s['survived']}; not yet run {s['total'] - decided - s['no_tests'] - s['skipped']}")
PY
