#!/usr/bin/env bash
# Runs the county dashboard's end-to-end suite (ui/e2e/dashboard.e2e.ts): Debian's Chromium
# through playwright-core against a real `jiandang serve` on a copy of the demo county.
# Screenshots land in target/screenshots/dashboard-*.png. The demo county is made once and
# shared: JIANDANG_E2E_DEMO_DB + JIANDANG_E2E_DEMO_OUT name one made before (scripts/test.sh
# makes it for this suite and the field app's), else it is made here under target/demo-e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export JIANDANG_BIN="${JIANDANG_BIN:-$CARGO_TARGET_DIR/debug/jiandang}"

command -v "${JIANDANG_CHROMIUM:-chromium}" >/dev/null 2>&1 || { echo "dashboard-e2e: chromium is missing; run scripts/setup.sh" >&2; exit 2; }
if [ -z "${JIANDANG_PREBUILT:-}" ]; then
  (cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
  cargo build -p jiandang --bin jiandang
fi

if [ -z "${JIANDANG_E2E_DEMO_DB:-}" ]; then
  demo="$CARGO_TARGET_DIR/demo-e2e"
  if [ ! -f "$demo/county.db" ]; then
    mkdir -p "$demo"
    "$JIANDANG_BIN" demo --db "$demo/county.db" >"$demo/users.txt"
  fi
  export JIANDANG_E2E_DEMO_DB="$demo/county.db" JIANDANG_E2E_DEMO_OUT="$demo/users.txt"
fi

start=$(date +%s)
(cd ui && npm run e2e:dashboard)
echo "dashboard-e2e: passed in $(( $(date +%s) - start )) s"
