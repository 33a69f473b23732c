#!/usr/bin/env bash
# The campaign benchmark of issue 5: builds kaohe in release, then in one run
# measures `kaohe demo` for 25, 250 and 1000 units and one LibreOffice
# conversion of one blank workbook (the baseline), several times each, and
# prints medians, ratios and peak memory. Usage: bench/campaign.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
command -v soffice >/dev/null || { echo "需要 soffice（apt-get install libreoffice-calc-nogui）" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "需要 /usr/bin/time（apt-get install time）" >&2; exit 2; }
cargo build --release -q
bin=target/release/kaohe
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A blank workbook for the baseline, and a warm LibreOffice profile so the
# baseline is a conversion, not a first start.
$bin blank --out "$work/blank" -q
book=$(ls "$work"/blank/blank/*.xlsx | head -n 1)
profile="file://$work/lo-profile"
soffice -env:UserInstallation="$profile" --headless --convert-to pdf --outdir "$work/lo" "$book" >/dev/null 2>&1

# measure NAME CMD...: wall seconds and max RSS (KiB) of each run, one per line
measure() {
  local name=$1; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1
    echo "$name $(cat "$work/t")"
  done
}

{
  measure soffice soffice -env:UserInstallation="$profile" --headless --convert-to pdf --outdir "$work/lo" "$book"
  for n in 25 250 1000; do
    if [ "$n" = 25 ]; then
      measure "demo-$n" $bin demo --out "$work/d$n" -q
    else
      measure "demo-$n" $bin demo --units "$n" --out "$work/d$n" -q
    fi
  done
} > "$work/all"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
med() { grep "^$1 " "$work/all" | awk '{print $2}' | median; }
rss() { grep "^$1 " "$work/all" | awk '{print $3}' | sort -n | tail -n 1; }

so=$(med soffice); d25=$(med demo-25); d250=$(med demo-250); d1000=$(med demo-1000)
echo "kaohe campaign benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $runs runs each (median wall time)"
printf '%-28s %8s s  peak RSS %7s MiB\n' "soffice --convert-to pdf (1 xlsx)" "$so" "$(( $(rss soffice) / 1024 ))"
for n in 25 250 1000; do
  printf '%-28s %8s s  peak RSS %7s MiB\n' "kaohe demo ($n units)" "$(med demo-$n)" "$(( $(rss demo-$n) / 1024 ))"
done
awk -v a="$d25" -v b="$so" 'BEGIN {printf "ratio demo(25) / soffice      %.2f   (target <= 1.0, aim <= 0.5)\n", a/b}'
awk -v a="$d1000" -v b="$d25" 'BEGIN {printf "ratio demo(1000) / demo(25)   %.1f   (target <= 45)\n", a/b}'
awk -v a="$d250" -v b="$d25" 'BEGIN {printf "ratio demo(250) / demo(25)    %.1f\n", a/b}'

# Blank forms and ingest at 1000 units: the XLSX and ingest stages of one
# --timings run (CPU time summed over both cores; the wall time is lower).
$bin demo --units 1000 --out "$work/t1000" -q --timings 2>&1 | grep -E "ingest|XLSX|写 XLSX" | sed 's/^/1000 units, --timings: /'
