// The GitHub workflows, validated offline against GitHub's workflow schema (@action-validator/cli), so a broken
// workflow fails `npm test` here rather than on the first push.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflowsDir = path.join(repoRoot, '.github/workflows');
const validator = path.join(repoRoot, 'node_modules/@action-validator/cli/cli.mjs');

function validate(file) {
  const result = spawnSync(process.execPath, [validator, file], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

const workflows = ['ci.yml', 'release.yml'];

describe('GitHub workflows', () => {
  for (const name of workflows) {
    test(`${name} passes the workflow schema`, () => {
      const { ok, output } = validate(path.join(workflowsDir, name));
      assert.ok(ok, output);
    });
  }

  test('every workflow in .github/workflows is one of those checked here', () => {
    assert.deepEqual(fs.readdirSync(workflowsDir).sort(), [...workflows].sort());
  });

  test('the validator refuses a broken copy (a job without runs-on, a misspelt key)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-workflow-'));
    try {
      const ci = fs.readFileSync(path.join(workflowsDir, 'ci.yml'), 'utf8');
      for (const [label, broken] of [
        ['no runs-on', ci.replace(/^ {4}runs-on: \$\{\{ matrix\.os \}\}\n/m, '')],
        ['misspelt steps', ci.replace(/^ {4}steps:/m, '    stepz:')],
      ]) {
        assert.notEqual(broken, ci, `the ${label} edit applies`);
        const file = path.join(dir, 'broken.yml');
        fs.writeFileSync(file, broken);
        assert.equal(validate(file).ok, false, label);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
