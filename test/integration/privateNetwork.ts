import { promises as fs, readlinkSync } from 'fs';

/**
 * The test host's private network and mount namespace (test/host/private-network.sh). Writing
 * /etc/hosts is refused unless it is the namespace's own copy, so a test can never change the
 * machine's real name resolution.
 */
export function assertPrivateNetwork(): void {
  const outer = (process.env.SWAS_OUTER_NAMESPACES ?? '').split(' ');
  const inside = [readlinkSync('/proc/self/ns/mnt'), readlinkSync('/proc/self/ns/net')];
  if (process.env.SWAS_PRIVATE_NETWORK !== '1' || outer.length !== 2 || inside.some((ns) => outer.includes(ns))) {
    throw new Error('not in the private test namespace (test/host/private-network.sh): refusing to touch /etc/hosts or bind 100.100.100.200');
  }
}

/** Points each name at `address` in the private /etc/hosts (replacing earlier lines for those names). */
export async function mapHosts(address: string, names: readonly string[]): Promise<void> {
  assertPrivateNetwork();
  const wanted = new Set(names);
  const kept = (await fs.readFile('/etc/hosts', 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().split(/\s+/).slice(1).some((n) => wanted.has(n)));
  await fs.writeFile('/etc/hosts', [...kept, `${address} ${names.join(' ')}`, ''].join('\n'));
}
