#!/usr/bin/env bash
# Fuzzing (issue 15, suite 1): builds the cargo-fuzz crate in fuzz/ and runs
# each libFuzzer target for a bounded time, then prints executions and
# crashes per target. Not part of `npm test` or CI (no fuzz build there):
# `cargo test` replays the committed corpora instead (src/fuzzing/).
#
#   npm run fuzz                          every target, 60 s each
#   npm run fuzz -- --seconds 10          every target, 10 s each
#   npm run fuzz -- --seconds 300 jwt ssrf
#
# Toolchain: libFuzzer needs nightly rustc flags (-Z sanitizer, coverage
# passes). `rustup toolchain install nightly` is tried first; where the
# toolchain server cannot be reached, the stable toolchain is used with
# RUSTC_BOOTSTRAP=1 (same flags, no download). FUZZ_TOOLCHAIN=stable forces
# the second way. Each run works on a scratch copy of the corpus
# (fuzz/corpus-run/, ignored by git); a crash is saved under
# fuzz/artifacts/<target>/ and makes the script exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (--seconds N, then target names)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz: --seconds takes a whole number" >&2; exit 2 ;; esac

say() { printf '\033[1mfuzz:\033[0m %s\n' "$*" >&2; }

have=$(cargo fuzz --version 2>/dev/null | awk '{print $NF}' || true)
if [ "$have" != "$CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (found: ${have:-none})"
  cargo install --quiet --force --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

toolchain=()
if [ "${FUZZ_TOOLCHAIN:-}" != stable ] && command -v rustup >/dev/null 2>&1; then
  if rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal >&2; then
    toolchain=(+nightly)
  fi
fi
if [ ${#toolchain[@]} -eq 0 ]; then
  say "no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
fi
say "toolchain: $(cargo "${toolchain[@]}" --version 2>/dev/null) $(rustc "${toolchain[@]}" --version)"

cd fuzz
all=$(cargo "${toolchain[@]}" fuzz list)
[ ${#targets[@]} -gt 0 ] || mapfile -t targets <<<"$all"
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$all" || { echo "fuzz: no target '$t' (targets: $(echo $all))" >&2; exit 2; }
done

say "building ${#targets[@]} targets (release, debug assertions, AddressSanitizer)"
cargo "${toolchain[@]}" fuzz build -O >&2

rows=()
crashed=0
for t in "${targets[@]}"; do
  run="corpus-run/$t"
  rm -rf "$run" && mkdir -p "$run" "artifacts/$t"
  cp corpus/"$t"/* "$run"/
  log=$(mktemp)
  say "$t: ${seconds} s"
  status=0
  cargo "${toolchain[@]}" fuzz run -O "$t" "$run" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  execs=$(awk -F': *' '/^stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  rate=$(awk -F': *' '/^stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  crashes=0
  if [ "$status" != 0 ]; then
    crashes=1; crashed=1
    echo "---- $t failed (exit $status); the end of its log:" >&2
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|artifact_prefix' "$log" | tail -8 >&2 || tail -20 "$log" >&2
  fi
  rows+=("$(printf '%-14s %6s s %12s execs %9s/s  cov %6s  crashes %s' "$t" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$crashes")")
  rm -f "$log"
done

echo
echo "target          time        executions      rate    coverage  crashes"
printf '%s\n' "${rows[@]}"
if [ "$crashed" = 1 ]; then
  echo "fuzz: crashes saved under fuzz/artifacts/<target>/; replay one with" >&2
  echo "      cargo fuzz run <target> fuzz/artifacts/<target>/<file>, fix it, and add the input to fuzz/corpus/<target>/" >&2
  exit 1
fi
