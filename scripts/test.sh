#!/usr/bin/env bash
# Sets up and runs every test of Jiandang: the UI's type check and Vitest, every Rust test
# of the workspace (domain rules, protocol golden files, server, replica, sync end to end
# against a real server on loopback), the quick benchmark's correctness checks, the field
# app end to end under Xvfb through tauri-driver, and the county dashboard end to end in
# Chromium. README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "test: UI type check, unit tests and build"
(cd ui && npm run check && npm test && npm run build)

echo "test: Rust workspace"
# Everything built once with one feature set; the test runs and the app end to end reuse it.
cargo build --workspace --all-targets
cargo test --workspace

# One demo county for both end-to-end suites (making it takes minutes): each copies it.
# An absolute path: each suite runs from its own folder.
demo="$(realpath -m "${CARGO_TARGET_DIR:-target}")/demo-e2e"
rm -rf "$demo" && mkdir -p "$demo"
echo "test: making the demo county for the end-to-end suites"
"${CARGO_TARGET_DIR:-target}/debug/jiandang" demo --db "$demo/county.db" >"$demo/users.txt"
export JIANDANG_E2E_DEMO_DB="$demo/county.db" JIANDANG_E2E_DEMO_OUT="$demo/users.txt"

echo "test: field app end to end"
JIANDANG_PREBUILT=1 scripts/app-e2e.sh

echo "test: county dashboard end to end"
JIANDANG_PREBUILT=1 scripts/dashboard-e2e.sh
