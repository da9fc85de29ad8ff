#!/usr/bin/env bash
# Whole-process figures of the TUI at organisation scale, driven in tmux like a person:
#   - first frame: time from start until the header is drawn
#   - loaded: time from start until "Profiles [N/N]" (every profile on screen)
#   - memory: VmRSS once loaded, and VmHWM (peak)
#   - live update: time from another client's `grant` exiting until the TUI shows it
# Usage: benches/tui_scale.sh [PROFILES] [RUNS]     (defaults 5000, 5)
# Needs tmux and a release build (cargo build --release). Loopback only.
set -euo pipefail
N=${1:-5000}
RUNS=${2:-5}
BIN=${BIN:-target/release/kubectl-kubeflow}
PORT=${PORT:-18643}
DIR=$(mktemp -d)
KC=$DIR/kubeconfig
SOCK=tui-scale-$$
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 2; }

"$BIN" sandbox --seed "scale:$N" --port "$PORT" --kubeconfig-out "$KC" >"$DIR/sandbox.log" 2>&1 &
SB=$!
trap 'kill $SB 2>/dev/null; tmux -L $SOCK kill-server 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 600); do [ -s "$KC" ] && KUBECONFIG=$KC "$BIN" version >/dev/null 2>&1 && break; sleep 0.1; done

now_ms() { date +%s%3N; }
wait_for() { # text, timeout seconds -> prints ms waited, or fails
  local start=$(now_ms) deadline=$(( $(now_ms) + $2 * 1000 ))
  while :; do
    if tmux -L "$SOCK" capture-pane -p -t b 2>/dev/null | grep -qF -- "$1"; then
      echo $(( $(now_ms) - start )); return 0
    fi
    [ "$(now_ms)" -lt "$deadline" ] || { echo "timeout waiting for $1" >&2; return 1; }
    sleep 0.01
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$DIR/first"; : >"$DIR/loaded"; : >"$DIR/rss"; : >"$DIR/hwm"; : >"$DIR/live"
# A session that outlives the runs: killing the last session makes tmux's server exit, and a
# new session started meanwhile fails with "server exited unexpectedly".
tmux -L "$SOCK" new-session -d -s keep "sleep 100000"
for run in $(seq "$RUNS"); do
  t0=$(now_ms)
  tmux -L "$SOCK" new-session -d -s b -x 160 -y 45 "KUBECONFIG=$KC exec $BIN tui"
  first=$(wait_for " kubectl-kubeflow " 30); echo $(( $(now_ms) - t0 - 0 )) >/dev/null
  echo "$(( first ))" >>"$DIR/first"
  loaded=$(wait_for "Profiles [$N/$N]" 300)
  echo "$(( first + loaded ))" >>"$DIR/loaded"
  pid=$(tmux -L "$SOCK" display -p -t b '#{pane_pid}')
  sleep 1
  awk '/VmRSS/ {print int($2/1024)}' /proc/"$pid"/status >>"$DIR/rss"
  awk '/VmHWM/ {print int($2/1024)}' /proc/"$pid"/status >>"$DIR/hwm"
  # Live update: a new user gets view on one profile; the Users view filtered on them.
  user="bench-$run-$$@example.com"
  tmux -L "$SOCK" send-keys -t b 2; tmux -L "$SOCK" send-keys -t b / ; tmux -L "$SOCK" send-keys -t b -l "$user"; tmux -L "$SOCK" send-keys -t b Enter
  sleep 0.5
  profile=$(KUBECONFIG=$KC "$BIN" profiles -o name | head -1 | sed 's|.*/||')
  KUBECONFIG=$KC "$BIN" grant "$user" --role view --profile "$profile" >/dev/null
  live=$(wait_for "Users [1/" 30)
  echo "$live" >>"$DIR/live"
  tmux -L "$SOCK" kill-session -t b
done
printf 'profiles=%s runs=%s\n' "$N" "$RUNS"
printf 'first frame ms (median): %s\n' "$(median <"$DIR/first")"
printf 'loaded ms (median):      %s\n' "$(median <"$DIR/loaded")"
printf 'rss MiB (median):        %s\n' "$(median <"$DIR/rss")"
printf 'peak MiB (median):       %s\n' "$(median <"$DIR/hwm")"
printf 'live update ms (median): %s\n' "$(median <"$DIR/live")"
