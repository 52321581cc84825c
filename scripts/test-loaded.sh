#!/usr/bin/env bash
# Runs the tests while two busy-loop processes hold both cores of a 2-core machine, the way the suite
# runs on a busy CI host. A test that passes alone but fails here bounds a time it should wait for.
#
#   npm run test:loaded                          # the whole of `npm test` (lint, types, every test)
#   npm run test:loaded -- test/browser test/fault   # only vitest, with these arguments
#   BUSY_LOOPS=4 npm run test:loaded             # more load
#
# Stops only the busy loops it started (by PID), whatever way the tests end; exits with the tests' code.
set -uo pipefail
cd "$(dirname "$0")/.."

loops=${BUSY_LOOPS:-2}
pids=()
stop_loops() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_loops EXIT
trap 'stop_loops; exit 130' INT
trap 'stop_loops; exit 143' TERM

for ((i = 0; i < loops; i++)); do
  node -e 'for (;;) {}' &
  pids+=("$!")
done
echo "test-loaded: ${loops} busy loops running (PIDs ${pids[*]})" >&2

if [ $# -gt 0 ]; then
  npx vitest run "$@"
else
  npm test
fi
code=$?
stop_loops
echo "test-loaded: busy loops stopped; tests exited with ${code}" >&2
exit "$code"
