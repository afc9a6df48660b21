#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: scripts/fuzz.sh [SECONDS_PER_TARGET] [--dev] (60
# by default; CI runs a few seconds each, built with --dev). Needs the nightly toolchain and cargo-fuzz
# (scripts/setup.sh installs cargo-fuzz). Each target starts from its seeds in fuzz/seeds/
# and the corpus it grew before (fuzz/corpus/, not kept in git); a crash stops the script
# and leaves its input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
# `--dev` builds the targets without optimisation: minutes less to build, fewer runs a second.
# CI uses it for its brief run; a real fuzzing session leaves it out.
profile=()
[ "${2:-}" = "--dev" ] && profile=(--dev)

targets=(push_body blob_upload device_decoders household_file photo_import)

crate=fuzz
for target in "${targets[@]}"; do
  corpus="$crate/corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$crate/seeds/$target" ] && seeds+=("seeds/$target")
  limits=()
  if [ "$target" = photo_import ]; then
    seeds+=("../crates/jiandang-replica/tests/photos")
    limits+=(-max_len=65536 -timeout=60)
  fi
  log="$crate/artifacts/$target.log"
  mkdir -p "$(dirname "$log")"
  echo "fuzz: $crate/$target for ${seconds}s"
  if ! (cd "$crate" && cargo +nightly fuzz run "${profile[@]}" "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 "${limits[@]}" -print_final_stats=1) >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz: $crate/$target failed; its input is in $crate/artifacts/$target/"
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$log" | tr '\n' ' '
  echo
done
