#!/usr/bin/env bash
# Refresh the web client's third-party files from the npm registry.
#
# The client runs as plain ES modules with no build step, so what ships is each package's
# own ESM file, copied as published. Bare import specifiers ("preact", "preact/hooks",
# "@preact/signals-core") are rewritten to relative paths so the browser loads them without
# an import map (an inline import map would need a hash in the CSP). Versions are pinned
# here; change a version, run this script, read the diff of vendor/, and commit.
#
# Needs node and npm (only to refresh these files; nothing runs or tests with them).
# Usage: clients/web/scripts/vendor.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENDOR="$HERE/vendor"
TEST_VENDOR="$ROOT/tests/web/vendor"

PREACT=11.2.0
SIGNALS=2.11.4
SIGNALS_CORE=1.14.5
HTM=3.1.1
UQR=0.1.3
AXE=4.14.1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

unpacked() { echo "$work/$(echo "$1" | tr '/@' '__')"; }
fetch() { # name version -> directory holding the unpacked package
  local dir
  dir="$(unpacked "$1")"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
  echo "$dir/package"
}

# Copy one ESM file, pointing its bare imports at the vendored siblings and dropping the
# source-map comment (the maps are not shipped).
copy_module() { # source target
  sed -E \
    -e 's#(from|import) ?"preact/hooks"#\1"./preact-hooks.mjs"#g' \
    -e 's#(from|import) ?"preact"#\1"./preact.mjs"#g' \
    -e 's#(from|import) ?"@preact/signals-core"#\1"./signals-core.mjs"#g' \
    -e '/^\/\/# sourceMappingURL=/d' -e 's#//\# sourceMappingURL=[^ ]*$##' \
    "$1" >"$2"
  if grep -Eq '(from|import) ?"[^".][^"]*"' "$2"; then
    echo "vendor.sh: a bare import is left in $2" >&2
    exit 1
  fi
}

rows=()
record() { # package version licence shipped-file destination-dir
  local sum integrity
  sum="$(sha256sum "$5/$4" | cut -d' ' -f1)"
  # The tarball's digest in the registry's own form: compare with `npm view NAME@VERSION
  # dist.integrity`.
  integrity="sha512-$(openssl dgst -sha512 -binary "$(unpacked "$1")"/*.tgz | base64 -w0)"
  rows+=("| $1 | $2 | $3 | \`$4\` | \`$sum\` | \`$integrity\` |")
}

rm -f "$VENDOR"/*.mjs "$VENDOR"/*.LICENSE.txt
mkdir -p "$VENDOR" "$TEST_VENDOR"

pkg="$(fetch preact "$PREACT")"
copy_module "$pkg/dist/preact.mjs" "$VENDOR/preact.mjs"
copy_module "$pkg/hooks/dist/hooks.mjs" "$VENDOR/preact-hooks.mjs"
cp "$pkg/LICENSE" "$VENDOR/preact.LICENSE.txt"
record preact "$PREACT" MIT preact.mjs "$VENDOR"
record preact "$PREACT" MIT preact-hooks.mjs "$VENDOR"

pkg="$(fetch @preact/signals-core "$SIGNALS_CORE")"
copy_module "$pkg/dist/signals-core.mjs" "$VENDOR/signals-core.mjs"
cp "$pkg/LICENSE" "$VENDOR/signals-core.LICENSE.txt"
record @preact/signals-core "$SIGNALS_CORE" MIT signals-core.mjs "$VENDOR"

pkg="$(fetch @preact/signals "$SIGNALS")"
copy_module "$pkg/dist/signals.mjs" "$VENDOR/signals.mjs"
cp "$pkg/LICENSE" "$VENDOR/signals.LICENSE.txt"
record @preact/signals "$SIGNALS" MIT signals.mjs "$VENDOR"

pkg="$(fetch htm "$HTM")"
copy_module "$pkg/dist/htm.mjs" "$VENDOR/htm.mjs"
cp "$pkg/LICENSE" "$VENDOR/htm.LICENSE.txt"
record htm "$HTM" Apache-2.0 htm.mjs "$VENDOR"

pkg="$(fetch uqr "$UQR")"
copy_module "$pkg/dist/index.mjs" "$VENDOR/uqr.mjs"
cp "$pkg/LICENSE" "$VENDOR/uqr.LICENSE.txt"
record uqr "$UQR" MIT uqr.mjs "$VENDOR"

{
  echo "# Vendored third-party files of the web client"
  echo
  echo "Written by \`clients/web/scripts/vendor.sh\` from the npm registry; do not edit by hand."
  echo "Bare import specifiers are rewritten to relative paths and source-map comments dropped;"
  echo "otherwise each file is the package's published ESM build. The SHA-256 is of the file as"
  echo "shipped; the last column is the registry's digest of the package it came from. Each"
  echo "package's licence is beside its file as \`NAME.LICENSE.txt\`."
  echo
  echo "| package | version | licence | file | SHA-256 of the file | npm tarball integrity |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$VENDOR/VENDOR.md"

# axe-core checks the pages in the end-to-end tests; it is not shipped with the client.
rows=()
pkg="$(fetch axe-core "$AXE")"
cp "$pkg/axe.min.js" "$TEST_VENDOR/axe.min.js"
cp "$pkg/LICENSE" "$TEST_VENDOR/axe-core.LICENSE.txt"
record axe-core "$AXE" MPL-2.0 axe.min.js "$TEST_VENDOR"
{
  echo "# Vendored files of the web tests"
  echo
  echo "Written by \`clients/web/scripts/vendor.sh\` from the npm registry; not shipped with the"
  echo "client. The licence is beside the file."
  echo
  echo "| package | version | licence | file | SHA-256 of the file | npm tarball integrity |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$TEST_VENDOR/VENDOR.md"

echo "vendored into $VENDOR and $TEST_VENDOR"
