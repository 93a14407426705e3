import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { blockWithoutServers, blockWithServers } from '../../../src/ssh/hostEntries';
import { applyManagedBlock, findManagedBlock, ManagedBlock } from '../../../src/ssh/sshConfig';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const base = { region: 'cn-hangzhou', keyPairName: 'web-key', user: 'root', identityFile: '~/.ssh/web-key.pem' };
const web1 = { instanceId: 'i-1', instanceName: 'web-1', publicIpAddress: '10.0.0.1' };
const db1 = { instanceId: 'i-2', instanceName: 'DB One', publicIpAddress: '10.0.0.2' };

describe('blockWithServers', () => {
  test('no block yet: the first server gets swas-<key pair>, the next one a server-specific alias', () => {
    const block = blockWithServers('', undefined, base, [web1, db1], PUBLIC_KEY);
    assert.deepEqual(block.hosts, [
      { alias: 'swas-web-key', hostName: '10.0.0.1', instanceId: 'i-1', instanceName: 'web-1' },
      { alias: 'swas-web-key-db-one', hostName: '10.0.0.2', instanceId: 'i-2', instanceName: 'DB One' },
    ]);
  });

  test('takes over the "no server yet" entry and keeps the user name written before', () => {
    const current: ManagedBlock = { ...base, user: 'admin', hosts: [{ alias: 'my-alias' }] };
    const block = blockWithServers('', current, base, [web1], PUBLIC_KEY);
    assert.equal(block.user, 'admin');
    assert.deepEqual(block.hosts, [{ alias: 'my-alias', hostName: '10.0.0.1', instanceId: 'i-1', instanceName: 'web-1' }]);
  });

  test('a server already listed keeps its alias and gets its current IP', () => {
    const current: ManagedBlock = { ...base, hosts: [{ alias: 'keep', hostName: '10.9.9.9', instanceId: 'i-1', instanceName: 'old' }] };
    assert.deepEqual(blockWithServers('', current, base, [web1], PUBLIC_KEY).hosts, [{ alias: 'keep', hostName: '10.0.0.1', instanceId: 'i-1', instanceName: 'web-1' }]);
  });

  test('aliases the user already has elsewhere are not reused', () => {
    const text = 'Host swas-web-key\n  HostName example.com\n';
    const block = blockWithServers(text, undefined, base, [web1], PUBLIC_KEY);
    assert.equal(block.hosts[0].alias, 'swas-web-key-2');
    assert.match(applyManagedBlock(text, block), /Host swas-web-key-2/);
  });

  test('a server name becomes a lower-case alias part: runs of other characters turn into one dash, none at the ends', () => {
    const odd = { instanceId: 'i-3', instanceName: '--Web  #2--', publicIpAddress: '10.0.0.3' };
    assert.equal(blockWithServers('', undefined, base, [web1, odd], PUBLIC_KEY).hosts[1].alias, 'swas-web-key-web-2');
  });

  test('a server name with other characters keeps its ASCII part and adds a hash of the server ID: two such servers never share an alias part', () => {
    const chinese = { instanceId: 'i-3', instanceName: '网站', publicIpAddress: '10.0.0.3' };
    const other = { instanceId: 'i-4', instanceName: '网站', publicIpAddress: '10.0.0.4' };
    const mixed = { instanceId: 'i-5', instanceName: 'Web 网站 2', publicIpAddress: '10.0.0.5' };
    const aliases = blockWithServers('', undefined, base, [web1, chinese, other, mixed], PUBLIC_KEY).hosts.map((h) => h.alias);
    assert.match(aliases[1], /^swas-web-key-[0-9a-f]{6}$/);
    assert.match(aliases[2], /^swas-web-key-[0-9a-f]{6}$/);
    assert.notEqual(aliases[1], aliases[2]);
    assert.match(aliases[3], /^swas-web-key-web-2-[0-9a-f]{6}$/);
    assert.equal(blockWithServers('', undefined, base, [web1, chinese], PUBLIC_KEY).hosts[1].alias, aliases[1], 'the same server, the same alias');
  });

  test('a server name with no usable ASCII character gets "server" as its alias part', () => {
    const dashes = { instanceId: 'i-3', instanceName: '--', publicIpAddress: '10.0.0.3' };
    assert.equal(blockWithServers('', undefined, base, [web1, dashes], PUBLIC_KEY).hosts[1].alias, 'swas-web-key-server');
  });

  test('an alias another server of this block already has (in any case) gets the next free number', () => {
    const current: ManagedBlock = {
      ...base,
      hosts: [
        { alias: 'Swas-Web-Key-DB-One', hostName: '10.0.0.8', instanceId: 'i-8' },
        { alias: 'swas-web-key-db-one-2', hostName: '10.0.0.9', instanceId: 'i-9' },
      ],
    };
    const text = applyManagedBlock('', current);
    assert.deepEqual(blockWithServers(text, current, base, [db1], PUBLIC_KEY).hosts.map((h) => h.alias), [
      'Swas-Web-Key-DB-One',
      'swas-web-key-db-one-2',
      'swas-web-key-db-one-3',
    ]);
  });

  test('a key pair with no server yet gets one "no server yet" entry with the default alias', () => {
    assert.deepEqual(blockWithServers('', undefined, base, [], PUBLIC_KEY).hosts, [{ alias: 'swas-web-key' }]);
  });
});

