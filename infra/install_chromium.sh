#!/usr/bin/env bash
# Chromium for the browser tests (tests/e2e/ui), from the machine's own package registry.
#
# Playwright drives the system browser at /usr/bin/chromium: `playwright install` would
# download a browser build of its own, which this project never does. On Debian/Ubuntu as root
# this installs the `chromium` package; anywhere else it says what to install and exits 0, so
# that `make test` still runs (the browser tests then fail with the same message).
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "• installing Chromium for the browser tests (apt-get install chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  if [[ -x "$CHROMIUM" ]]; then
    echo "  $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed"
    exit 0
  fi
  echo "! apt-get installed chromium but $CHROMIUM is missing" >&2
  exit 1
fi

cat >&2 <<EOF
! The browser tests need Chromium at $CHROMIUM, and it is missing.
  Debian/Ubuntu:  sudo apt-get install --no-install-recommends chromium
  Elsewhere: install Chromium from your package manager and run the tests with
  CHROMIUM=/path/to/chromium (do not run 'playwright install').
EOF
exit 0
