#!/usr/bin/env bash
# Installs the system packages realtime-server needs (Debian 12) and builds it.
# Usage: ./scripts/setup.sh [debug|release]   (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
ensure_packages libwebsockets-dev libev-dev libhiredis-dev libsqlite3-dev libssl-dev pkg-config openssl curl python3 python3-venv

configuration="${1:-release}"
echo "setup: building ($configuration)"
swift build -c "$configuration" --product realtime-server
echo "setup: done. Start the server with: .build/$configuration/realtime-server"
