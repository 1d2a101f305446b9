#!/usr/bin/env bash
# Installs what a fresh machine lacks, idempotently: the wasm32 Rust target, the
# wasm-bindgen CLI pinned to the version in Cargo.lock, worker-build, the npm
# packages (wrangler, Node 22, binaryen's wasm-opt, esbuild, test clients), the
# official JSON-Schema-Test-Suite for `cargo test` and, for the browser tests,
# Debian's chromium. Nothing is downloaded from outside the package registries.
#
#   bash scripts/setup.sh               everything (npm test, npm run setup)
#   bash scripts/setup.sh --no-browser  without chromium (npm run dev serves, it tests nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

browser=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) browser=0 ;;
    *) echo "setup: unknown option $arg (only --no-browser)" >&2; exit 2 ;;
  esac
done

WORKER_BUILD_VERSION=0.8.7

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding Rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
fi

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
cargo_install() { # name version binary
  local have
  # `wasm-bindgen --version` prints "wasm-bindgen 0.2.130", `worker-build --version` just "0.8.7".
  have=$("$3" --version 2>/dev/null | awk '{print $NF}' || true)
  if [ "$have" != "$2" ]; then
    say "installing $1 $2 (found: ${have:-none})"
    # --force: cargo's install records may say "installed" while the binary is gone.
    # --locked first; a lock entry the registry no longer serves falls back to a fresh resolve.
    cargo install --quiet --force --locked "$1" --version "$2" || cargo install --quiet --force "$1" --version "$2"
  fi
}
cargo_install wasm-bindgen-cli "$bindgen_version" wasm-bindgen
cargo_install worker-build "$WORKER_BUILD_VERSION" worker-build

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi

# The official JSON-Schema-Test-Suite (src/schema/suite_tests.rs reads it). No
# npm or crates.io package ships its draft 2020-12 files; the PyPI source
# distribution of Python's `jsonschema` does (its json/ folder), so pip fetches
# that one file, pinned by version and SHA-256, and only json/ is kept.
SUITE_FROM=4.26.0
SUITE_SHA256=0c26707e2efad8aa1bfc5b7ce170f3fccc2e4918ff85989ba9ffa9facb2be326
suite_dir=.cache/json-schema-test-suite
if [ "$(cat "$suite_dir/FROM" 2>/dev/null)" != "$SUITE_FROM" ]; then
  say "installing the JSON-Schema-Test-Suite (from the jsonschema $SUITE_FROM sdist on PyPI)"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: -d "$tmp" "jsonschema==$SUITE_FROM"
  echo "$SUITE_SHA256  $tmp/jsonschema-$SUITE_FROM.tar.gz" | sha256sum --check --quiet
  rm -rf "$suite_dir" && mkdir -p "$suite_dir"
  tar -xzf "$tmp/jsonschema-$SUITE_FROM.tar.gz" -C "$suite_dir" --strip-components=2 "jsonschema-$SUITE_FROM/json"
  echo "$SUITE_FROM" > "$suite_dir/FROM"
  rm -rf "$tmp"
fi

# The browser tier (tests/browser/) drives Debian's Chromium through playwright-core
# (Playwright's own browser download cannot work without internet). Install it when
# it is missing; without apt-get, stop with a clear message rather than skip.
if [ "$browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null 2>&1 || { echo "setup: installing chromium needs root (or sudo)" >&2; exit 1; }
      sudo="sudo"
    fi
    say "installing Debian's chromium (for tests/browser/)"
    # Another apt-get on the machine may hold the lock for a while: wait for it.
    apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600)
    if ! { "${apt[@]}" update && "${apt[@]}" -y install --no-install-recommends chromium >/dev/null; }; then
      echo "setup: apt-get could not install chromium (see its message above)." >&2
    fi
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup: /usr/bin/chromium is missing and could not be installed$(command -v apt-get >/dev/null 2>&1 || echo ' (no apt-get here)')." >&2
    echo "setup: the browser tests (tests/browser/) need it: install Debian's 'chromium' package, then rerun." >&2
    exit 1
  fi
fi
