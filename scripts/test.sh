#!/usr/bin/env bash
# Sets up and runs every test of Jiandang: the UI's type check and Vitest, every Rust test
# of the workspace (domain rules, protocol golden files, server, replica, sync end to end
# against a real server on loopback), the quick benchmark's correctness checks, and the
# field app end to end under Xvfb through tauri-driver. README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "test: UI type check, unit tests and build"
(cd ui && npm run check && npm test && npm run build)

echo "test: Rust workspace"
# Everything built once with one feature set; the test runs and the app end to end reuse it.
cargo build --workspace --all-targets
cargo test --workspace

echo "test: field app end to end"
JIANDANG_PREBUILT=1 scripts/app-e2e.sh
