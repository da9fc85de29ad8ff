#!/usr/bin/env bash
# Regenerates the captures in this folder: `kubectl kubeflow demo` in a 120x32 tmux pane,
# driven with the keys a person presses; the sandbox port is replaced by PORT.
#   *.txt         text captures (also pinned, at other sizes, by tests/tui/screens.rs)
#   png/*.png     pictures of the main screens: the colour capture (capture-pane -e) drawn as
#                 SVG by render.py, photographed by headless Chromium (Debian's `chromium`;
#                 skipped with a note when it is not installed)
#   edit-quota.cast / edit-quota.svg
#                 the main edit flow (filter, quota editor, stage, preview, apply) as an
#                 asciinema recording and as an animated SVG
# Usage (from the repository root): cargo build && assets/screens/capture.sh
set -euo pipefail
BIN=${BIN:-target/debug/kubectl-kubeflow}
OUT=$(dirname "$0")
SOCK=screens-$$
DIR=$(mktemp -d)
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 2; }
trap 'tmux -L $SOCK kill-server 2>/dev/null; rm -rf "$DIR"' EXIT
printf '#!/bin/sh\nsed -i "s/cpu: \\"64\\"/cpu: \\"48\\"/" "$1"\n' >"$DIR/editor"
chmod +x "$DIR/editor"
tmux -L "$SOCK" new-session -d -s s -x 120 -y 32 \
  "EDITOR=$DIR/editor TERM=xterm-256color $BIN demo; sleep 600"
k() { for key in "$@"; do tmux -L "$SOCK" send-keys -t s "$key"; sleep 0.3; done; }
t() { tmux -L "$SOCK" send-keys -t s -l "$1"; sleep 0.3; }
wait_for() {
  for _ in $(seq 300); do
    tmux -L "$SOCK" capture-pane -p -t s | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "did not see: $1" >&2; tmux -L "$SOCK" capture-pane -p -t s >&2; exit 1
}
port() { sed -E 's#127\.0\.0\.1:[0-9]+#127.0.0.1:PORT#'; }
shot() {
  sleep 0.8
  tmux -L "$SOCK" capture-pane -p -t s | port >"$OUT/$1.txt"
  tmux -L "$SOCK" capture-pane -e -p -t s | port >"$DIR/$1.ansi"
}
FRAMES=()
frame() { # seconds on screen: one frame of the recording
  sleep 0.6
  local f="$DIR/frame-${#FRAMES[@]}.ansi"
  tmux -L "$SOCK" capture-pane -e -p -t s | port >"$f"
  FRAMES+=("$1:$f")
}
wait_for "● live"
shot profiles
k /; t genai; k Enter; shot profiles-filtered
k y; shot yaml; k Escape
k Enter; shot users-of-genai; k Escape Escape Escape
k 2; shot users
k 3; shot access
k 4; shot roles
k c; shot roles-compare; k c c
k 5; shot doctor
k '?'; shot help; k Escape
# Editing: the quota editor with a refused value, the preview, the onboarding form.
k 1 /; t fraud; k Enter e Enter BSpace; t 1x; shot edit-quota-invalid
k BSpace Enter s; wait_for "1 staged"; k p; wait_for "server dry run"; shot edit-preview
k Escape C; shot edit-staged; k Escape
k Escape Escape n; t "zara.ali@acme.io"; k Tab Tab Right Right Tab Tab
t "ahmed.lopez@acme.io:boss"; shot edit-onboard-form; k Escape
k 3 /; t ahmed; k Enter Space Space l l l l t; shot edit-role-picker; k Escape Escape
k C X y
k 1 /; t genai; k Enter E; wait_for "1 staged"; k p; wait_for "edit profile"; shot edit-yaml-preview
k Escape C X y
# The recording: a quota raised in place, previewed (server dry run, diff) and applied.
k Escape Escape 1; frame 2
k /; t fraud; frame 1; k Enter; frame 1.5
k e; frame 2; k Enter BSpace; t 12; frame 1.5; k Enter; frame 2
k s; wait_for "1 staged"; frame 1.5
k p; wait_for "server dry run"; frame 4
k a; frame 2; k y; wait_for "Apply results"; frame 2.5
k Escape; wait_for "2/12"; frame 3
k q
python3 "$OUT/render.py" cast "$OUT/edit-quota.cast" "$OUT/edit-quota.svg" "${FRAMES[@]}"
mkdir -p "$OUT/png"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
for name in profiles users access roles doctor edit-quota-invalid edit-preview edit-onboard-form; do
  python3 "$OUT/render.py" svg "$DIR/$name.ansi" "$DIR/$name.svg"
  if [ -n "$CHROMIUM" ]; then
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1028,564 \
      --screenshot="$OUT/png/$name.png" "file://$DIR/$name.svg" >/dev/null 2>&1
  fi
done
[ -n "$CHROMIUM" ] || echo "chromium is not installed: PNGs not regenerated (apt-get install chromium)" >&2
