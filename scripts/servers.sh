#!/usr/bin/env bash
# Starts and stops the real servers the probe tests of milvus-deps run against, on loopback
# only. Installs nothing (scripts/install-servers.sh does); a server whose binary is missing is
# skipped with a line saying so, and its tests then skip (or fail under CI=true).
#
# Use it by sourcing:
#
#   source scripts/servers.sh; start_servers; trap stop_servers EXIT
#
# which exports, for each server that came up:
#
#   MILVUS_TEST_ETCD            http://127.0.0.1:32379    etcd 3.4, plain HTTP
#   MILVUS_TEST_ETCD_TLS        https://127.0.0.1:32389   etcd 3.4, TLS with a CA made here
#   MILVUS_TEST_ETCD_CA         PEM file of that CA
#   MILVUS_TEST_TLS_CERT, MILVUS_TEST_TLS_KEY  a server certificate for 127.0.0.1 signed by it
#   MILVUS_TEST_S3              http://127.0.0.1:38333    SeaweedFS S3 (SigV4)
#   MILVUS_TEST_S3_BUCKET, MILVUS_TEST_S3_ACCESS_KEY, MILVUS_TEST_S3_SECRET_KEY (random per run)
#   MILVUS_TEST_PULSAR          pulsar://127.0.0.1:36650  pulsar-lite (binary protocol)
#   MILVUS_TEST_NATS            127.0.0.1:34222           nats-server
#   MILVUS_TEST_NATS_MONITOR    http://127.0.0.1:38222
#
# Milvus 2.3.5 binds every interface, so it only runs in a private network namespace,
# together with the tests that probe it:
#
#   scripts/servers.sh milvus-namespace -- cargo test --offline -p milvus-deps --test probe_milvus_real
#
# runs the command inside `unshare -n` (loopback only) with Milvus started and
# MILVUS_TEST_MILVUS=http://127.0.0.1:9091 exported, then stops Milvus and its child.
# Other modes: `scripts/servers.sh run -- CMD...` (start, run CMD, stop).
#
# Ports are fixed and unusual (3xxxx) so the tests of other projects on the same machine do
# not collide with them; set MILVUS_TEST_SERVERS_DIR to keep data and logs somewhere known.

_servers_now() { date +%s.%N; }
_servers_since() { awk -v a="$1" -v b="$(_servers_now)" 'BEGIN { printf "%.2f", b - a }'; }

# _servers_wait NAME SECONDS CMD...: polls CMD every 0.1 s; prints how long it took.
_servers_wait() {
  local name="$1" limit="$2" start
  shift 2
  start="$(_servers_now)"
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "servers: $name not ready after ${limit}s (log: $_SERVERS_DIR/$name.log)" >&2
      tail -5 "$_SERVERS_DIR/$name.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  echo "servers: $name ready in $(_servers_since "$start") s"
}

_servers_spawn() { # NAME CMD...: starts CMD in the background with its log; records the PID
  local name="$1"
  shift
  "$@" >"$_SERVERS_DIR/$name.log" 2>&1 &
  _SERVERS_PIDS="${_SERVERS_PIDS:-} $!"
}

_servers_tls() { # makes a CA and a server certificate for 127.0.0.1 / localhost
  local d="$_SERVERS_DIR/tls"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
    -subj "/CN=milvus-deps probe test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
    "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/server.pem" -days 2 -extfile "$d/server.ext" 2>/dev/null
}

_servers_etcd() { # NAME SCHEME CLIENT PEER METRICS [TLS flags...]
  local name="$1" scheme="$2" client="$3" peer="$4" metrics="$5"
  shift 5
  _servers_spawn "$name" etcd --name "$name" --data-dir "$_SERVERS_DIR/$name.data" \
    --listen-client-urls "$scheme://127.0.0.1:$client" --advertise-client-urls "$scheme://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$name=http://127.0.0.1:$peer" --listen-metrics-urls "http://127.0.0.1:$metrics" "$@"
}

