#!/usr/bin/env bash
# Every test vifdeck has: lint, typecheck, unit and integration tests (SQLite
# and PostgreSQL, the agent on a real socket, real bridges and veth pairs in a
# network namespace when run as root), and the browser tests in Chromium.
# Installs what is missing first: Chromium and, when nothing listens on
# 127.0.0.1:5432, the PostgreSQL server (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
export NEXT_TELEMETRY_DISABLED=1
mkdir -p test-results

check_node

# Chromium for Playwright, from the distribution (never `playwright install`).
if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi

# iproute2 and iptables for the network-namespace tests.
if [ "$(id -u)" -eq 0 ]; then
  command -v ip >/dev/null || apt_install iproute2
  command -v iptables >/dev/null || apt_install iptables
fi

# PostgreSQL: use the server on 127.0.0.1:5432 if there is one; otherwise install and start one.
postgres_listening() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if [ -z "${TEST_POSTGRES_URL:-}" ] && ! postgres_listening; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi; }
  say "starting PostgreSQL $version"
  if [ "$(id -u)" -eq 0 ]; then pg_ctlcluster --skip-systemctl-redirect "$version" main start || true; else sudo pg_ctlcluster "$version" main start || true; fi
  for _ in $(seq 1 30); do postgres_listening && break; sleep 1; done
  postgres_listening || die "PostgreSQL did not start on 127.0.0.1:5432"
  # A fresh Debian server asks for a password over TCP: give the test role one.
  as_postgres "psql -q -c \"ALTER USER postgres PASSWORD 'vifdeck-test'\""
  as_postgres "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname = 'test'\" | grep -q 1 || createdb test"
  export TEST_POSTGRES_URL="postgresql://postgres:vifdeck-test@127.0.0.1:5432/test"
fi
say "PostgreSQL for the tests: ${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"

install_node_modules

say "checking that the PostgreSQL schema is the SQLite schema's twin"
node_modules/.bin/tsx scripts/prisma-generate.ts --check

say "lint"
npm run --silent lint

say "typecheck"
npm run --silent typecheck

[ "$(id -u)" -eq 0 ] || say "not root: the network-namespace tests will be skipped (each says why)"
say "unit and integration tests (vitest)"
vitest_status=0
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || vitest_status=$?

build_web

say "browser tests (Playwright, Chromium)"
e2e_status=0
PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/playwright.json node_modules/.bin/playwright test --reporter=list,json || e2e_status=$?

node_modules/.bin/tsx scripts/test-summary.ts test-results/vitest.json test-results/playwright.json
[ "$vitest_status" -eq 0 ] && [ "$e2e_status" -eq 0 ]
