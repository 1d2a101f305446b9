#!/usr/bin/env bash
# The test command: installs what is missing, runs the native unit tests,
# builds the Worker once, then runs the end-to-end suites in tests/ with Node's
# test runner. Each suite starts its own worker under wrangler dev with fresh
# state on a free port and always stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false
echo "== cargo test (native unit tests)"
cargo test --quiet
echo "== release build of the Worker"
bash scripts/build.sh
export DOCKYARD_SKIP_BUILD=1
echo "== end-to-end suites (real workerd)"
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  # Every suite in tests/ and its subfolders: a suite in a new folder runs too.
  mapfile -t suites < <(find tests -name '*.test.mjs' -not -path '*/node_modules/*' | sort)
fi
# Suites at once. A suite alternates between its node client and its workerd
# and some wait out real intervals (token and window expiry, queue retries), so
# two suites leave the 2 cores idle part of the time; three ran green even on a
# machine at load 18 (bench/README.md, "Test run"). DOCKYARD_TEST_CONCURRENCY=2
# is the previous setting.
concurrency=${DOCKYARD_TEST_CONCURRENCY:-3}
# Every worker starts on a copy of one migrated D1 state (tests/harness.mjs,
# migratedState); a new run builds it afresh once.
mkdir -p .tmp && rm -rf .tmp/d1-template-* .tmp/d1-building-*
export DOCKYARD_SUITE_TIMES=.tmp/suite-times.tsv
rm -f "$DOCKYARD_SUITE_TIMES"
echo "== ${#suites[@]} suites, $concurrency at a time: ${suites[*]}"
status=0
node --import ./scripts/test-timer.mjs --test --test-concurrency="$concurrency" --test-timeout=300000 "${suites[@]}" || status=$?
if [ -s "$DOCKYARD_SUITE_TIMES" ]; then
  echo "== slowest suites (wall seconds, worker starts included)"
  sort -rn "$DOCKYARD_SUITE_TIMES" | head -15 | cut -f1,2
fi
exit "$status"
