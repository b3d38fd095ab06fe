#!/usr/bin/env bash
# Makes sure the tools mmbackup drives are installed: pg_dump/psql (PostgreSQL client) and mariadb-dump/mariadb
# (MariaDB client), plus the Chromium the webapp's browser tests drive (webapp/e2e). With --db-only, just the
# database tools: `make demo` needs nothing else, and a demo should not install a browser.
# Installs Debian's packages when missing and running as root; otherwise says exactly what to install.
set -euo pipefail
browser=1
case "${1:-}" in
  --db-only) browser=0 ;;
  '') ;;
  *) echo "usage: $0 [--db-only]" >&2; exit 2 ;;
esac
missing=()
command -v pg_dump >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
{ command -v mariadb-dump >/dev/null 2>&1 || command -v mysqldump >/dev/null 2>&1; } || missing+=(mariadb-client)
# Debian's own build, never a browser downloaded by a test tool; the tests expect it at /usr/bin/chromium.
((browser)) && [[ ! -x /usr/bin/chromium ]] && missing+=(chromium chromium-driver)
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
else
  echo "mmbackup needs: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
