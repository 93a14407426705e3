import { aliasPart, chooseAlias, defaultAlias, HostEntry, ManagedBlock } from './sshConfig';

export interface ServerTarget {
  instanceId: string;
  instanceName: string;
  publicIpAddress: string;
}

/** The server's part of a second Host alias; a name with other characters hashes the server's ID. */
function serverAliasPart(server: ServerTarget): string {
  return aliasPart(server.instanceName, server.instanceId).replace(/^-+|-+$/g, '') || 'server';
}

/**
 * The key pair's block with one Host per server: an entry already made for the server keeps its
 * alias (HostName follows the current IP), the "no server yet" entry is taken over first, and
 * other servers get `swas-<key pair>-<server>` made unique in the whole file. `publicKey` is the
 * key pair's, which names it in the aliases of non-ASCII names (defaultAlias).
 */
export function blockWithServers(
  text: string,
  current: ManagedBlock | undefined,
  base: Omit<ManagedBlock, 'hosts'>,
  servers: readonly ServerTarget[],
  publicKey: string,
): ManagedBlock {
  const first = defaultAlias(base.keyPairName, { region: base.region, publicKey });
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
      const wanted = hosts.length === 0 ? first : `${first}-${serverAliasPart(server)}`;
      let alias = chooseAlias(text, wanted, base.region, base.keyPairName);
      for (let suffix = 2; inBlock(alias); suffix++) {
        alias = chooseAlias(text, `${wanted}-${suffix}`, base.region, base.keyPairName);
      }
      hosts.push({ alias, ...entry });
    }
  }
  if (hosts.length === 0) {
    hosts.push({ alias: chooseAlias(text, first, base.region, base.keyPairName) });
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
  // A block whose Host lines the user deleted has no alias to keep: it stays as it is.
  const hosts = kept.length > 0 || current.hosts.length === 0 ? kept : [{ alias: current.hosts[0].alias }];
  return { ...current, hosts };
}
