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
# touched. Each mutant rebuilds only kaohe's library test (`--lib` is given
# to cargo for the build as well as the test phase: given after `--` it
# reaches only the test phase, and the build would link the binary and the
# integration tests too, 70 s a mutant on the 2-core machine), niced, one
# at a time.
#
# Cheaper builds: kaohe itself (not its dependencies) is compiled at
# opt-level 0 and incrementally, through a profile override given on the
# command line (`--config profile.release.package.kaohe...`): an override
# for one package leaves the dependencies' fingerprints alone, so typst and
# the rest stay as built. The first build in the copy compiles kaohe once
# (about 1 min); then a mutant costs an incremental rebuild of kaohe and the
# run of the selected unit tests.
#
# The unit tests take under a second; a mutant that loops for ever (`j += 1`
# made `j *= 1`) is stopped after 30 s and counted as a timeout.
#
# Which mutants: every one in score.rs, points.rs and rubric/lint.rs, and in
# ingest those of the readers (number, read_deduction, read_bonus, read_veto,
# parse_number_text), found by function name in src/workbook/ingest.rs or in
# any file under src/workbook/ingest/ (the readers may move there).
# cargo-mutants 27.1.0 lets its "delete field from struct expression"
# mutants through every name filter (--re and --exclude-re alike), so the
# seven of rectify::read (ingest/rectify.rs, no reader) are excluded by file.
#
# Figures (2026-12-07, cargo-mutants 27.1.0, all mutants, no shuffle): 255
# selected, 45 min under the load of another build. First run: 214 caught,
# 20 missed, 4 timeouts, 17 unviable. Every survivor then got a unit test
# or went: Pts::from_f64 > → >= (points::tests::from_f64_edges, the
# tolerance's edge 1e-8); Difference::gap ×3, score_sheet's self-assessment
# entries and assessor filter ×5, differences ×8 (score::tests::
# self_assessment_differences_and_gaps); number's integer guard → false
# (reader_tests::numbers_refused, an Int past 1e12); the unit and rubric
# copied into score_sheet's self-assessment form were never read, so
# equivalent, and removed from the code. Rerun with `-- --iterate` (the 20
# and the 4 timeouts): 22 selected, 18 caught, 4 timeouts. Now: 253
# selected, 232 caught, 0 missed, 4 timeouts (endless loops in rank's group
# scan, `j < len` made `j == len`/`j > len`, `==` made `!=`, `j += 1` made
# `j *= 1`: stopped, counted as caught), 17 unviable (Pts has no `-=`, `*=`,
# `*`, `/`; a `Default` the type lacks; `||` inside a let chain).
# Repeat: bench/mutants.sh /tmp/m16 (then `-- --iterate` after a fix).
#
# Usage: bench/mutants.sh [OUT] [-- more cargo-mutants options, e.g. --list]
#   OUT: where mutants.out/ goes; default .
# Needs: cargo install cargo-mutants --locked
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "${1:-.}")
shift || true
[ "${1:-}" = "--" ] && shift
command -v cargo-mutants >/dev/null || {
  echo "需要 cargo-mutants（cargo install cargo-mutants --locked）" >&2
  exit 2
}
work=$(mktemp -d "${TMPDIR:-/tmp}/kaohe-mutants-XXXXXX")
trap 'rm -rf "$work"' EXIT
# The tree without its VCS data and earlier results; target/ with its times.
mkdir "$work/kaohe"
tar -C . --exclude=./.git --exclude=./mutants.out --exclude=./mutants.out.old \
  --exclude=./target/tmp --exclude=./output -cf - . | tar -C "$work/kaohe" -xf -
cd "$work/kaohe"
readers='number|read_deduction|read_bonus|read_veto|parse_number_text'
nice -n 19 cargo mutants --in-place --baseline=skip \
  --timeout 30 --build-timeout 900 \
  --output "$out" \
  --file src/score.rs --file src/points.rs --file src/rubric/lint.rs \
  --file src/workbook/ingest.rs --file 'src/workbook/ingest/**/*.rs' \
  --exclude src/workbook/ingest/rectify.rs \
  --re '^src/(score|points|rubric/lint)\.rs:' \
  --re "^src/workbook/ingest(\\.rs|/.*\\.rs):[0-9]+:[0-9]+: .*(replace | in )($readers)( |$)" \
  --cargo-arg=--release \
  --cargo-arg=--config=profile.release.package.kaohe.opt-level=0 \
  --cargo-arg=--config=profile.release.incremental=true \
  --cargo-arg=--lib \
  "$@"
