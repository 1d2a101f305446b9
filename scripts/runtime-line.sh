#!/usr/bin/env bash
# The runtime line: only glue modules may use the `worker` crate. Pure domain
# modules are compiled and tested natively, so a `worker` import there fails.
set -euo pipefail
cd "$(dirname "$0")/.."
pure=(src/audit src/config.rs src/crypto.rs src/http/error.rs src/http/route.rs src/http/studio_route.rs src/http/body.rs src/http/form.rs src/http/cors.rs src/http/csrf.rs src/http/html.rs src/http/next.rs src/http/page.rs src/identity src/mcp src/oauth src/projects src/outbound/mod.rs src/outbound/guard.rs src/outbound/guard_tests.rs src/outbound/allowlist.rs src/outbound/allowlist_tests.rs src/tools/secrets.rs src/tools/secrets_tests.rs src/schema src/tools/mod.rs src/tools/result.rs src/tools/result_tests.rs src/tools/signature.rs src/tools/limits.rs src/tools/code_plan.rs src/tools/code_plan_tests.rs)
hits=$(grep -rlE '\bworker::|use worker\b|#\[durable_object\]' "${pure[@]}" 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "runtime line crossed: these pure modules use the worker crate:"; echo "$hits"; exit 1
fi
echo "runtime line: ok"
