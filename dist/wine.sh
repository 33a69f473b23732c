#!/usr/bin/env bash
# Runs a Windows program under wine, for the tests and dist/release.sh:
#   dist/wine.sh kaohe.exe ARGS...
# The wine prefix is WINEPREFIX (default target/wine of this repository),
# made on first use; wine's own messages are silenced, Mono and Gecko are
# not installed (kaohe needs neither), and no window opens (no DISPLAY).
# Debian's wine 8.0 has no bcryptprimitives.dll, whose ProcessPrng Rust's
# standard library calls (Windows 10 and 11 have it): the stand-in of
# tests/data/wine is compiled with mingw-w64 into the prefix's system32.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export WINEPREFIX=${WINEPREFIX:-$root/target/wine}
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
command -v wine >/dev/null || { echo "dist/wine.sh: 缺少 wine，请先安装 Debian 软件包 wine 和 wine64" >&2; exit 2; }
mkdir -p "$WINEPREFIX"
dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
# One caller at a time sets up; the programs it starts must not inherit the
# lock (fd 9) or the caller's output (a caller reading our output to its
# end would wait for wine's background programs to exit).
(
  flock 9
  if [ ! -e "$dll" ]; then
    command -v x86_64-w64-mingw32-gcc >/dev/null ||
      { echo "dist/wine.sh: 缺少 x86_64-w64-mingw32-gcc，请先安装 Debian 软件包 mingw-w64" >&2; exit 2; }
    # The first start makes the prefix and prints wine's own lines.
    wineboot -i </dev/null >/dev/null 2>&1 9>&-
    wineserver -w 9>&-
    x86_64-w64-mingw32-gcc -O2 -shared -o "$dll.tmp" "$root/tests/data/wine/bcryptprimitives.c" \
      -ladvapi32 -Wl,--kill-at
    mv "$dll.tmp" "$dll"
  fi
  # wineserver stops 3 s after its last program by default, and a program
  # that starts as it stops gets "wine client error:104" on stderr; the
  # tests start wine many times with short gaps. So: one server for them
  # all, kept 60 s after the last program (exit 0: it was not running), and
  # its background programs (winedevice.exe…) started here, detached.
  if wineserver -p60 </dev/null >/dev/null 2>&1 9>&-; then
    wine cmd /c exit </dev/null >/dev/null 2>&1 9>&-
  fi
) 9>"$WINEPREFIX/.kaohe-setup.lock"
exec wine "$@"
