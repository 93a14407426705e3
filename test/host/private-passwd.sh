#!/bin/sh
# Runs "$@" with a private, writable copy of /etc/passwd bound over it (its path in SWAS_TEST_PASSWD), inside a
# mount namespace of its own (as root: `unshare -m`; a normal user: `unshare -Urm`, uid 0 in there). OpenSSH takes
# `~` from the passwd entry, VS Code and Node from $HOME: tests make their sandbox HOME the passwd home of the
# user they run as (test/support/passwdHome.ts), so plain `ssh` reads the same ~/.ssh as the extension, as on a
# user's machine.
set -eu
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt 2>/dev/null || echo unknown)" ]; then
  echo "private-passwd.sh: refusing to bind over the machine's own /etc/passwd: run me in a private mount namespace (unshare -m)" >&2
  exit 2
fi
passwd_dir=$(mktemp -d "${TMPDIR:-/tmp}/swas-passwd-XXXXXX")
cp /etc/passwd "$passwd_dir/passwd"
mount --bind "$passwd_dir/passwd" /etc/passwd
export SWAS_TEST_PASSWD="$passwd_dir/passwd"
status=0
"$@" || status=$?
rm -rf "$passwd_dir"
exit $status
