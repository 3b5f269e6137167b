#!/usr/bin/env bash
# Alternates `npm run bench` between another revision (checked out in a git worktree sharing this
# checkout's node_modules) and the working tree, so both sides see the same machine at nearly the
# same time; prints each side's repetitions and figures, labelled. Medians of the alternating
# rounds are the comparison.
#   bench/tools/compare-revisions.sh <revision> <rounds> [bench options…]
#   bench/tools/compare-revisions.sh HEAD~1 2 --only throughput
set -euo pipefail
revision=${1:?usage: compare-revisions.sh <revision> <rounds> [bench options…]}
rounds=${2:?usage: compare-revisions.sh <revision> <rounds> [bench options…]}
shift 2
here=$(git rev-parse --show-toplevel)
other=$(mktemp -d /tmp/live-runs-compare.XXXXXX)
git -C "$here" worktree add --detach --quiet "$other" "$revision"
ln -s "$here/node_modules" "$other/node_modules"
trap 'git -C "$here" worktree remove --force "$other"' EXIT
for round in $(seq 1 "$rounds"); do
  for side in "$revision" working-tree; do
    dir=$here
    [ "$side" = "$revision" ] && dir=$other
    (cd "$dir" && npm run --silent bench -- "$@" 2>&1) |
      grep -E '^  rep |^  CPU per delivered event \(median\)|^\| [a-z]' | sed "s|^|$side, round $round: |"
  done
done
