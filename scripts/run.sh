#!/usr/bin/env bash
# Runs DelphiRounds on http://localhost:5080 with the demo study, from a fresh clone:
# restore + build, appsettings.json from the template, migrate the SQLite database, seed the demo
# when the database is empty, print how to log in, then serve.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '\n==> %s\n' "$*"; }

command -v dotnet >/dev/null || { echo "dotnet (the .NET 10 SDK) is needed: https://dotnet.microsoft.com/download" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm (Node.js) is needed to bundle the front-end packages: apt-get install -y nodejs npm" >&2; exit 1; }

say "Restoring and building (Release)"
dotnet build src/DelphiRounds/DelphiRounds.csproj -c Release --nologo -v quiet -clp:ErrorsOnly

if [ ! -f appsettings.json ]; then
  say "Creating appsettings.json from appsettings.template.json"
  cp appsettings.template.json appsettings.json
fi
export DELPHI_SETTINGS="$root/appsettings.json"

say "Migrating the database and seeding the demo study when it is empty"
"$root/scripts/delphi" demo --if-empty

url=${DELPHI_URL:-http://localhost:5080}
say "Starting DelphiRounds on $url (Ctrl+C stops it)"
cat <<TXT
  Facilitator pages:  $url/login
  API reference:      $url/api/docs  (OpenAPI document: $url/openapi/v1.json)
  Health:             $url/health/ready
TXT
cd "$root/src/DelphiRounds"
exec dotnet bin/Release/net10.0/DelphiRounds.dll --urls "$url"