_servers_dir() {
  if [ -z "${_SERVERS_DIR:-}" ]; then
    _SERVERS_DIR="${MILVUS_TEST_SERVERS_DIR:-$(mktemp -d /tmp/milvus-test-servers.XXXXXX)}"
    mkdir -p "$_SERVERS_DIR"
  fi
}

# Starts every installed server on loopback and exports its MILVUS_TEST_* variables.
start_servers() {
  _servers_dir
  local started
  started="$(_servers_now)"

  if command -v etcd >/dev/null 2>&1; then
    _servers_etcd etcd http 32379 32380 32381
    if _servers_wait etcd 20 curl -sf http://127.0.0.1:32379/health; then
      export MILVUS_TEST_ETCD=http://127.0.0.1:32379
    fi
    if command -v openssl >/dev/null 2>&1 && _servers_tls; then
      local t="$_SERVERS_DIR/tls"
      _servers_etcd etcd-tls https 32389 32390 32391 --cert-file "$t/server.pem" --key-file "$t/server.key"
      if _servers_wait etcd-tls 20 curl -sf --cacert "$t/ca.pem" https://127.0.0.1:32389/health; then
        export MILVUS_TEST_ETCD_TLS=https://127.0.0.1:32389 MILVUS_TEST_ETCD_CA="$t/ca.pem"
        # The same CA-signed certificate, for tests that put TLS in front of other servers.
        export MILVUS_TEST_TLS_CERT="$t/server.pem" MILVUS_TEST_TLS_KEY="$t/server.key"
      fi
    fi
  else
    echo "servers: etcd not installed, skipping (scripts/install-servers.sh)"
  fi

  local other_weed
  other_weed="$(pgrep -f 'weed mini .*-s3.port=38333' 2>/dev/null | head -n 1 || true)"
  if [ -n "$other_weed" ]; then
    # Its gRPC Unix sockets in /tmp are named by port, and a network namespace does not
    # separate /tmp: a second instance would talk to the first one's parts.
    echo "servers: another SeaweedFS on these ports is running (pid $other_weed); not starting S3"
  elif command -v weed >/dev/null 2>&1; then
    local key secret
    key="probe-test-access"
    secret="probe-secret-$(openssl rand -hex 12 2>/dev/null || echo "$RANDOM$RANDOM$RANDOM")"
    mkdir -p "$_SERVERS_DIR/s3.data"
    AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" _servers_spawn s3 weed mini \
      -dir="$_SERVERS_DIR/s3.data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -webdav=false -admin.ui=false \
      -master.port=39333 -volume.port=38080 -filer.port=38888 -s3.port=38333 -metricsPort=39327 \
      -s3.port.iceberg=0 -s3.port.lance=0 -bucket=milvus-bucket
    # The bucket is usable a little after /healthz answers (about 1.5 s): wait for a signed
    # HEAD of the bucket to succeed.
    if _servers_wait s3 40 curl -sf -o /dev/null -I --aws-sigv4 "aws:amz:us-east-1:s3" --user "$key:$secret" \
      http://127.0.0.1:38333/milvus-bucket; then
      export MILVUS_TEST_S3=http://127.0.0.1:38333 MILVUS_TEST_S3_BUCKET=milvus-bucket
      export MILVUS_TEST_S3_ACCESS_KEY="$key" MILVUS_TEST_S3_SECRET_KEY="$secret"
    fi
  else
    echo "servers: weed (SeaweedFS) not installed, skipping (scripts/install-servers.sh)"
  fi

  local pulsar_lite
  pulsar_lite="$(python3 -c 'import pulsar_lite, os; print(os.path.join(os.path.dirname(pulsar_lite.__file__), "bin", "pulsar-lite"))' 2>/dev/null || true)"
  if [ -n "$pulsar_lite" ] && [ -x "$pulsar_lite" ]; then
    # Its metrics endpoint binds 0.0.0.0:8080 unless a config file turns it off.
    printf 'addr = "127.0.0.1:36650"\ndb_path = "%s/pulsar.data"\n[metrics]\nenabled = false\n' \
      "$_SERVERS_DIR" >"$_SERVERS_DIR/pulsar-lite.toml"
    _servers_spawn pulsar "$pulsar_lite" --config "$_SERVERS_DIR/pulsar-lite.toml"
    if _servers_wait pulsar 20 bash -c 'exec 3<>/dev/tcp/127.0.0.1/36650'; then
      export MILVUS_TEST_PULSAR=pulsar://127.0.0.1:36650
    fi
  else
    echo "servers: pulsar-lite not installed, skipping (scripts/install-servers.sh)"
  fi

  if command -v nats-server >/dev/null 2>&1; then
    _servers_spawn nats nats-server -a 127.0.0.1 -p 34222 -m 38222 -js -sd "$_SERVERS_DIR/nats.data"
    if _servers_wait nats 20 curl -sf http://127.0.0.1:38222/healthz; then
      export MILVUS_TEST_NATS=127.0.0.1:34222 MILVUS_TEST_NATS_MONITOR=http://127.0.0.1:38222
    fi
  else
    echo "servers: nats-server not installed, skipping (scripts/install-servers.sh)"
  fi
  echo "servers: all started in $(_servers_since "$started") s (data and logs in $_SERVERS_DIR)"
}

