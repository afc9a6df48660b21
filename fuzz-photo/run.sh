#!/usr/bin/env bash
# Runs the photo import's fuzz target for a bounded time: ./fuzz-photo/run.sh [SECONDS]
# (default 60). Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`). New inputs go to
# fuzz-photo/corpus/ (not committed); the test files in crates/jiandang-replica/tests/photos/
# are the seeds. A crash leaves its input in fuzz-photo/artifacts/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p fuzz-photo/corpus/photo_import
# 64 KiB covers every seed; 4 GiB of memory allows a 120-megapixel photo (MAX_PIXELS) to be
# decoded, scaled and encoded, which a small progressive JPEG can ask for.
cargo +nightly fuzz run --fuzz-dir fuzz-photo photo_import fuzz-photo/corpus/photo_import \
  crates/jiandang-replica/tests/photos \
  -- -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=60
