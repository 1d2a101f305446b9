#!/usr/bin/env bash
# The run command: installs what is missing, applies local migrations, starts
# `wrangler dev` on 127.0.0.1:$PORT (default 8787; state in .wrangler/state),
# seeds the demo (org acme, project demo with published and draft tools, owner
# owner@acme.test) and prints the URLs. Re-runnable: the seed only creates what
# is not there yet. The MCP Inspector's origin (http://localhost:6274) is an
# allowed Origin on the MCP endpoints, so its "Direct" connection works.
#
# One build per start: wrangler runs the [build] command (scripts/build.sh)
# once before it serves, then rebuilds only when a file under src/ changes.
# (wrangler 4.86 ran the command a second time as soon as its watcher was
# ready; 4.164, pinned in package.json, does not, so nothing here works around it.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false
bash scripts/dev-vars.sh
PORT=${PORT:-8787}
# The demo's http data tool calls this local backend (scripts/demo-upstream.mjs),
# started and stopped with the dev server; its signing secret is derived from
# SECRETS_KEY, so the seed can store the same value as the project secret.
UPSTREAM_PORT=${DEMO_UPSTREAM_PORT:-$((PORT + 1))}
DEMO_UPSTREAM_SECRET=$(node -e "import('./scripts/demo-upstream.mjs').then(m => console.log(m.demoUpstreamSecret(process.argv[1])))" \
  "$(grep '^SECRETS_KEY=' .dev.vars | cut -d= -f2-)")
DEMO_UPSTREAM_SECRET=$DEMO_UPSTREAM_SECRET node scripts/demo-upstream.mjs "$UPSTREAM_PORT" &
UPSTREAM=$!
trap 'kill $UPSTREAM 2>/dev/null || true' EXIT INT TERM
wrangler d1 migrations apply DB --local >/dev/null
wrangler dev --ip 127.0.0.1 --port "$PORT" \
  --var "PUBLIC_URL:http://localhost:$PORT" --var ALLOW_LOOPBACK_UPSTREAMS:true \
  --var "ALLOWED_ORIGINS:http://localhost:6274, http://127.0.0.1:6274" \
  --show-interactive-dev-session=false &
WRANGLER=$!
trap 'kill $WRANGLER $UPSTREAM 2>/dev/null || true' EXIT INT TERM
# The seed waits for /healthz while wrangler builds, and gives up if wrangler exits
# (a failed build, a port in use) instead of waiting for a server that never comes.
DEV_SERVER_PID=$WRANGLER DEMO_UPSTREAM_URL="http://127.0.0.1:$UPSTREAM_PORT" node scripts/seed.mjs "http://127.0.0.1:$PORT" "http://localhost:$PORT"
wait $WRANGLER
