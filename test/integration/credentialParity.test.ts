import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { DEMO_REGION_ID } from '../emulator/demo';
import { CredentialsUriServer, MetadataEmulator, StsEmulator } from '../emulator/roleSources';
import type { SwasEmulator } from '../emulator/server';
import { serverCertificate } from '../emulator/tls';
import { ECS_ROLE, KEYS, ROLES, SETUPS, URI_KEY } from './credentialSetups';
import { mapHosts } from './privateNetwork';
import { messages, regionChildren } from './treeSupport';
import { World } from './world';
import { suiteOn } from '../support/platform';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const STS_ADDRESS = '127.0.0.11';
const STS_HOSTS = ['sts.aliyuncs.com', 'sts.cn-hangzhou.aliyuncs.com'];

interface LibraryAnswer {
  id?: string;
  secret?: string;
  token?: string;
  error?: string;
}

/** `new Credential().getCredential()` in a separate Node process with the same environment and HOME. */
async function libraryInSeparateProcess(): Promise<LibraryAnswer> {
  const script = `
    const Credential = require(${JSON.stringify(path.join(REPO, 'node_modules/@alicloud/credentials'))}).default;
    new Credential().getCredential().then(
      (c) => console.log(JSON.stringify({ id: c.accessKeyId, secret: c.accessKeySecret, token: c.securityToken })),
      (e) => console.log(JSON.stringify({ error: e.message })));`;
  const { stdout } = await run(process.execPath, ['-e', script], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as LibraryAnswer;
}

function seedKeys(emulator: SwasEmulator): void {
  for (const key of Object.values(KEYS)) {
    emulator.addAccessKey({ id: key.id, secret: key.secret, securityToken: 'token' in key ? key.token : undefined });
  }
  for (const issued of [...Object.values(ROLES).map((r) => r.issued), ECS_ROLE.issued, URI_KEY]) {
    emulator.addAccessKey({ id: issued.id, secret: issued.secret, securityToken: issued.securityToken });
  }
}

// Linux only: the private network namespace (test/host/private-network.sh) is Linux's
suiteOn(['linux'], 'Credentials: the extension signs with exactly what @alicloud/credentials yields', function () {
  this.timeout(300_000);
  let world: World;
  let sts: StsEmulator;
  let metadata: MetadataEmulator;
  let uri: CredentialsUriServer;
  const savedEnv = { ...process.env };

  suiteSetup(async () => {
    world = await World.start();
    sts = await StsEmulator.start({ tls: await serverCertificate(STS_HOSTS), host: STS_ADDRESS, sourceKey: (id) => world.emulator.accessKey(id) });
    await mapHosts(STS_ADDRESS, STS_HOSTS);
    for (const role of [ROLES.cliRamRole, ROLES.chained, ROLES.fileRole]) sts.addRole(role.arn, role.issued);
    sts.addRole(ROLES.oidc.arn, ROLES.oidc.issued, { providerArn: ROLES.oidc.providerArn, token: ROLES.oidc.token });
    metadata = await MetadataEmulator.start();
    uri = await CredentialsUriServer.start();
  });
  suiteTeardown(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await Promise.all([sts?.stop(), metadata?.stop(), uri?.stop()]);
    await world?.stop();
  });

  for (const setup of SETUPS) {
    test(setup.name, async () => {
      await world.resetShowing([DEMO_REGION_ID]);
      seedKeys(world.emulator);
      for (const name of Object.keys(process.env)) if (name.startsWith('ALIBABA_CLOUD_')) delete process.env[name];
      const withHome = (value: string) => value.replace('${HOME}', world.home);
      for (const [name, value] of Object.entries(setup.env ?? {})) process.env[name] = withHome(value);
      for (const [file, content] of Object.entries(setup.files ?? {})) {
        await fs.mkdir(path.dirname(path.join(world.home, file)), { recursive: true });
        await fs.writeFile(path.join(world.home, file), content);
      }
      metadata.attachRole(setup.ecsRole ? ECS_ROLE : undefined);
      uri.issued = setup.uri ? URI_KEY : undefined;
      if (setup.uri) process.env.ALIBABA_CLOUD_CREDENTIALS_URI = uri.url;

      const library = await libraryInSeparateProcess();
      const nodes = await world.api.tree.getChildren();

      if (setup.culprit) {
        assert.ok(library.error, `the library found credentials: ${library.id}`);
        assert.match(messages(nodes).join('\n'), setup.culprit);
        assert.ok(!messages(nodes).join('\n').includes(KEYS.cliDefault.secret), 'no secret in the message');
        assert.ok(!messages(nodes).join('\n').includes('undefined'), messages(nodes).join('\n'));
        return;
      }
      assert.equal(library.error, undefined);
      assert.equal(library.id, setup.keyId, 'the library yields the key the README table names');
      await regionChildren(world.api.tree, DEMO_REGION_ID);
      const signed = world.emulator.callsOf('ListKeyPairs');
      assert.ok(signed.length > 0, 'the sidebar called ListKeyPairs');
      for (const call of signed) {
        assert.deepEqual(
          { id: call.accessKeyId, token: call.securityToken, valid: call.signatureValid },
          { id: library.id, token: library.token, valid: true },
        );
      }
      assert.equal(world.emulator.accessKey(library.id ?? '')?.secret, library.secret, 'the library\'s secret is the one the emulator checked the signature with');
      assert.equal(world.api.tree.sourceDescription, setup.source);
    });
  }
});
