import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeSecretFileExclusive } from '../../../src/ssh/keyPlacement';
import { onlyOn } from '../../support/platform';

// The owner-only ACL against the real `icacls` and OpenSSH for Windows (CI's windows-latest job); judged by
// PowerShell's Get-Acl and by ssh-keygen, not by the product's own icacls parser.
const ACL_AS_JSON = [
  '$acl = Get-Acl -LiteralPath $env:SWAS_KEY_FILE',
  '[pscustomobject]@{',
  '  me = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value',
  '  protected = $acl.AreAccessRulesProtected',
  '  rules = @($acl.Access | ForEach-Object { [pscustomobject]@{',
  '    sid = $_.IdentityReference.Translate([Security.Principal.SecurityIdentifier]).Value',
  '    rights = $_.FileSystemRights.ToString(); type = $_.AccessControlType.ToString(); inherited = $_.IsInherited } })',
  '} | ConvertTo-Json -Depth 3 -Compress',
].join('\n');

describe('Windows: a saved private key is readable by its owner alone', onlyOn(['win32']), () => {
  test('writeSecretFileExclusive leaves one explicit full-control rule for the current user, no inherited ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-acl-'));
    try {
      const source = path.join(dir, 'generated');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', source]);
      const keyFile = path.join(dir, 'saved.pem');
      await writeSecretFileExclusive(keyFile, fs.readFileSync(source, 'utf8'));

      const acl = JSON.parse(execFileSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', ACL_AS_JSON],
        { encoding: 'utf8', env: { ...process.env, SWAS_KEY_FILE: keyFile } }));
      assert.equal(acl.protected, true, 'inheritance from the folder is cut');
      assert.deepEqual(acl.rules, [{ sid: acl.me, rights: 'FullControl', type: 'Allow', inherited: false }]);
      // OpenSSH for Windows refuses a private key others can read; this one it reads
      assert.match(execFileSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' }), /^ssh-ed25519 /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
