#!/usr/bin/env bash
# Whole-process figures of the read commands against kubectl on the same sandbox, runs
# alternated (ours, kubectl, ours, ...): median wall time and peak memory (/usr/bin/time -v),
# and their ratio. Usage: benches/read_scale.sh [PROFILES] [RUNS]   (defaults 5000, 5)
# Needs kubectl, GNU time and a release build (cargo build --release). Loopback only.
set -euo pipefail
N=${1:-5000}
RUNS=${2:-5}
BIN=${BIN:-target/release/kubectl-kubeflow}
PORT=${PORT:-18644}
DIR=$(mktemp -d)
KC=$DIR/kubeconfig
"$BIN" sandbox --seed "scale:$N" --port "$PORT" --kubeconfig-out "$KC" >"$DIR/sandbox.log" 2>&1 &
SB=$!
trap 'kill $SB 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 600); do [ -s "$KC" ] && KUBECONFIG=$KC "$BIN" version >/dev/null 2>&1 && break; sleep 0.1; done
export KUBECONFIG=$KC

measure() { # label, command... -> appends "wall_s rss_mib" to $DIR/label
  /usr/bin/time -v -o "$DIR/t" "${@:2}" >/dev/null 2>&1 || true
  awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; w=s}
              /Maximum resident/ {r=$2/1024} END {printf "%.3f %.0f\n", w, r}' "$DIR/t" >>"$DIR/$1"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pair() { # name, our command, kubectl command
  : >"$DIR/a"; : >"$DIR/b"
  measure a $2; measure b $3   # warm-up, discarded
  : >"$DIR/a"; : >"$DIR/b"
  for _ in $(seq "$RUNS"); do measure a $2; measure b $3; done
  local aw ar bw br
  aw=$(cut -d' ' -f1 "$DIR/a" | median); ar=$(cut -d' ' -f2 "$DIR/a" | median)
  bw=$(cut -d' ' -f1 "$DIR/b" | median); br=$(cut -d' ' -f2 "$DIR/b" | median)
  printf '%-14s ours %6ss %5s MiB | kubectl %6ss %5s MiB | ratio wall %s mem %s\n' "$1" \
    "$aw" "$ar" "$bw" "$br" "$(awk "BEGIN {printf \"%.2f\", $aw/$bw}")" \
    "$(awk "BEGIN {printf \"%.2f\", $ar/$br}")"
}
echo "profiles=$N runs=$RUNS (medians)"
pair profiles "$BIN profiles -o json" "kubectl get profiles.kubeflow.org -o json"
pair users "$BIN users -o json" "kubectl get rolebindings -A -o json"
pair doctor "$BIN doctor" "kubectl get rolebindings,authorizationpolicies.security.istio.io -A -o json"
