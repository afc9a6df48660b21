#!/usr/bin/env bash
# Runs the field app's end-to-end test headless: builds the UI, the app and the county
# server, starts Xvfb when there is no display, and runs tests-app/tests/app_e2e.rs, which
# starts `jiandang serve` and tauri-driver (WebKitWebDriver) itself and stops them at the
# end. Screenshots land in target/screenshots/. Needs what scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

for tool in tauri-driver WebKitWebDriver Xvfb npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "app-e2e: $tool is missing; run scripts/setup.sh" >&2; exit 2; }
done

echo "app-e2e: building the UI"
(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)

echo "app-e2e: building the app and the server"
# One cargo invocation for the whole workspace with every target, so the feature set is the
# one `cargo test --workspace` uses and scripts/test.sh's build is reused, not redone.
if [ -z "${JIANDANG_PREBUILT:-}" ]; then
  cargo build --workspace --all-targets
fi

xvfb_pid=""
cleanup() {
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ]; then
  display=":$((90 + RANDOM % 100))"
  Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY="$display"
  for _ in $(seq 1 50); do
    [ -e "/tmp/.X11-unix/X${display#:}" ] && break
    sleep 0.1
  done
fi

export JIANDANG_APP_BIN="$CARGO_TARGET_DIR/debug/jiandang-app"
export JIANDANG_BIN="$CARGO_TARGET_DIR/debug/jiandang"
export JIANDANG_SCREENSHOTS="$root/target/screenshots"
# WebKitGTK under Xvfb has no GPU; software rendering avoids blank screenshots.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
export LIBGL_ALWAYS_SOFTWARE=1

echo "app-e2e: running the test on DISPLAY=$DISPLAY"
cargo test --workspace --features jiandang-app-e2e/e2e --test app_e2e -- --nocapture --test-threads=1
