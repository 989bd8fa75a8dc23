#!/bin/sh
# `make run`: boot vmm as a user would. Directly when this host has a usable /dev/kvm,
# otherwise (or with VMM_RUN_NESTED=1) inside the throw-away KVM guest of tests/kvm-guest.sh.
#   tests/run-vmm.sh VMM [ARGS...]
set -eu
vmm=$1
shift
if [ -z "${VMM_RUN_NESTED:-}" ] && [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	exec "$vmm" "$@"
fi
echo "run-vmm: this host has no usable /dev/kvm; booting vmm inside a nested KVM guest" >&2
top=$(cd "$(dirname "$0")/.." && pwd)
payload=$(mktemp -d)
trap 'rm -rf "$payload"' EXIT
cp "$vmm" "$payload/vmm"
"$top/tests/kvm-guest.sh" "$payload" ./vmm "$@"
