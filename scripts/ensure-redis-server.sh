#!/bin/sh
# Makes sure `redis-server` is on the PATH for the tests and the demo (which start private servers of their own).
# On a fresh Debian/Ubuntu machine, as root, it installs Debian's package; elsewhere it says what to do.
# `ensure-redis-server.sh demo` is satisfied by REDIS_URL alone: the demo then uses that server.
set -eu
if [ "${1:-}" = demo ] && [ -n "${REDIS_URL:-}" ]; then exit 0; fi
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server not found: installing Debian's redis-server package" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
echo "redis-server not found: install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)" >&2
[ "${1:-}" = demo ] && echo "or point the demo at a running server with REDIS_URL=redis://host:port" >&2
exit 1
