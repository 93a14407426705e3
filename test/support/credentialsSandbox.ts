import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The credential chain (@alicloud/credentials) reads process.env and the home folder itself: a test sets both.
const original = { ...process.env };

/**
 * A new temporary HOME holding `files` (path in it → content), and process.env pointing HOME there, with every
 * ALIBABA_CLOUD_* variable replaced by `env` and the metadata service off (ALIBABA_CLOUD_ECS_METADATA_DISABLED), so
 * no probe leaves the machine. Returns the HOME; `restoreEnvironment()` puts process.env back.
 */
export async function credentialsSandbox(files: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-cred-'));
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  for (const name of Object.keys(process.env)) if (name.startsWith('ALIBABA_CLOUD_')) delete process.env[name];
  Object.assign(process.env, { HOME: dir, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' }, env);
  return dir;
}

/** process.env as it was before the first sandbox (for afterEach). */
export function restoreEnvironment(): void {
  for (const name of Object.keys(process.env)) if (!(name in original)) delete process.env[name];
  Object.assign(process.env, original);
}
