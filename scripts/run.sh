#!/usr/bin/env bash
# The main job: sets up, makes the demo county (once), starts the county server on loopback
# (with the county dashboard at its address) and the field app connected to it. Ctrl-C stops
# both.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
listen="${JIANDANG_LISTEN:-127.0.0.1:8080}"
db="$root/target/demo/county.db"

scripts/setup.sh
(cd ui && npm run build)
# The same build as scripts/test.sh (one feature set), so running both builds once.
cargo build --workspace --all-targets
bin="$CARGO_TARGET_DIR/debug"

mkdir -p "$(dirname "$db")"
if [ ! -f "$db" ]; then
  echo "run: making the demo county in $db (users and passwords are printed once, below)"
  "$bin/jiandang" demo --db "$db" | tee "$root/target/demo/users.txt"
else
  echo "run: using the demo county in $db; its users are in target/demo/users.txt"
fi

"$bin/jiandang" serve --db "$db" --listen "$listen" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT INT TERM
echo "run: county server on http://$listen"
admin=$(awk '$2 == "county_admin" { print $1 " / " $3; exit }' "$root/target/demo/users.txt" 2>/dev/null || true)
echo "run: county dashboard at http://$listen/ (sign in as the county admin: ${admin:-see target/demo/users.txt})"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run: in the app, log in with a user from the list above (the server address http://$listen is filled in)"
  # The app keeps each replica's key in the desktop's key store (Secret Service). A desktop
  # without one (a bare window manager, a remote X session) gets a demo-only key secret made
  # once under target/demo, said plainly: a real phone uses its own key store.
  if ! dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.ListActivatableNames 2>/dev/null | grep -q org.freedesktop.secrets &&
    ! dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.ListNames 2>/dev/null | grep -q org.freedesktop.secrets; then
    secret="$root/target/demo/app-key-secret"
    [ -s "$secret" ] || (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secret")
    export JIANDANG_TEST_REPLICA_SECRET="$(cat "$secret")"
    echo "run: no key store (Secret Service) on this desktop: the demo app's replica keys come from $secret (demo only)"
  fi
  JIANDANG_SERVER_URL="http://$listen" "$bin/jiandang-app" || true
  echo "run: the app closed; the server keeps running until Ctrl-C"
else
  echo "run: no display here, so the field app cannot open; the server keeps running until Ctrl-C"
fi
wait $server
