#!/usr/bin/env bash
# Supply chain (issue 15, suite 6): licences, bans and sources of the Rust
# tree (cargo-deny, deny.toml), the npm audit of runtime JavaScript, and the
# secret scan of tracked files. Run by `npm run check` and `.ci/run`.
#
# What cannot run here is skipped with a note, never failed: cargo-deny's
# advisory database lives on GitHub (deny.toml), and the npm registry's
# audit endpoint answers this machine's mirror with 405.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSION=0.20.2
say() { printf '\033[1msupply chain:\033[0m %s\n' "$*"; }

have=$(cargo deny --version 2>/dev/null | awk '{print $NF}' || true)
if [ "$have" != "$CARGO_DENY_VERSION" ]; then
  say "installing cargo-deny $CARGO_DENY_VERSION (found: ${have:-none}; a first install compiles for minutes)"
  cargo install --quiet --force --locked cargo-deny --version "$CARGO_DENY_VERSION"
fi
say "cargo deny: licences, bans, sources (advisories left out: their database is on GitHub)"
cargo deny --log-level error check licenses bans sources

# Runtime JavaScript: package.json has devDependencies only (build tools,
# test clients, the Studio editor bundled at build time), so --omit=dev
# audits what a deployment installs: nothing. The Studio's bundled
# CodeMirror ships inside studio-ui/dist; a full `npm audit` covers it where
# the audit endpoint answers.
runtime=$(node -e 'const p=require("./package.json");console.log(Object.keys(p.dependencies||{}).length)')
out=$(npm audit --omit=dev 2>&1) && status=0 || status=$?
if [ "$status" = 0 ]; then
  say "npm audit --omit=dev: $runtime runtime packages; $(grep -m1 -iE 'vulnerabilit' <<<"$out" || echo "$out")"
elif grep -qE 'audit endpoint returned an error|ENOTFOUND|ECONNREFUSED|405' <<<"$out"; then
  say "npm audit --omit=dev: skipped, the registry's audit endpoint cannot be reached from here ($runtime runtime packages)"
else
  echo "$out" >&2
  exit "$status"
fi

node scripts/secret-scan.mjs
