#!/usr/bin/env bash
# Follows the README's first commands on a fresh clone of this repository's HEAD, as a new user
# would: `npm install`, `npx meshgate` before anything is built, `npm start`, the walkthrough's
# first applies, then stopping `npm start` must stop the server. CI runs it (.ci/run).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '== fresh clone: %s\n' "$*"; }

step "git clone"
git clone -q "$repo" "$work/meshgate"
cd "$work/meshgate"

step "npm install"
npm install --no-audit --no-fund >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }

step "npx meshgate version --client (the bin resolves before the first build)"
[ -e node_modules/.bin/meshgate ] || { echo "node_modules/.bin/meshgate is missing after npm install" >&2; exit 1; }
npx meshgate version --client

# The README's defaults (REST :8080, xDS :15010); another port only when those are taken here.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
api_port=8080; xds_port=15010
port_free "$api_port" || api_port=18080
port_free "$xds_port" || xds_port=18010
export MESHGATE_API_PORT=$api_port MESHGATE_XDS_PORT=$xds_port MESHGATE_SERVER="http://127.0.0.1:$api_port"

step "npm start (REST :$api_port, xDS :$xds_port)"
npm start >"$work/start.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  grep -q "meshgate is up" "$work/start.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/start.log"; echo "npm start exited" >&2; exit 1; }
  sleep 1
done
grep -q "meshgate is up" "$work/start.log" || { cat "$work/start.log"; echo "npm start did not come up in 120 s" >&2; exit 1; }
grep -q "127.0.0.1:$api_port" "$work/start.log" || { cat "$work/start.log"; echo "the embedded default should listen on 127.0.0.1" >&2; exit 1; }

step "the walkthrough's first commands"
npx meshgate version
npx meshgate apply -f examples/httpbin.yaml
npx meshgate apply -f examples/httpbin-gateway.yaml
npx meshgate get virtualservices | tee "$work/get.txt"
grep -q "httpbin.example.com" "$work/get.txt"

step "stopping npm start stops meshgate"
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=
for _ in $(seq 1 30); do port_free "$api_port" && break; sleep 1; done
port_free "$api_port" || { echo "meshgate still listens on :$api_port after npm start was stopped" >&2; exit 1; }
step "ok"
