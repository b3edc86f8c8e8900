#!/usr/bin/env bash
# Installs the system packages realtime-server needs (Debian 12) and builds it.
# Usage: ./scripts/setup.sh [debug|release]   (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libwebsockets-dev libev-dev libhiredis-dev libsqlite3-dev libssl-dev pkg-config openssl curl python3 python3-venv)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

configuration="${1:-release}"
echo "setup: building ($configuration)"
swift build -c "$configuration" --product realtime-server
echo "setup: done. Start the server with: .build/$configuration/realtime-server"
