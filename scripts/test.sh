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
echo "== ${#suites[@]} suites: ${suites[*]}"
node --test --test-concurrency=2 --test-timeout=300000 "${suites[@]}"
