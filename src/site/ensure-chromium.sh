#!/usr/bin/env bash
# Runs before `npm test` (pretest): the browser tests drive Debian's chromium through
# playwright-core, which never downloads a browser of its own.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

if [[ "$EUID" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  echo "ensure-chromium: installed chromium with apt-get ($CHROMIUM)"
  exit 0
fi

echo "ensure-chromium: $CHROMIUM is missing; the browser tests need it." >&2
echo "Install it with: sudo apt-get install chromium" >&2
exit 1
