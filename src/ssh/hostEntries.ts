import { chooseAlias, defaultAlias, HostEntry, ManagedBlock } from './sshConfig';

export interface ServerTarget {
  instanceId: string;
  instanceName: string;
  publicIpAddress: string;
}

function aliasSlug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'server';
}

/**
 * The key pair's block with one Host per server: an entry already made for the server keeps its
 * alias (HostName follows the current IP), the "no server yet" entry is taken over first, and
 * other servers get `swas-<key pair>-<server>` made unique in the whole file.
 */
export function blockWithServers(
  text: string,
  current: ManagedBlock | undefined,
  base: Omit<ManagedBlock, 'hosts'>,
  servers: readonly ServerTarget[],
): ManagedBlock {
  const hosts: HostEntry[] = (current?.hosts ?? []).map((h) => ({ ...h }));
  const inBlock = (alias: string) => hosts.some((h) => h.alias.toLowerCase() === alias.toLowerCase());
  for (const server of servers) {
    const entry = { hostName: server.publicIpAddress, instanceId: server.instanceId, instanceName: server.instanceName };
    const existing = hosts.find((h) => h.instanceId === server.instanceId);
    const placeholder = hosts.find((h) => !h.instanceId);
    if (existing) {
      Object.assign(existing, entry);
    } else if (placeholder) {
      Object.assign(placeholder, entry);
    } else {
      const wanted = hosts.length === 0 ? defaultAlias(base.keyPairName) : `${defaultAlias(base.keyPairName)}-${aliasSlug(server.instanceName)}`;
      let alias = chooseAlias(text, wanted, base.region, base.keyPairName);
      for (let suffix = 2; inBlock(alias); suffix++) {
        alias = chooseAlias(text, `${wanted}-${suffix}`, base.region, base.keyPairName);
      }
      hosts.push({ alias, ...entry });
    }
  }
  if (hosts.length === 0) {
    hosts.push({ alias: chooseAlias(text, defaultAlias(base.keyPairName), base.region, base.keyPairName) });
  }
  // `||`: a block whose User line was deleted reads back with user '' and gets the default again.
  return { ...base, user: current?.user || base.user, hosts };
}

/**
 * The block without the servers' Host entries. When none is left it keeps the first alias as a
 * "no server yet" entry, so the key stays usable once it is attached again.
 */
export function blockWithoutServers(current: ManagedBlock, instanceIds: readonly string[]): ManagedBlock {
  const kept = current.hosts.filter((h) => !h.instanceId || !instanceIds.includes(h.instanceId));
  const hosts = kept.length > 0 ? kept : [{ alias: current.hosts[0]?.alias ?? defaultAlias(current.keyPairName) }];
  return { ...current, hosts };
}
