#!/usr/bin/env bash
# Installs the benchmark's peers and load tools from Debian (HAProxy, nginx, wrk, h2load, openssl,
# taskset). Idempotent: does nothing when everything is already there. Needs root (CI runs as root).
set -euo pipefail

need=()
command -v haproxy >/dev/null || need+=(haproxy)
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v openssl >/dev/null || need+=(openssl)
command -v taskset >/dev/null || need+=(util-linux)

if [ ${#need[@]} -eq 0 ]; then
  echo "bench/setup.sh: all tools present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "bench/setup.sh: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts packaged daemons on install; the bench runs its own instances on port 0-style
# free ports, so stop the system ones to keep them off the CPUs being measured.
for svc in nginx haproxy; do
  if command -v service >/dev/null; then $SUDO service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "bench/setup.sh: done"
