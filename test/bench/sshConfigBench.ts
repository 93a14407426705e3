import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyManagedBlock, ManagedBlock, updateSshConfig } from '../../src/ssh/sshConfig';
import { Sample, timeRuns } from './stats';

const REGION = 'cn-hangzhou';
const KEY_PAIR = 'bench-key';

function ourBlock(hostName: string): ManagedBlock {
  return {
    region: REGION,
    keyPairName: KEY_PAIR,
    user: 'root',
    identityFile: '~/.ssh/bench-key.pem',
    hosts: [{ alias: 'swas-bench-key', hostName, instanceId: 'i-bench', instanceName: 'bench' }],
  };
}

/** A config shaped like real ones: globals and an Include on top, then `hosts` Host sections (some commented, some with two names). */
export function syntheticConfig(hosts: number, withOurBlock: boolean): string {
  const parts = ['# Global options', 'ServerAliveInterval 60', 'Include ~/.ssh/config.d/*', ''];
  if (withOurBlock) {
    parts.push(applyManagedBlock('', ourBlock('10.0.0.1')).trimEnd(), '');
  }
  for (let index = 0; index < hosts; index++) {
    if (index % 10 === 0) parts.push(`# team ${index / 10}`);
    parts.push(
      index % 7 === 0 ? `Host host-${index} host-${index}.example.com` : `Host host-${index}`,
      `  HostName 10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      '  User deploy',
      '  IdentityFile ~/.ssh/id_ed25519',
      '  Port 22',
      '',
    );
  }
  parts.push('Host *', '  ServerAliveCountMax 3', '');
  return parts.join('\n');
}

export interface SshConfigFigure {
  name: string;
  hosts: number;
  sample: Sample;
}

/**
 * Times adding/replacing our block at each size. Every run gets a text differing by one comment,
 * so sshConfig.ts's parse memo (one entry) never serves a run from the previous one.
 */
export async function benchSshConfig(sizes: number[], runsFor: (hosts: number) => number): Promise<SshConfigFigure[]> {
  const figures: SshConfigFigure[] = [];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-bench-ssh-'));
  try {
    for (const hosts of sizes) {
      const runs = runsFor(hosts);
      const fresh = syntheticConfig(hosts, false);
      const withBlock = syntheticConfig(hosts, true);
      const variants = (base: string) => Array.from({ length: runs + 1 }, (_, run) => `${base}# run ${run}\n`);

      const addTexts = variants(fresh);
      figures.push({ name: 'applyManagedBlock add', hosts, sample: await timeRuns(runs, (run) => { applyManagedBlock(addTexts[run], ourBlock('10.9.9.9')); }) });
      const replaceTexts = variants(withBlock);
      figures.push({ name: 'applyManagedBlock replace', hosts, sample: await timeRuns(runs, (run) => { applyManagedBlock(replaceTexts[run], ourBlock('10.9.9.9')); }) });

      const configPath = path.join(dir, `config-${hosts}`);
      for (const verify of [false, true]) {
        const texts = variants(fresh);
        figures.push({
          name: `updateSshConfig add${verify ? ' + ssh -G' : ''}`,
          hosts,
          sample: await timeRuns(
            runs,
            () => updateSshConfig(configPath, () => ourBlock('10.9.9.9'), { region: REGION, keyPairName: KEY_PAIR, verify }).then(() => undefined),
            (run) => fs.writeFile(configPath, texts[run], { mode: 0o600 }),
          ),
        });
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return figures;
}