// A user may delete the User line inside our block; Attach and Detach read that block back.
describe('a managed block whose User line was deleted by hand', () => {
  const written = applyManagedBlock('Host other\n  User me\n', { ...base, hosts: [{ alias: 'swas-web-key', hostName: '10.0.0.1', instanceId: 'i-1', instanceName: 'web-1' }] });
  const edited = written.replace(/^ {2}User root\r?\n/m, '');
  const current = findManagedBlock(edited, base.region, base.keyPairName)!;

  test('the edited text really lost the block\'s User line', () => {
    assert.notEqual(edited, written);
    assert.equal(current.user, '');
  });

  test('Attach writes the block again with the default user', () => {
    const text = applyManagedBlock(edited, blockWithServers(edited, current, base, [web1, db1], PUBLIC_KEY));
    assert.match(text, /Host swas-web-key-db-one\n(?: {2}.*\n)*? {2}User root\n/);
    assert.ok(text.includes('Host other\n  User me\n'));
  });

  test('Detach writes the block again without a User line', () => {
    const text = applyManagedBlock(edited, blockWithoutServers(current, ['i-1']));
    const block = findManagedBlock(text, base.region, base.keyPairName)!;
    assert.deepEqual(block.hosts, [{ alias: 'swas-web-key' }]);
    assert.equal(block.user, '');
  });
});

describe('blockWithoutServers', () => {
  const current: ManagedBlock = {
    ...base,
    hosts: [
      { alias: 'a', hostName: '10.0.0.1', instanceId: 'i-1' },
      { alias: 'b', hostName: '10.0.0.2', instanceId: 'i-2' },
    ],
  };
  test('drops only the named servers', () => {
    assert.deepEqual(blockWithoutServers(current, ['i-2']).hosts.map((h) => h.alias), ['a']);
  });
  test('keeps a "no server yet" entry when the last one goes', () => {
    assert.deepEqual(blockWithoutServers(current, ['i-1', 'i-2']).hosts, [{ alias: 'a' }]);
  });
  test('dropping the first server keeps the second as it was', () => {
    assert.deepEqual(blockWithoutServers(current, ['i-1']).hosts, [{ alias: 'b', hostName: '10.0.0.2', instanceId: 'i-2' }]);
  });
  test('a block whose Host lines were all deleted stays so; the next write of its entry gives it the default alias back', () => {
    const emptied = blockWithoutServers({ ...base, hosts: [] }, ['i-1']);
    assert.deepEqual(emptied.hosts, []);
    assert.deepEqual(blockWithServers('', emptied, base, [], PUBLIC_KEY).hosts, [{ alias: 'swas-web-key' }]);
  });
});
