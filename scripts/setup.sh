#!/usr/bin/env bash
# Installs what building and testing Jiandang needs on Debian/Ubuntu: the system packages
# for the Tauri app (WebKitGTK), Xvfb and WebKitWebDriver for its end-to-end test, Chromium
# for the county dashboard's end-to-end test (driven by playwright-core), CJK fonts for
# screenshots, the aarch64 compiler and Rust target of the Android compile check, the UI's npm
# packages and tauri-driver. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config libssl-dev
  libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb webkit2gtk-driver chromium fonts-noto-cjk imagemagick
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -f ui/package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi

if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --version '^2' --locked
fi

# The phone code's compile check (scripts/android-check.sh).
if ! rustup target list --installed | grep -qx aarch64-linux-android; then
  rustup target add aarch64-linux-android
fi

# The fuzz targets (scripts/fuzz.sh) build with nightly and cargo-fuzz.
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
