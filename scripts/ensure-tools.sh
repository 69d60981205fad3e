#!/bin/sh
# Makes sure the commands the tests and the demo need are on the PATH: `redis-server` (they start private servers
# of their own) and, for the tests, `openssl` (the TLS tests make a certificate) and `/usr/bin/chromium` (the web
# terminal's end-to-end test drives it). On a fresh Debian/Ubuntu machine,
# as root, it installs Debian's packages; elsewhere it says what to do.
# `ensure-tools.sh demo` checks what the demo needs, and is satisfied by REDIS_URL alone: the demo then uses that server.
set -eu
missing=""
if [ "${1:-}" != demo ] || [ -z "${REDIS_URL:-}" ]; then
  command -v redis-server >/dev/null 2>&1 || missing="redis-server"
fi
if [ "${1:-}" != demo ]; then
  command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
  [ -x /usr/bin/chromium ] || missing="$missing chromium"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "not found:$missing; installing Debian's packages" >&2
  # shellcheck disable=SC2086
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  exit 0
fi
echo "not found:$missing. Install it (Debian/Ubuntu: apt-get install -y$missing; macOS: brew install redis openssl, and Chromium at /usr/bin/chromium)" >&2
[ "${1:-}" = demo ] && echo "or point the demo at a running server with REDIS_URL=redis://host:port" >&2
exit 1
