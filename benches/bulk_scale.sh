#!/usr/bin/env bash
# Whole-process figures of `onboard --from` at scale against `kubectl create -f` of the same
# objects as one multi-document file, each into a fresh sandbox, runs alternated: median wall
# time and peak memory (/usr/bin/time -v), and their ratio.
#
# The roster has ROWS rows: a quarter owners (quota cpu=8,memory=32Gi, LimitRange), each with
# three contributors (admin, edit, view). The file for kubectl holds exactly the objects the
# first import created (everything labelled app.kubernetes.io/managed-by=kubectl-kubeflow,
# server fields removed), Profiles first, so kubectl sends what we send.
# Usage: benches/bulk_scale.sh [ROWS] [RUNS]   (defaults 10000, 3)
# Needs kubectl, python3, GNU time and a release build (cargo build --release). Loopback only.
set -euo pipefail
ROWS=${1:-10000}
RUNS=${2:-3}
BIN=${BIN:-target/release/kubectl-kubeflow}
PORT=${PORT:-18645}
DIR=$(mktemp -d)
SB=
trap '[ -n "$SB" ] && kill $SB 2>/dev/null; rm -rf "$DIR"' EXIT
command -v kubectl >/dev/null || { echo "kubectl is not installed" >&2; exit 2; }

OWNERS=$((ROWS / 4))
{
  echo "user,profile,role,quota,limit_range"
  for i in $(seq 1 "$OWNERS"); do
    printf 'owner%05d@bulk.example,team-%05d,owner,cpu=8;memory=32Gi,true\n' "$i" "$i"
    printf 'member%05d-a@bulk.example,team-%05d,admin,,\n' "$i" "$i"
    printf 'member%05d-e@bulk.example,team-%05d,edit,,\n' "$i" "$i"
    printf 'member%05d-v@bulk.example,team-%05d,view,,\n' "$i" "$i"
  done
} >"$DIR/roster.csv"

fresh() { # starts an empty sandbox; sets SB and KUBECONFIG
  [ -n "$SB" ] && { kill "$SB" 2>/dev/null; wait "$SB" 2>/dev/null || true; }
  rm -f "$DIR/kc"
  "$BIN" sandbox --seed empty --port "$PORT" --kubeconfig-out "$DIR/kc" >"$DIR/sandbox.log" 2>&1 &
  SB=$!
  export KUBECONFIG=$DIR/kc
  for _ in $(seq 300); do [ -s "$DIR/kc" ] && "$BIN" version >/dev/null 2>&1 && return; sleep 0.05; done
  echo "the sandbox did not start" >&2; exit 1
}
measure() { # label, command... -> appends "wall_s rss_mib" to $DIR/label
  /usr/bin/time -v -o "$DIR/t" "${@:2}" >"$DIR/$1.out" 2>&1 || { echo "$1 failed:" >&2; tail -5 "$DIR/$1.out" >&2; }
  awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; w=s}
              /Maximum resident/ {r=$2/1024} END {printf "%.3f %.0f\n", w, r}' "$DIR/t" >>"$DIR/$1"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The objects of one import, as kubectl would send them.
fresh
"$BIN" onboard --from "$DIR/roster.csv" --yes >/dev/null
kubectl get profiles.kubeflow.org,limitranges,rolebindings.rbac.authorization.k8s.io,authorizationpolicies.security.istio.io \
  -A -l app.kubernetes.io/managed-by=kubectl-kubeflow -o json >"$DIR/created.json"
python3 - "$DIR/created.json" "$DIR/objects.yaml" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
order = {"Profile": 0, "LimitRange": 1, "RoleBinding": 2, "AuthorizationPolicy": 3}
items.sort(key=lambda o: order.get(o["kind"], 9))
with open(sys.argv[2], "w") as f:
    for o in items:
        m = o["metadata"]
        for k in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "finalizers"):
            m.pop(k, None)
        o.pop("status", None)
        f.write("---\n" + json.dumps(o) + "\n")
print(f"{len(items)} objects for kubectl", file=sys.stderr)
EOF

: >"$DIR/a"; : >"$DIR/b"
for _ in $(seq "$RUNS"); do
  fresh; measure a "$BIN" onboard --from "$DIR/roster.csv" --yes
  fresh; measure b kubectl create -f "$DIR/objects.yaml"
done
aw=$(cut -d' ' -f1 "$DIR/a" | median); ar=$(cut -d' ' -f2 "$DIR/a" | median)
bw=$(cut -d' ' -f1 "$DIR/b" | median); br=$(cut -d' ' -f2 "$DIR/b" | median)
printf 'rows=%s runs=%s (medians)\n' "$ROWS" "$RUNS"
printf 'onboard --from  %6ss %5s MiB | kubectl create -f %6ss %5s MiB | ratio wall %s mem %s\n' \
  "$aw" "$ar" "$bw" "$br" "$(awk "BEGIN {printf \"%.2f\", $aw/$bw}")" \
  "$(awk "BEGIN {printf \"%.2f\", $ar/$br}")"
grep -c created "$DIR/a.out" | sed 's/^/rows created in the last run: /'
