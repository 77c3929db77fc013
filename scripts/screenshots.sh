#!/usr/bin/env bash
# Saves PNG screenshots of the main pages at phone (360 px) and desk (1920 px) widths into ./screenshots/ (git-ignored,
# not committed), from a fresh server with the demo data, plus screenshots/report.txt (pages that scroll sideways).
# Needs Debian's chromium, chromium-driver and fonts-noto-cjk (installed when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/browser/server.sh
export PYTHONDONTWRITEBYTECODE=1

browser_deps
server_start
export OUT_DIR="$PWD/screenshots"
mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR"/*.png "$OUT_DIR/report.txt"
python3 tests/browser/screenshots.py
