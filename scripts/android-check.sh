#!/usr/bin/env bash
# Type-checks the phone code of the field app (the `cfg(mobile)` paths: the geolocation
# plugin, the Android key store, SQLCipher with its vendored OpenSSL) for Android, with
# warnings denied. Debian's aarch64 GNU compiler stands in for the NDK's clang for the C
# parts (OpenSSL, SQLCipher, aws-lc): enough to type-check and build them, not to link an
# APK (that needs the NDK: docs/app.md, "Mobile builds").
set -euo pipefail
cd "$(dirname "$0")/.."

target=aarch64-linux-android
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
command -v aarch64-linux-gnu-gcc >/dev/null || {
  echo "android-check: aarch64-linux-gnu-gcc missing (scripts/setup.sh installs gcc-aarch64-linux-gnu)" >&2
  exit 1
}

# Without _GNU_SOURCE, glibc's headers hide pthread_rwlock_t from aws-lc-sys.
export CC_aarch64_linux_android=aarch64-linux-gnu-gcc
export AR_aarch64_linux_android=aarch64-linux-gnu-ar
export CFLAGS_aarch64_linux_android=-D_GNU_SOURCE
# RUSTFLAGS reaches only the target's crates with --target (build scripts keep the host's
# flags and artifacts); warnings in dependencies stay capped by cargo.
RUSTFLAGS="-D warnings" cargo check -p jiandang-app --target "$target"
