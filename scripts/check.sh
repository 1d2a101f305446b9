#!/usr/bin/env bash
# Static checks: formatting, clippy for native and wasm32, and the runtime line
# (pure modules must not use the `worker` crate), that every test docs/SECURITY.md
# cites exists (scripts/check-security-citations.mjs), then the supply chain
# (cargo deny, npm audit, secret scan: scripts/supply-chain.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo fmt --check --manifest-path bench/floor/Cargo.toml
cargo fmt --check --manifest-path fuzz/Cargo.toml
cargo clippy --all-targets -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
bash scripts/runtime-line.sh
node scripts/check-security-citations.mjs
bash scripts/supply-chain.sh
