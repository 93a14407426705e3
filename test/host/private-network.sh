#!/bin/sh
# Runs "$@" in a private network and mount namespace (as root, or as uid 0 of a normal user's own user namespace;
# see test/host/code-test-shim):
# - nothing but loopback, so no test can reach a real Alibaba Cloud host, whatever name it uses;
# - 100.100.100.200 on loopback, the ECS metadata address, so a local server can play that service;
# - a private, writable /etc/hosts (a bind mount visible only here) that tests point at
#   swas.<region>.aliyuncs.com / sts.aliyuncs.com;
# - a test CA made now (openssl), whose key tests use to sign the emulator's certificates
#   (SWAS_TEST_CA_DIR), trusted as a user's CA would be: through NODE_EXTRA_CA_CERTS, and in the system bundle
#   (a private copy with the CA appended, bound over it). VS Code 1.75 (the floor) replaces Node's CAs with
#   that bundle for extensions' HTTPS requests (http.systemCertificates), so it does not see NODE_EXTRA_CA_CERTS;
# - a private, writable /etc/passwd (private-passwd.sh), so each test's HOME is the passwd home, as on a user's
#   machine (test/integration/world.ts).
set -eu
ip link set lo up
ip addr add 100.100.100.200/32 dev lo
ca_dir=$(mktemp -d "${TMPDIR:-/tmp}/swas-test-ca-XXXXXX")
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=SWAS test CA (throwaway)" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -keyout "$ca_dir/ca.key" -out "$ca_dir/ca.pem" 2>/dev/null
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ca_dir/hosts"
mount --bind "$ca_dir/hosts" /etc/hosts
system_bundle=/etc/ssl/certs/ca-certificates.crt
cat "$system_bundle" "$ca_dir/ca.pem" > "$ca_dir/system-bundle.crt"
mount --bind "$ca_dir/system-bundle.crt" "$system_bundle"
export SWAS_TEST_CA_DIR="$ca_dir" NODE_EXTRA_CA_CERTS="$ca_dir/ca.pem" SWAS_PRIVATE_NETWORK=1
status=0
"$(dirname "$0")/private-passwd.sh" "$@" || status=$?
rm -rf "$ca_dir"
exit $status
