# Sourced by scripts/browser.sh and scripts/screenshots.sh (bash, run from the repository root):
#   browser_deps   installs Selenium and pytest from PyPI and checks for Debian's chromium, chromium-driver, fonts-noto-cjk
#   server_start   builds, starts `hotline start` on a fresh SQLite database with the demo on a free port, waits for
#                  /healthz and exports BASE_URL; server_stop (also run on exit) stops it and removes the database.

browser_deps() {
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    python3 -m pip install -q -r tests/browser/requirements.txt
    export CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium} CHROMEDRIVER_BIN=${CHROMEDRIVER_BIN:-/usr/bin/chromedriver}
    local missing=()
    [ -x "$CHROMIUM_BIN" ] || missing+=(chromium)
    [ -x "$CHROMEDRIVER_BIN" ] || missing+=(chromium-driver)
    fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "== apt-get install ${missing[*]}"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        else
            echo "browser tests need Debian's ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
            return 1
        fi
    fi
}

server_start() {
    echo "== swift build"
    swift build
    local bin
    bin="$(swift build --show-bin-path)/hotline"
    SERVER_WORK=$(mktemp -d)
    local port
    port=${BROWSER_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    export BASE_URL="http://127.0.0.1:$port"
    echo "== hotline start --port $port (fresh database with the demo: $SERVER_WORK)"
    DATABASE_URL="sqlite://$SERVER_WORK/hotline.sqlite" HOTLINE_PHOTO_DIR="$SERVER_WORK/photos" HOTLINE_SWEEP_INTERVAL=0 \
        "$bin" start --port "$port" >"$SERVER_WORK/server.log" 2>&1 &
    SERVER_PID=$!
    trap server_stop EXIT
    local i
    for i in $(seq 1 600); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/healthz" 2>/dev/null)" = 200 ]; then
            echo "server ready after ${i}s: $(curl -s "$BASE_URL/healthz")"
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "the server exited:" >&2; tail -n 40 "$SERVER_WORK/server.log" >&2; return 1
        fi
        sleep 1
    done
    echo "no answer from $BASE_URL/healthz after 600 s" >&2; tail -n 40 "$SERVER_WORK/server.log" >&2
    return 1
}

server_stop() {
    if [ -n "${SERVER_PID:-}" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
    if [ -n "${SERVER_WORK:-}" ]; then
        if [ "${KEEP_SERVER_LOG:-0}" = 1 ]; then
            mkdir -p screenshots && cp "$SERVER_WORK/server.log" screenshots/server.log 2>/dev/null || true
        fi
        rm -rf "$SERVER_WORK"
        SERVER_WORK=
    fi
}
