#!/usr/bin/env bash
# Runs every test project and ends with one line: "Tests: N passed, N failed, N skipped".
# Installs what is missing first (Debian's chromium for the browser tests) with apt-get.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# --screenshots: the browser tests replace the README's screenshots in docs/screenshots (otherwise they
# write them to TestResults/screenshots and leave the tracked files alone).
for arg in "$@"; do
  case "$arg" in
    --screenshots) export DELPHI_SCREENSHOTS=update ;;
    *) echo "usage: scripts/test.sh [--screenshots]" >&2; exit 2 ;;
  esac
done

say() { printf '\n==> %s\n' "$*"; }
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo_cmd="sudo"

apt_install() {
  # $@: Debian packages; installs those not yet installed.
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing ${missing[*]} (apt-get)"
  $sudo_cmd apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
}

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then
  apt_install chromium || { echo "could not install chromium; the browser tests will fail" >&2; }
fi
# The print tests read the text of the PDFs Chromium renders with poppler's pdftotext.
if ! command -v pdftotext >/dev/null; then
  apt_install poppler-utils || { echo "could not install poppler-utils; the print tests will fail" >&2; }
fi

say "Building (Release)"
if ! dotnet build DelphiRounds.sln -c Release --nologo -v quiet -clp:ErrorsOnly; then
  echo "Tests: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"
projects=(
  tests/DelphiRounds.Consensus.Tests
  tests/DelphiRounds.Tests
  tests/DelphiRounds.CrashTests
  tests/DelphiRounds.BrowserTests
)
passed=0; failed=0; skipped=0; broken=0
# run_project NAME PROJECT [dotnet test arguments...]: runs one test project, adds its counts.
run_project() {
  local name=$1 project=$2; shift 2
  say "Testing $name"
  dotnet test "$project" -c Release --no-build --nologo "$@" \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results"
  local code=$?
  local trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "$name: no test results (exit code $code)" >&2
    broken=$((broken + 1))
    return
  fi
  local counters
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  count() { echo "$counters" | grep -o "$1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  local p f e t a n
  p=$(count passed); f=$(count failed); e=$(count error); t=$(count timeout); a=$(count aborted); n=$(count notExecuted)
  passed=$((passed + p)); failed=$((failed + f + e + t + a)); skipped=$((skipped + n))
  if [ "$code" -ne 0 ] && [ $((f + e + t + a)) -eq 0 ]; then broken=$((broken + 1)); fi
}

# Scale-out: a private PostgreSQL and Redis on 127.0.0.1 (installed with apt-get when missing). The
# integration suite runs once on SQLite (its two-instance tests share a SQLite file and this Redis) and
# once more on PostgreSQL, each test class in a fresh database.
source "$root/scripts/scaleout-services.sh"
if ! scaleout_services_start; then
  echo "could not start PostgreSQL and Redis; the scale-out tests will fail" >&2
  broken=$((broken + 1))
fi
trap scaleout_services_stop EXIT
# The scale-out fault suite (in DelphiRounds.CrashTests) writes its times here; they are printed at the end.
export DELPHI_SCALE_REPORT="$results/scale-faults.txt"

for project in "${projects[@]}"; do
  run_project "$(basename "$project")" "$project"
done
if [ -n "${SCALEOUT_POSTGRES:-}" ]; then
  # The SQLite-only tests (WAL mode, SQLite's triggers) are left out; Scale/StorageEngineTests covers PostgreSQL's.
  export DELPHI_TEST_POSTGRES="$SCALEOUT_POSTGRES"
  run_project DelphiRounds.Tests.Postgres tests/DelphiRounds.Tests --filter "Storage!=Sqlite"
  unset DELPHI_TEST_POSTGRES
fi

# The OpenAPI document (docs/openapi.json, kept equal to the served one by OpenApiDocumentTests) must pass Spectral's
# OpenAPI rules without an error; a lint error, or Spectral that cannot be installed from npm, counts as a failure.
say "Linting the OpenAPI document (Spectral)"
if ! "$root/scripts/lint-openapi.sh"; then
  echo "docs/openapi.json: Spectral found errors or could not run" >&2
  broken=$((broken + 1))
fi

failed=$((failed + broken))
# Which tests failed, with the first lines of their messages (from the .trx files), in TestResults/failed.txt;
# printed here and repeated by .ci/run at its end, so a CI log's tail names them.
list_failed() {
  local trx
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    if command -v python3 >/dev/null; then
      python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") in ("Passed", "NotExecuted"): continue
    message = r.findtext(".//t:ErrorInfo/t:Message", "", ns).strip().splitlines()
    print("FAILED " + r.get("testName", "?") + " (" + sys.argv[1].rsplit("/", 1)[-1] + ")")
    for line in message[:40]: print("    " + line[:400])
PY
    else
      grep -o '<UnitTestResult [^>]*outcome="Failed"' "$trx" | grep -o 'testName="[^"]*"' | sed 's/^testName="/FAILED /; s/"$//'
    fi
  done
}
list_failed > "$results/failed.txt" 2>&1
if [ -f "$DELPHI_SCALE_REPORT" ]; then
  say "Scale-out fault suite"
  cat "$DELPHI_SCALE_REPORT"
fi
if [ -s "$results/failed.txt" ]; then
  say "Failed tests"
  cat "$results/failed.txt"
fi
echo
echo "Tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
