#!/usr/bin/env bash
# The live-push benchmark: naive (recompute + push per answer) against coalesced (incremental aggregates,
# group commit, one push per tick), N real SignalR clients each, answers posted over HTTP on a schedule.
#   scripts/bench.sh            full run (~14 min): ramps at 3,000 participants (naive; coalesced in JSON, in MessagePack,
#                               and in MessagePack with bare clients), 1,000 at 1,000/s, 10,000 and 20,000 held (the
#                               20,000 over HTTP/2 where a process may not open 21,000 files)
#   scripts/bench.sh --quick    smoke run (<= 90 s): 300 participants, short ramps (CI runs this)
#   --protocol json|messagepack|both   the clients of the coalesced runs speak this hub protocol (default both, side by side;
#                               the naive baseline always speaks JSON)
#   --whole-items               clients get whole items (JoinRound), not only what changed (JoinRoundChanges, as the browser)
#   --no-facilitator            no facilitator's screen follows the round (by default one does: its pushes carry the live verdicts)
#   --out DIR                   where bench.json, bench.txt and latency.png go (default: bench-out/)
# Prints the table and ends with "coalesced/naive sustained answers/s at 3000 participants: X".
# Server and load generator run on this one machine: the figures include that contention.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

quick=""; out="$root/bench-out"; protocol="both"; whole=""; facilitator=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick="--quick" ;;
    --whole-items) whole="--whole-items" ;;
    --no-facilitator) facilitator="--no-facilitator" ;;
    --out) out=$2; shift ;;
    --protocol) protocol=$2; shift
      case "$protocol" in json|messagepack|both) ;; *) echo "--protocol: json, messagepack or both" >&2; exit 2 ;; esac ;;
    *) echo "usage: scripts/bench.sh [--quick] [--out DIR] [--protocol json|messagepack|both] [--whole-items] [--no-facilitator]" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

echo "==> Building (Release)"
dotnet build src/DelphiRounds/DelphiRounds.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build tests/DelphiRounds.Load/DelphiRounds.Load.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "==> Load average before: $(cat /proc/loadavg)"
exec dotnet tests/DelphiRounds.Load/bin/Release/net10.0/DelphiRounds.Load.dll bench $quick $whole $facilitator --out "$out" --protocol "$protocol" \
  --server "$root/src/DelphiRounds/bin/Release/net10.0/DelphiRounds.dll"
