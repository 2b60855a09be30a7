#!/usr/bin/env bash
# The demo: installs what vifdeck needs, then starts the agent on a simulated
# Xen host, the collector and the web app, with SQLite, and prints the URL.
#   PORT=3000 (default) bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
export NEXT_TELEMETRY_DISABLED=1

check_node
install_node_modules
build_web
exec node_modules/.bin/tsx scripts/stack.ts --port "${PORT:-3000}" --data-dir ./data
