#!/usr/bin/env bash
# The README's tour runs as written (issue 10, point 7): every command of its `sh` blocks, in order,
# in the clone after `npm install`; each exits 0 (6 where the README says a violation is found), and
# the clone is left as it was (`git status` shows nothing new). Run by .ci/run.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
before="$(git status --porcelain)"
script="$(awk '/^## A short tour/{on=1} /^## The store/{on=0} on && /^```sh/{code=1; next} on && /^```/{code=0} code' README.md)"
[ -n "$script" ] || { echo "readme-tour: no sh block found in the tour" >&2; exit 1; }
failed=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  expected=0
  case "$line" in *"# exit 6"*) expected=6 ;; esac
  eval "$line" >/dev/null 2>&1
  rc=$?
  if [ "$rc" != "$expected" ]; then
    echo "readme-tour: exit $rc (expected $expected): $line" >&2
    failed=1
  fi
done <<< "$script"
[ "$(git status --porcelain)" = "$before" ] || { echo "readme-tour: the tour left files in the clone" >&2; git status --porcelain >&2; failed=1; }
[ -n "${tmp:-}" ] && rm -rf "$tmp"
[ "$failed" = 0 ] && echo "readme-tour: 1 passed, 0 failed"
exit "$failed"
