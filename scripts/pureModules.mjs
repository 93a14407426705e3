// The pure modules: every src/ file that imports no `vscode` (what `npm run mutate` measures).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IMPORTS_VSCODE = /(?:from\s+|require\(|import\()\s*['"]vscode['"]/;

/** Repo-relative posix paths, sorted. */
export function pureModules() {
  const srcDir = path.join(repoRoot, 'src');
  return fs.readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .filter((file) => !IMPORTS_VSCODE.test(fs.readFileSync(path.join(srcDir, file), 'utf8')))
    .map((file) => path.posix.join('src', file.split(path.sep).join('/')))
    .sort();
}

/**
 * The modules in the groups Stryker runs one at a time, so that a stopped run keeps every group it
 * finished: the config file family (tested through real ssh -G), the other ssh modules, cloud, the rest.
 */
export function mutationGroups() {
  const modules = pureModules();
  const groups = {
    'ssh-config': modules.filter((file) => /^src\/ssh\/(sshConfig|hostEntries|sshVerify)/.test(file)),
    'ssh-keys': modules.filter((file) => file.startsWith('src/ssh/') && !/^src\/ssh\/(sshConfig|hostEntries|sshVerify)/.test(file)),
    cloud: modules.filter((file) => file.startsWith('src/cloud/')),
  };
  const grouped = new Set(Object.values(groups).flat());
  groups.other = modules.filter((file) => !grouped.has(file));
  return Object.fromEntries(Object.entries(groups).filter(([, files]) => files.length > 0));
}
