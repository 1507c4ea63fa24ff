#!/usr/bin/env bash
# Prepares `npm run test:distributed` (CI calls it; quick when in place): Debian's redis-server. The tests
# start their own server on a free loopback port, so no service needs to run.
set -euo pipefail
if [ ! -x /usr/bin/redis-server ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
fi
