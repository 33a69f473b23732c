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
  --re '^src/(score|points|rubric/lint)\.rs:' \
  --re "^src/workbook/ingest(\\.rs|/.*\\.rs):[0-9]+:[0-9]+: .*(replace | in )($readers)( |$)" \
  --cargo-arg=--release \
  --cargo-arg=--config=profile.release.package.kaohe.opt-level=0 \
  --cargo-arg=--config=profile.release.incremental=true \
  --cargo-arg=--lib \
  "$@"
