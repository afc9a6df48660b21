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

# The app runs with Chinese dates (LC_TIME, LC_MESSAGES), as on the users' machines:
# WebKitGTK draws <input type=date> in that locale (2018/10/20, not 10/20/2018). A machine
# without a compiled zh_CN.UTF-8 gets one for this run under the target folder (localedef,
# from libc-bin), not installed system-wide; without localedef the dates show in C.
if locale -a 2>/dev/null | grep -qix 'zh_CN.utf-\?8'; then
  export JIANDANG_E2E_LC=zh_CN.UTF-8
elif command -v localedef >/dev/null 2>&1; then
  locales="$CARGO_TARGET_DIR/locales"
  mkdir -p "$locales"
  for l in zh_CN C; do
    [ -d "$locales/$l.UTF-8" ] || localedef -i "$l" -f UTF-8 "$locales/$l.UTF-8" >/dev/null 2>&1 || true
  done
  if [ -d "$locales/zh_CN.UTF-8" ]; then
    export JIANDANG_E2E_LC=zh_CN.UTF-8 JIANDANG_E2E_LOCPATH="$locales"
  fi
fi
[ -n "${JIANDANG_E2E_LC:-}" ] || echo "app-e2e: no zh_CN.UTF-8 locale; date inputs show in the C locale" >&2

export JIANDANG_APP_BIN="$CARGO_TARGET_DIR/debug/jiandang-app"
export JIANDANG_BIN="$CARGO_TARGET_DIR/debug/jiandang"
export JIANDANG_SCREENSHOTS="$root/target/screenshots"
# WebKitGTK under Xvfb has no GPU; software rendering avoids blank screenshots.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
export LIBGL_ALWAYS_SOFTWARE=1

# A failing walk's error (anyhow) prints without a stack trace, so the last lines of a CI log
# say which step failed and why; a panic still prints its trace under RUST_BACKTRACE.
export RUST_LIB_BACKTRACE=0
echo "app-e2e: running the test on DISPLAY=$DISPLAY"
cargo test --workspace --features jiandang-app-e2e/e2e --test app_e2e -- --nocapture --test-threads=1
