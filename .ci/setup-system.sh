#!/usr/bin/env bash
# Debian packages that tests and benches use (real peers, capture, verification). Idempotent.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v ip >/dev/null || need+=(iproute2)
# iptables-restore and ip6tables-restore (Debian's iptables package has both): `weft init`'s rules
# in the capture end-to-end tests, IPv4 and IPv6.
command -v iptables-restore >/dev/null || need+=(iptables)
command -v ip6tables-restore >/dev/null || need+=(iptables)
# curl: the unmodified client of the capture end-to-end test.
command -v curl >/dev/null || need+=(curl)
# The SO_ORIGINAL_DST addon is compiled by `npm ci` (node-gyp): a C compiler, make and python3.
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
# A real Prometheus (and promtool) scrapes `weft dev` in test/observability; chromium runs the
# dashboard page headless (driven by playwright-core).
command -v prometheus >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup-system: missing ${need[*]} and not root; tests that need them will skip" >&2
  fi
fi
