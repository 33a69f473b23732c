#!/usr/bin/env bash
# Mutation testing of kaohe's pure modules (issue 16): scoring, points, the
# rubric lint, and the deduction and number readers of ingest, each mutant
# judged by the library's own unit tests (`cargo test --lib`).
#
# cargo-mutants normally copies the tree to a scratch folder and builds
# there; that copy rebuilds every dependency (typst included) from scratch.
# So this script copies the tree once itself, with its target/ (cp -a keeps
# the modification times, so cargo reuses the release build of the
# dependencies), and mutates that copy in place: your own tree is never
# touched. Each mutant rebuilds only kaohe's library, niced, one at a time.
#
# Usage: bench/mutants.sh [OUT]   (OUT: where mutants.out/ goes; default .)
# Needs: cargo install cargo-mutants --locked
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "${1:-.}")
command -v cargo-mutants >/dev/null || {
  echo "需要 cargo-mutants（cargo install cargo-mutants --locked）" >&2
  exit 2
}
cargo build --release --lib --tests -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a . "$work/kaohe"
rm -rf "$work/kaohe/.git" "$work/kaohe/mutants.out" "$work/kaohe/mutants.out.old"
cd "$work/kaohe"
# Incremental builds apply to kaohe itself only (dependencies never build
# incrementally), so the dependencies' release build is reused as it is.
export CARGO_PROFILE_RELEASE_INCREMENTAL=true
nice -n 19 cargo mutants --in-place --baseline=skip --timeout 300 \
  --output "$out" \
  --file src/score.rs --file src/points.rs --file src/rubric/lint.rs \
  --file src/workbook/ingest.rs \
  --re '^src/(score|points|rubric/lint)\.rs:|^src/workbook/ingest\.rs:.* in (number|read_deduction|read_bonus|read_veto|parse_number_text)$' \
  --cargo-arg=--release \
  -- --lib
