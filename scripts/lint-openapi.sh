#!/usr/bin/env bash
# Lints docs/openapi.json (the document the API serves: OpenApiDocumentTests keeps it current) with Spectral's
# OpenAPI rules (tests/openapi-lint/.spectral.yaml). Spectral comes from the npm registry, pinned by
# tests/openapi-lint/package-lock.json, installed on first use. Exit code 0: no errors (warnings are shown).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lint="$root/tests/openapi-lint"
if [ ! -x "$lint/node_modules/.bin/spectral" ]; then
  command -v npm >/dev/null || { echo "lint-openapi: npm is not installed (Debian: apt-get install npm)" >&2; exit 2; }
  echo "Installing Spectral (npm ci in tests/openapi-lint)"
  (cd "$lint" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null) || { echo "lint-openapi: could not install Spectral from the npm registry" >&2; exit 2; }
fi
cd "$lint"
./node_modules/.bin/spectral lint "$root/docs/openapi.json" --ruleset .spectral.yaml --fail-severity error "$@"
