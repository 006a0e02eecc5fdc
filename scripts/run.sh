#!/usr/bin/env bash
# Runs DelphiRounds on http://localhost:5080 (or $DELPHI_URL) with the demo study, from a fresh clone:
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
url=${DELPHI_URL:-http://localhost:5080}
# The demo's printed links and every link the server makes (Site:PublicBaseUrl empty) take the address it listens on.
export DOTNET_URLS="$url"
if grep -Eq '"PublicBaseUrl": *"https?://[^"]+"' appsettings.json && ! grep -Fq "\"PublicBaseUrl\": \"$url\"" appsettings.json; then
  echo "Note: appsettings.json sets Site:PublicBaseUrl, so links use that address, not $url (empty it to use $url)." >&2
fi

say "Migrating the database and seeding the demo study when it is empty"
"$root/scripts/delphi" demo --if-empty

say "Starting DelphiRounds on $url (Ctrl+C stops it)"
cat <<TXT
  Facilitator pages:  $url/login
  API reference:      $url/api/docs  (OpenAPI document: $url/openapi/v1.json)
  Health:             $url/health/ready
TXT
cd "$root/src/DelphiRounds"
exec dotnet bin/Release/net10.0/DelphiRounds.dll --urls "$url"
