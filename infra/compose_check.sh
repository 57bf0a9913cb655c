#!/usr/bin/env bash
# Validate docker-compose.yml without a Docker engine.
#
#   infra/compose_check.sh           validate; exit 0 when Compose accepts the file
#   infra/compose_check.sh --print   print the resolved configuration (YAML) on stdout
#   infra/compose_check.sh --install-only   only make sure a Compose is installed (`make test`)
#
# Uses `docker compose` (v2 plugin) when present, else `docker-compose` (v1.29, Debian's package).
# When neither is installed and this runs as root on a machine with apt-get, it installs Debian's
# `docker-compose` (without the recommended Docker engine); otherwise it says what to install.
# hadolint, when installed, also lints the Dockerfiles; it is never downloaded.
# COMPOSE_CHECK_FILE overrides the compose file (default: docker-compose.yml at the repo root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FILE="${COMPOSE_CHECK_FILE:-$ROOT/docker-compose.yml}"
MODE="validate"
case "${1:-}" in
  "") ;;
  --print) MODE="print" ;;
  --install-only) MODE="install" ;;
  -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "compose_check: unknown argument '$1' (see --help)" >&2; exit 64 ;;
esac

COMPOSE=()
find_compose() {
  if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
  else
    return 1
  fi
}

if ! find_compose; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "compose_check: no Compose found; installing Debian's docker-compose with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends docker-compose >&2
    find_compose || { echo "compose_check: docker-compose still not on PATH after install" >&2; exit 2; }
  else
    cat >&2 <<'EOF'
compose_check: no Docker Compose found. Install one of:
  - the Compose v2 plugin ("docker compose"), e.g. the docker-compose-plugin package, or
  - Debian/Ubuntu's v1: sudo apt-get install --no-install-recommends docker-compose
No Docker engine is needed: validation only parses and resolves the file.
EOF
    exit 2
  fi
fi

if [ "$MODE" = "install" ]; then
  echo "compose_check: using ${COMPOSE[*]} ($("${COMPOSE[@]}" version --short 2>/dev/null || echo "version unknown"))"
  exit 0
fi

[ -f "$FILE" ] || { echo "compose_check: $FILE not found" >&2; exit 2; }

if [ "$MODE" = "print" ]; then
  exec "${COMPOSE[@]}" -f "$FILE" config
fi

"${COMPOSE[@]}" -f "$FILE" config -q
echo "compose_check: $(basename "$FILE") is valid ($("${COMPOSE[@]}" version --short 2>/dev/null || echo "${COMPOSE[*]}"))"

if command -v hadolint >/dev/null 2>&1; then
  mapfile -t dockerfiles < <(cd "$ROOT" && ls services/*/Dockerfile infra/Dockerfile.* 2>/dev/null)
  (cd "$ROOT" && hadolint "${dockerfiles[@]}")
  echo "compose_check: hadolint passed on ${#dockerfiles[@]} Dockerfiles"
else
  echo "compose_check: hadolint not installed; Dockerfile lint skipped"
fi
