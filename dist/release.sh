#!/usr/bin/env bash
# Makes the release archives in dist/out/ (git-ignored), on Linux:
#   dist/release.sh                         windows and linux (x86_64)
#   dist/release.sh windows linux aarch64   and kaohe-VERSION-linux-aarch64.tar.gz
# Each archive, kaohe-VERSION-windows-x86_64.zip or
# kaohe-VERSION-linux-ARCH.tar.gz, holds one folder of the same name with the
# program, 使用说明.pdf (typeset by kaohe itself: `kaohe manual`), the
# font licence and SHA256SUMS over those files; dist/out/SHA256SUMS lists the
# archives. Every program is run on the built-in example first (Windows under
# wine, aarch64 under qemu-user, when installed) and its manifest and manual
# compared with the Linux build's, so a broken build is never packed.
# The same sources give the same archive bytes: fixed times (the last
# commit's), owners and order; names in the zip marked as UTF-8.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
out=dist/out
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(windows linux)
for what in "${platforms[@]}"; do
  case "$what" in
    windows | linux | aarch64) ;;
    *) echo "用法：dist/release.sh [windows] [linux] [aarch64]" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null || { echo "dist/release.sh: 缺少 python3（写 zip 文件用），请先安装 Debian 软件包 python3" >&2; exit 2; }

rm -rf "$out"
mkdir -p "$out/stage"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The reference: the Linux program's demo and manual.
linux=$(dist/build.sh linux)
"$linux" demo -q --out "$work/linux" >/dev/null
"$linux" manual -q "$work/使用说明.pdf"

# `same DIR MANUAL WHAT`: DIR/manifest.json and MANUAL are the reference's.
same() {
  cmp "$work/linux/manifest.json" "$1/manifest.json" ||
    { echo "dist/release.sh: $3 的示例输出与 Linux 版不同" >&2; exit 1; }
  cmp "$work/使用说明.pdf" "$2" ||
    { echo "dist/release.sh: $3 生成的使用说明与 Linux 版不同" >&2; exit 1; }
  echo "release: $3: 示例输出和使用说明与 Linux 版逐字节相同" >&2
}

# `unpacked ARCHIVE NAME PROG EXE`: the archive, unpacked, holds exactly the
# folder NAME with PROG (EXE's bytes, executable), 使用说明.pdf (the
# reference's bytes), the font licence and SHA256SUMS, and the sums hold.
unpacked() {
  local archive=$1 name=$2 prog=$3 exe=$4 dir="$work/unpacked" got want
  rm -rf "$dir"; mkdir -p "$dir"
  case "$archive" in
    *.zip) got=$(python3 - "$archive" "$dir" <<'PY' | LC_ALL=C sort
# Unpacks with the entries' own modes and prints their names; a non-ASCII
# name must carry the UTF-8 flag (or Explorer garbles it).
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        assert i.flag_bits & 0x800 or i.filename.isascii(), i.filename
        print(i.filename)
        path = z.extract(i, sys.argv[2])
        if i.external_attr >> 16 & 0o777:
            os.chmod(path, i.external_attr >> 16 & 0o777)
PY
      ) ;;
    *) tar -C "$dir" -xzf "$archive"
       got=$(tar -tzf "$archive" | LC_ALL=C sort) ;;
  esac
  want=$(printf '%s\n' "$name/" "$name/$prog" "$name/使用说明.pdf" "$name/fonts-COPYING.txt" \
    "$name/fonts-README.md" "$name/SHA256SUMS" | LC_ALL=C sort)
  [ "$got" = "$want" ] ||
    { printf 'dist/release.sh: %s 的内容不对：\n%s\n' "$archive" "$got" >&2; exit 1; }
  (cd "$dir/$name" && sha256sum --quiet --strict -c SHA256SUMS) ||
    { echo "dist/release.sh: $archive 里的 SHA256SUMS 与文件不符" >&2; exit 1; }
  { [ -x "$dir/$name/$prog" ] && cmp -s "$dir/$name/$prog" "$exe" &&
    cmp -s "$dir/$name/使用说明.pdf" "$work/使用说明.pdf"; } ||
    { echo "dist/release.sh: $archive 里的程序或使用说明不是试运行过的那个" >&2; exit 1; }
  echo "release: $archive: 内容、SHA256SUMS 和可执行权限已核对" >&2
}

for what in "${platforms[@]}"; do
  exe=$(dist/build.sh "$what")
  case "$what" in
    windows)
      name="kaohe-$version-windows-x86_64"; prog=kaohe.exe
      if command -v wine >/dev/null; then
        (cd "$work" && "$OLDPWD/dist/wine.sh" "$OLDPWD/$exe" demo -q --out win >/dev/null &&
          "$OLDPWD/dist/wine.sh" "$OLDPWD/$exe" manual -q win.pdf)
        same "$work/win" "$work/win.pdf" "Windows 版（wine）"
      else
        echo "release: 没有 wine，Windows 版未经试运行" >&2
      fi ;;
    linux) name="kaohe-$version-linux-x86_64"; prog=kaohe ;;
    aarch64)
      name="kaohe-$version-linux-aarch64"; prog=kaohe
      if command -v qemu-aarch64 >/dev/null; then
        QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 "$exe" demo -q --out "$work/arm" >/dev/null
        QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 "$exe" manual -q "$work/arm.pdf"
        same "$work/arm" "$work/arm.pdf" "aarch64 版（qemu-user）"
      else
        echo "release: 没有 qemu-aarch64（Debian 软件包 qemu-user），aarch64 版未经试运行" >&2
      fi ;;
  esac
  stage="$out/stage/$name"
  mkdir -p "$stage"
  cp "$exe" "$stage/$prog"
  cp "$work/使用说明.pdf" "$stage/"
  cp fonts/COPYING "$stage/fonts-COPYING.txt"
  cp fonts/README.md "$stage/fonts-README.md"
  (cd "$stage" && LC_ALL=C sha256sum -- * > SHA256SUMS)
  chmod 0644 "$stage"/*
  chmod 0755 "$stage/$prog" "$stage"
  case "$what" in
    windows) archive="$out/$name.zip"; python3 - "$out/stage" "$name" "$archive" "$epoch" <<'PY'
# A zip as Windows Explorer reads it: UTF-8 names (flag bit 11, which
# Python sets for any non-ASCII name, so 使用说明.pdf is not garbled on a
# Chinese Windows), every entry dated with the last commit, in name order.
import os, sys, time, zipfile
base, name, dest, epoch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
stamp = time.gmtime(max(epoch, 315532800))[:6]
with zipfile.ZipFile(dest, "w") as z:
    d = zipfile.ZipInfo(name + "/", stamp)
    d.external_attr = (0o40755 << 16) | 0x10
    z.writestr(d, b"")
    for f in sorted(os.listdir(os.path.join(base, name))):
        info = zipfile.ZipInfo(name + "/" + f, stamp)
        info.external_attr = (0o100755 if f.endswith(".exe") else 0o100644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        with open(os.path.join(base, name, f), "rb") as src:
            z.writestr(info, src.read(), compresslevel=9)
PY
      ;;
    *) archive="$out/$name.tar.gz"
       tar -C "$out/stage" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
         --format=gnu -cf - "$name" | gzip -n -9 > "$archive" ;;
  esac
  unpacked "$archive" "$name" "$prog" "$exe"
done
rm -rf "$out/stage"
(cd "$out" && LC_ALL=C sha256sum -- *.zip *.tar.gz 2>/dev/null > SHA256SUMS || true)
ls -l "$out"
