#!/usr/bin/env bash
# Makes the release archives in dist/out/ (git-ignored):
#   kaohe-VERSION-windows-x86_64.zip, kaohe-VERSION-linux-x86_64.tar.gz
#   (and kaohe-VERSION-linux-aarch64.tar.gz with `dist/release.sh windows linux aarch64`)
# each with the program, 使用说明.txt, the font licence and SHA256SUMS, and
# dist/out/SHA256SUMS over the archives. Each program is run on the built-in
# example first (the Windows one under wine when wine is installed) and its
# manifest compared with the Linux build's, so a broken build is never packed.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
out=dist/out
# Fixed times and owners: the same sources give the same archive bytes.
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(windows linux)

rm -rf "$out"
mkdir -p "$out/stage"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

linux=$(dist/build.sh linux)
"$linux" demo -q --out "$work/linux" >/dev/null
for what in "${platforms[@]}"; do
  exe=$(dist/build.sh "$what")
  case "$what" in
    windows) name="kaohe-$version-windows-x86_64"; prog=kaohe.exe
      if command -v wine >/dev/null; then
        (cd "$work" && WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" wine "$OLDPWD/$exe" demo -q --out win >/dev/null)
        cmp "$work/linux/manifest.json" "$work/win/manifest.json"
      fi ;;
    linux) name="kaohe-$version-linux-x86_64"; prog=kaohe ;;
    aarch64) name="kaohe-$version-linux-aarch64"; prog=kaohe
      if command -v qemu-aarch64 >/dev/null; then
        QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 "$exe" demo -q --out "$work/arm" >/dev/null
        cmp "$work/linux/manifest.json" "$work/arm/manifest.json"
      fi ;;
    *) echo "用法：dist/release.sh [windows] [linux] [aarch64]" >&2; exit 2 ;;
  esac
  stage="$out/stage/$name"
  mkdir -p "$stage"
  cp "$exe" "$stage/$prog"
  cp dist/使用说明.txt "$stage/"
  cp fonts/COPYING "$stage/fonts-COPYING.txt"
  cp fonts/README.md "$stage/fonts-README.md"
  (cd "$stage" && sha256sum -- * > SHA256SUMS)
  find "$stage" -exec touch -h -d "@$epoch" {} +
  case "$what" in
    windows) (cd "$out/stage" && find "$name" -print | LC_ALL=C sort | zip -q -X -D -@ "../$name.zip") ;;
    *) tar -C "$out/stage" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
         -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz" ;;
  esac
done
rm -rf "$out/stage"
(cd "$out" && sha256sum -- *.zip *.tar.gz 2>/dev/null > SHA256SUMS)
ls -l "$out"
