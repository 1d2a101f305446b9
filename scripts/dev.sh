#!/usr/bin/env bash
# The run command: installs what is missing, builds, applies local migrations,
# starts `wrangler dev` on 127.0.0.1:8787 (state in .wrangler/state), seeds the
# demo (org acme, project demo, owner owner@acme.test) and prints the URLs.
# Re-runnable: the seed only creates what is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false
bash scripts/dev-vars.sh
PORT=${PORT:-8787}
wrangler d1 migrations apply DB --local >/dev/null
# wrangler runs the [build] command (scripts/build.sh) and rebuilds when src/ changes.
wrangler dev --ip 127.0.0.1 --port "$PORT" \
  --var "PUBLIC_URL:http://localhost:$PORT" --var ALLOW_LOOPBACK_UPSTREAMS:true \
  --show-interactive-dev-session=false &
WRANGLER=$!
trap 'kill $WRANGLER 2>/dev/null || true' EXIT INT TERM
node scripts/seed.mjs "http://127.0.0.1:$PORT" "http://localhost:$PORT"
wait $WRANGLER
