#!/usr/bin/env bash
# Build figures of one or more commits, each in a fresh worktree with its own target directory
# (so nothing is shared but the downloaded registry): cold `cargo build`, then cold
# `cargo test --no-run`, the rebuild after touching one TUI file (build, then tests), the number
# of test binaries and of tests. With --ci, also the wall time of `.ci/run` in a clean clone.
#
# Usage: benches/build_times.sh [--ci] [COMMIT ...]     (default: HEAD)
# Run it on a quiet machine: every figure is one run of a multi-minute build.
set -euo pipefail
repo="$(git rev-parse --show-toplevel)"
ci=false
if [ "${1:-}" = "--ci" ]; then ci=true; shift; fi
[ $# -gt 0 ] || set -- HEAD

seconds() { # seconds COMMAND...: wall time of COMMAND, its output discarded
  local start end
  start=$(date +%s.%N)
  if ! "$@" >/dev/null 2>&1; then
    echo failed
    return
  fi
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }'
}

printf '%-10s %8s %10s %10s %10s %9s %6s %s\n' commit build test-build touch+bld touch+test binaries tests ci-run
for rev in "$@"; do
  work="$(mktemp -d)"
  git -C "$repo" worktree add -q --detach "$work/tree" "$rev"
  (
    cd "$work/tree"
    export CARGO_TARGET_DIR="$work/target"
    # The TUI's update function (a file before the navigation moved out of it, a folder after).
    touched=src/tui/update.rs
    [ -f "$touched" ] || touched=src/tui/update/mod.rs
    cargo fetch --locked -q
    build=$(seconds cargo build --locked)
    test_build=$(seconds cargo test --locked --no-run)
    touch "$touched"
    touch_build=$(seconds cargo build --locked)
    touch "$touched"
    touch_test=$(seconds cargo test --locked --no-run)
    binaries=$(cargo test --locked --no-run 2>&1 | grep -c 'Executable ')
    tests=$(cargo test --locked -- --list 2>/dev/null | grep -c ': test$')
    ci_run=-
    if $ci; then
      git clone -q "$repo" "$work/clone"
      git -C "$work/clone" checkout -q --detach "$(git -C "$repo" rev-parse "$rev")"
      unset CARGO_TARGET_DIR
      ci_run=$(cd "$work/clone" && CI=true seconds bash .ci/run)
    fi
    printf '%-10s %8s %10s %10s %10s %9s %6s %s\n' "$(git rev-parse --short HEAD)" \
      "$build" "$test_build" "$touch_build" "$touch_test" "$binaries" "$tests" "$ci_run"
  )
  git -C "$repo" worktree remove --force "$work/tree"
  rm -rf "$work"
done
