#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: scripts/fuzz.sh [SECONDS_PER_TARGET] (60 by
# default; CI runs a few seconds each). Needs the nightly toolchain and cargo-fuzz
# (scripts/setup.sh installs cargo-fuzz). Each target starts from its seeds in fuzz/seeds/
# and the corpus it grew before (fuzz/corpus/, not kept in git); a crash stops the script
# and leaves its input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

# (crate folder, target) pairs. The photo import's target lives in fuzz-photo/ with the
# photo work for now; when that folder is there, its targets run too.
targets=(
  "fuzz push_body"
  "fuzz blob_upload"
  "fuzz device_decoders"
  "fuzz household_file"
)
if [ -d fuzz-photo/fuzz_targets ]; then
  for f in fuzz-photo/fuzz_targets/*.rs; do
    targets+=("fuzz-photo $(basename "$f" .rs)")
  done
fi

for entry in "${targets[@]}"; do
  read -r crate target <<<"$entry"
  corpus="$crate/corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$crate/seeds/$target" ] && seeds+=("seeds/$target")
  log="$crate/artifacts/$target.log"
  mkdir -p "$(dirname "$log")"
  echo "fuzz: $crate/$target for ${seconds}s"
  if ! (cd "$crate" && cargo +nightly fuzz run "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1) >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz: $crate/$target failed; its input is in $crate/artifacts/$target/"
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$log" | tr '\n' ' '
  echo
done