# Starts the real Milvus 2.3.5 standalone. It binds every interface: call it only inside a
# private network namespace (see `milvus-namespace` below).
start_milvus() {
  _servers_dir
  if ! command -v milvus-server >/dev/null 2>&1; then
    echo "servers: milvus-server not installed, skipping (scripts/install-servers.sh)"
    return 0
  fi
  _servers_spawn milvus milvus-server --data "$_SERVERS_DIR/milvus.data"
  _SERVERS_MILVUS_WRAPPER="$!"
  if _servers_wait milvus 120 curl -sf http://127.0.0.1:9091/healthz; then
    export MILVUS_TEST_MILVUS=http://127.0.0.1:9091
  fi
}

# Stops every server this shell started, by PID (the Milvus wrapper does not stop its
# `milvus run standalone` child on SIGTERM, so children are stopped first).
stop_servers() {
  local pid child
  for pid in ${_SERVERS_PIDS:-}; do
    for child in $(pgrep -P "$pid" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
    kill "$pid" 2>/dev/null || true
  done
  for pid in ${_SERVERS_PIDS:-}; do wait "$pid" 2>/dev/null || true; done
  _SERVERS_PIDS=""
  if [ -n "${_SERVERS_DIR:-}" ] && [ -z "${MILVUS_TEST_SERVERS_DIR:-}" ]; then
    rm -rf "$_SERVERS_DIR"
  fi
  _SERVERS_DIR=""
}

# Run as a script:
#   run -- CMD...               the servers on this machine's loopback, then CMD;
#   namespace -- CMD...         the servers in a private network namespace, then CMD there
#                               (for a test that starts Milvus itself: Milvus binds every
#                               interface);
#   milvus-namespace -- CMD...  Milvus alone in a private network namespace, then CMD there.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  mode="${1:-}"
  shift || true
  [ "${1:-}" = "--" ] && shift
  case "$mode" in
    run)
      start_servers
      trap stop_servers EXIT
      "$@"
      ;;
    milvus-namespace)
      exec unshare -n "$0" _in-namespace "$@"
      ;;
    _in-namespace)
      ip link set lo up
      start_milvus
      trap stop_servers EXIT
      "$@"
      ;;
    namespace)
      exec unshare -n "$0" _servers-in-namespace "$@"
      ;;
    _servers-in-namespace)
      ip link set lo up
      start_servers
      trap stop_servers EXIT
      "$@"
      ;;
    *)
      echo "usage: $0 run|namespace|milvus-namespace -- CMD...   (or source it: start_servers / stop_servers)" >&2
      exit 2
      ;;
  esac
fi
