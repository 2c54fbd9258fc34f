#!/usr/bin/env bash
# Refresh the front-end libraries that Taolun serves itself (no CDN at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # package@version  file-in-package  destination-dir
  (cd "$tmp" && npm pack --silent "$1" >/dev/null)
  tgz=$(ls "$tmp"/*.tgz | head -1)
  mkdir -p "$tmp/x" "$3"
  tar xzf "$tgz" -C "$tmp/x"
  cp "$tmp/x/package/$2" "$3/"
  cp "$tmp/x/package/LICENSE"* "$3/" 2>/dev/null || true
  rm -rf "$tmp"/*.tgz "$tmp/x"
}
fetch htmx.org@2.0.11 dist/htmx.min.js taolun/static/taolun/vendor/htmx
echo "vendored libraries refreshed"
