#!/usr/bin/env bash
# The campaign benchmark (issues 5 and 15): builds kaohe in release, then in
# one run measures one LibreOffice conversion of one blank workbook (the
# baseline), `kaohe demo --no-cache` for 25, 250 and 1000 units (and 2500
# with BIG=1), and a first `kaohe score` of the 25 returned forms against a
# rerun after one corrected form (the render cache warm), several times
# each, and prints medians, ratios and peak memory.
# Usage: bench/campaign.sh [RUNS]      BIG=1 bench/campaign.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
command -v soffice >/dev/null || { echo "需要 soffice（apt-get install libreoffice-calc-nogui）" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "需要 /usr/bin/time（apt-get install time）" >&2; exit 2; }
cargo build --release -q
bin=target/release/kaohe
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A blank workbook for the baseline (from the demo: `blank` needs a
# campaign folder), and a warm LibreOffice profile so the
# baseline is a conversion, not a first start.
$bin demo --out "$work/blank" -q
book=$(ls "$work"/blank/blank/*.xlsx | head -n 1)
profile="file://$work/lo-profile"
soffice -env:UserInstallation="$profile" --headless --convert-to pdf --outdir "$work/lo" "$book" >/dev/null 2>&1

# measure NAME CMD...: wall seconds and max RSS (KiB) of each run, one per line
# A command that fails stops the benchmark with its own message (before,
# its output went to /dev/null and `set -e` ended the script silently).
timed() {
  /usr/bin/time -f "%e %M %U %S" -o "$work/t" "$@" >/dev/null 2>"$work/err" || {
    echo "失败：$*" >&2; cat "$work/err" >&2; exit 1
  }
}
measure() {
  local name=$1; shift
  for _ in $(seq "$runs"); do
    timed "$@"
    echo "$name $(cat "$work/t")"
  done
}

{
  measure soffice soffice -env:UserInstallation="$profile" --headless --convert-to pdf --outdir "$work/lo" "$book"
  for n in 25 250 1000; do
    if [ "$n" = 25 ]; then
      measure "demo-$n" $bin demo --no-cache --out "$work/d$n" -q
    else
      measure "demo-$n" $bin demo --no-cache --units "$n" --out "$work/d$n" -q
    fi
    rm -rf "$work/d$n"
  done
  if [ "${BIG:-0}" = 1 ]; then
    runs=1 measure demo-2500 $bin demo --no-cache --units 2500 --out "$work/d2500" -q
    rm -rf "$work/d2500"
  fi
  # The demo again into its folder: every document from the cache.
  $bin demo --out "$work/warm" -q
  measure demo-warm $bin demo --out "$work/warm" -q
  # Reruns: the built-in campaign in a folder of its own (`kaohe init`, its
  # cache in .kaohe/ beside it), the demo's 25 forms filled by the assessors
  # (`assessed/`), and the same forms with one assessor's deduction reason
  # corrected in one of them.
  $bin init "$work/c" -q
  camp="$work/c/kaohe.toml"
  $bin demo --out "$work/src" -q
  cp -r "$work/src/assessed" "$work/orig"
  cp -r "$work/src/assessed" "$work/fixed"
  python3 - "$work/fixed" <<'PY'
import sys, os, re, zipfile
# One assessor's reason (column J, 扣分原因, of sheet 评分表) corrected in
# the first form that has one: the cell points to a new shared string, so
# the unit's own self-assessment columns stay as they were returned.
d = sys.argv[1]
for f in sorted(x for x in os.listdir(d) if x.endswith(".xlsx")):
    p = os.path.join(d, f)
    with zipfile.ZipFile(p) as z:
        src = z.infolist()
        data = {i.filename: z.read(i.filename) for i in src}
    sst = data["xl/sharedStrings.xml"].decode()
    strings = re.findall(r"<si>(.*?)</si>", sst, re.S)
    sheet = data["xl/worksheets/sheet1.xml"].decode()
    cell = None
    for m in re.finditer(r'<c r="J(\d+)"[^>]*t="s"[^>]*><v>(\d+)</v>', sheet):
        text = re.sub(r"<[^>]+>", "", strings[int(m.group(2))])
        if int(m.group(1)) > 4 and text:
            cell = m
            break
    if cell:
        break
assert cell, "no reason to correct"
n = len(strings)
new = "<si><t>%s（已更正）</t></si>" % re.sub(r"<[^>]+>", "", strings[int(cell.group(2))])
sst = sst.replace("</sst>", new + "</sst>")
sst = re.sub(r'uniqueCount="\d+"', 'uniqueCount="%d"' % (n + 1), sst, count=1)
a, b = cell.span(2)
sheet = sheet[:a] + str(n) + sheet[b:]
data["xl/sharedStrings.xml"] = sst.encode()
data["xl/worksheets/sheet1.xml"] = sheet.encode()
with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
    for i in src:
        z.writestr(i, data[i.filename])
print("corrected: %s J%s" % (f, cell.group(1)), file=sys.stderr)
PY
  # The folder of forms is scored (cache cold), then the corrected form
  # replaces its first version in that folder and it is scored again; the
  # rerun's results.json must equal a run from scratch of the same folder.
  for _ in $(seq "$runs"); do
    rm -rf "$work/c/.kaohe" "$work/s" "$work/in"
    cp -r "$work/orig" "$work/in"
    timed $bin score "$work/in" --campaign "$camp" --out "$work/s" -q
    echo "score-first $(cat "$work/t")"
    cp "$work/fixed"/*.xlsx "$work/in/"
    timed $bin score "$work/in" --campaign "$camp" --out "$work/s" -q
    echo "score-rerun $(cat "$work/t")"
  done
  $bin score "$work/in" --campaign "$camp" --out "$work/s3" -q --no-cache
  cmp "$work/s/results.json" "$work/s3/results.json" >&2 || { echo "重算结果与从头计算不同" >&2; exit 1; }
  measure score-nocache $bin score "$work/orig" --campaign "$camp" --out "$work/s2" -q --no-cache
} > "$work/all"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
med() { grep "^$1 " "$work/all" | awk '{print $2}' | median; }
rss() { grep "^$1 " "$work/all" | awk '{print $3}' | sort -n | tail -n 1; }
# CPU seconds (user + system): less disturbed than wall time by other load
cpu() { grep "^$1 " "$work/all" | awk '{print $4 + $5}' | median; }

so=$(med soffice); d25=$(med demo-25); d250=$(med demo-250); d1000=$(med demo-1000)
first=$(med score-first); rerun=$(med score-rerun)
echo "kaohe campaign benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $runs runs each (median wall time), load average $(cut -d' ' -f1-3 /proc/loadavg)"
line() { printf '%-36s %8s s  CPU %7s s  peak RSS %7s MiB\n' "$1" "$(med "$2")" "$(cpu "$2")" "$(( $(rss "$2") / 1024 ))"; }
line "soffice --convert-to pdf (1 xlsx)" soffice
for n in 25 250 1000; do line "kaohe demo --no-cache ($n units)" "demo-$n"; done
[ "${BIG:-0}" = 1 ] && line "kaohe demo --no-cache (2500 units)" demo-2500
line "kaohe demo, cache warm (25 units)" demo-warm
line "kaohe score, first (cache cold)" score-first
line "kaohe score, one form corrected" score-rerun
line "kaohe score --no-cache" score-nocache
awk -v a="$d25" -v b="$so" 'BEGIN {printf "ratio demo(25) / soffice        %.2f   (target <= 0.5)\n", a/b}'
awk -v a="$(cpu demo-25)" -v b="$(cpu soffice)" 'BEGIN {printf "ratio demo(25) / soffice, CPU   %.2f\n", a/b}'
awk -v a="$rerun" -v b="$first" 'BEGIN {printf "ratio score rerun / first       %.2f   (target <= 0.15)\n", a/b}'
awk -v a="$d250" -v b="$d25" 'BEGIN {printf "ratio demo(250) / demo(25)      %.1f\n", a/b}'
awk -v a="$d1000" -v b="$d25" 'BEGIN {printf "ratio demo(1000) / demo(25)     %.1f\n", a/b}'
if [ "${BIG:-0}" = 1 ]; then
  d2500=$(med demo-2500)
  awk -v a="$d2500" -v b="$d25" 'BEGIN {printf "ratio demo(2500) / demo(25)     %.1f   (target <= 80)\n", a/b}'
  awk -v a="$(rss demo-2500)" -v b="$(rss demo-250)" 'BEGIN {printf "peak RSS demo(2500) / demo(250) %.2f   (target <= 1.10)\n", a/b}'
  awk -v a="$d1000" -v b="$d2500" 'BEGIN {s=(b-a)/1500; printf "10000 units, extrapolated from 1000 and 2500: %.0f s\n", b+s*7500}'
  awk -v a="$(rss demo-1000)" -v b="$(rss demo-2500)" 'BEGIN {s=(b-a)/1500; printf "10000 units, peak RSS extrapolated from 1000 and 2500: %.0f MiB\n", (b+s*7500)/1024}'
fi

# Blank forms and ingest at 1000 units: the XLSX and ingest stages of one
# --timings run (CPU time summed over both cores; the wall time is lower).
$bin demo --no-cache --units 1000 --out "$work/t1000" -q --timings 2>&1 | grep -E "读取评分表|写 XLSX" | sed 's/^/1000 units, --timings: /'
