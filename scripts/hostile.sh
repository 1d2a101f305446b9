#!/usr/bin/env bash
# npm run hostile: a release build, then schemathesis against it (scripts/hostile.mjs).
# Pass --smoke for the bounded run .ci/run uses. The battery itself
# (tests/hostile/battery.test.mjs) runs in npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
PATH="$PWD/node_modules/.bin:$PATH" DOCKYARD_SKIP_BUILD=1 WRANGLER_SEND_METRICS=false node scripts/hostile.mjs "$@"
