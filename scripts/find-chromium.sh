#!/usr/bin/env bash
# Print the path of a Chromium binary for the browser tests: $CHROMIUM_PATH, else the PATH.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] && { echo "$CHROMIUM_PATH"; exit 0; }
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file." >&2; exit 1
fi
for name in chromium chromium-browser google-chrome-stable google-chrome; do
  if path=$(command -v "$name" 2>/dev/null); then echo "$path"; exit 0; fi
done
exit 1
