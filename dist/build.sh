#!/usr/bin/env bash
# Builds the kaohe program for one platform, on Linux:
#   dist/build.sh windows   x86_64-pc-windows-gnu with Debian's mingw-w64
#   dist/build.sh linux     x86_64-unknown-linux-gnu (the ordinary build)
#   dist/build.sh aarch64   aarch64-unknown-linux-gnu with Debian's gcc-aarch64-linux-gnu
# and prints the path of the program it made. The cross builds use their own
# target folder (KAOHE_DIST_TARGET_DIR, default target/dist), so that they
# never wait for the lock of a build or test run in target/.
# CARGO_BUILD_JOBS=1 keeps a loaded machine responsive.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-}
target_dir=${KAOHE_DIST_TARGET_DIR:-target/dist}

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null || { echo "dist/build.sh: 缺少 $1，请先安装 Debian 软件包 $2（apt-get install $2）" >&2; exit 2; }
}
have_target() {
  rustup target list --installed 2>/dev/null | grep -qx "$1" || rustup target add "$1" >&2
}

case "$what" in
  windows)
    triple=x86_64-pc-windows-gnu
    need x86_64-w64-mingw32-gcc mingw-w64
    have_target "$triple"
    export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
    # The C runtime inside the program: kaohe.exe needs no DLL beside it.
    export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-C target-feature=+crt-static"
    cargo build --release --locked --bin kaohe --target "$triple" --target-dir "$target_dir" >&2
    echo "$target_dir/$triple/release/kaohe.exe"
    ;;
  aarch64)
    triple=aarch64-unknown-linux-gnu
    need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
    have_target "$triple"
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
    cargo build --release --locked --bin kaohe --target "$triple" --target-dir "$target_dir" >&2
    echo "$target_dir/$triple/release/kaohe"
    ;;
  linux)
    cargo build --release --locked --bin kaohe >&2
    echo "target/release/kaohe"
    ;;
  *)
    echo "用法：dist/build.sh windows|linux|aarch64" >&2
    exit 2
    ;;
esac
