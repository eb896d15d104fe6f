/**
 * A stand-in for Linode's metadata service at 169.254.169.254, *outside* the guest's own
 * addresses: in a network namespace of the guest's, reached over a veth pair, so traffic from a
 * container to it is forwarded (FORWARD chain, where Docker's DOCKER-USER lives) exactly as on
 * a Linode, where the address is routed out of eth0. Without the metadata block a container
 * reaches it; with the block it is refused. That is what makes the refusal test able to fail.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const METADATA_ADDRESS = '169.254.169.254';
export const METADATA_ANSWER = 'fake-metadata: user-data lives here';

const SCRIPT = `#!/bin/bash
set -euo pipefail
ip netns add boottest-md 2>/dev/null || true
ip link add boottest-md0 type veth peer name boottest-md1 2>/dev/null || true
ip link set boottest-md1 netns boottest-md 2>/dev/null || true
ip -n boottest-md link set lo up
ip -n boottest-md addr replace ${METADATA_ADDRESS}/32 dev boottest-md1
ip -n boottest-md link set boottest-md1 up
ip -n boottest-md route replace default dev boottest-md1
ip link set boottest-md0 up
ip route replace ${METADATA_ADDRESS}/32 dev boottest-md0
mkdir -p /run/boottest-md
printf '%s\\n' '${METADATA_ANSWER}' > /run/boottest-md/index.html
cd /run/boottest-md
exec ip netns exec boottest-md python3 -m http.server --bind ${METADATA_ADDRESS} 80
`;

const UNIT = `[Unit]
Description=boot test: a fake metadata service at ${METADATA_ADDRESS}
After=network.target

[Service]
ExecStart=/usr/local/sbin/boottest-metadata

[Install]
WantedBy=multi-user.target
`;

export function installFakeMetadata(root: string): void {
  mkdirSync(path.join(root, 'usr/local/sbin'), { recursive: true });
  writeFileSync(path.join(root, 'usr/local/sbin/boottest-metadata'), SCRIPT, { mode: 0o755 });
  writeFileSync(path.join(root, 'etc/systemd/system/boottest-metadata.service'), UNIT);
  const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants');
  mkdirSync(wants, { recursive: true });
  symlinkSync('/etc/systemd/system/boottest-metadata.service', path.join(wants, 'boottest-metadata.service'));
}
