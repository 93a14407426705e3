import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AclEntry,
  currentUserSidCommand,
  icaclsRestrictArgs,
  parseIcaclsOutput,
  parseWhoamiUser,
  restrictToCurrentUser,
  verifyRestricted,
  WindowsAclError,
} from '../../src/ssh/windowsAcl';

const SID = 'S-1-5-21-1004336348-1177238915-682003330-1001';
const KEY = 'C:\\Users\\alice\\.ssh\\mykey.pem';
const ALICE = { name: 'desktop-ab12cd\\alice', sid: SID };

// What `icacls` prints for a new file in the profile folder (English Windows).
const INHERITED_EN = [
  `${KEY} NT AUTHORITY\\SYSTEM:(I)(F)`,
  `${' '.repeat(KEY.length)} BUILTIN\\Administrators:(I)(F)`,
  `${' '.repeat(KEY.length)} DESKTOP-AB12CD\\alice:(I)(F)`,
  '',
  'Successfully processed 1 files; Failed processing 0 files',
  '',
].join('\r\n');

const RESTRICTED_EN = [`${KEY} DESKTOP-AB12CD\\alice:(F)`, '', 'Successfully processed 1 files; Failed processing 0 files', ''].join(
  '\r\n',
);

const GERMAN_KEY = 'C:\\Users\\Jörg Müller\\.ssh\\mein schlüssel.pem';
const INHERITED_DE = [
  `${GERMAN_KEY} NT-AUTORITÄT\\SYSTEM:(I)(F)`,
  `${' '.repeat(GERMAN_KEY.length)} VORDEFINIERT\\Administratoren:(I)(F)`,
  `${' '.repeat(GERMAN_KEY.length)} PC-JOERG\\Jörg Müller:(I)(F)`,
  '',
  '1 Dateien erfolgreich verarbeitet, bei 0 Dateien ist ein Verarbeitungsfehler aufgetreten.',
  '',
].join('\r\n');

describe('whoami', () => {
  test('command asks for the SID as headerless CSV', () => {
    assert.deepEqual(currentUserSidCommand(), { command: 'whoami', args: ['/user', '/fo', 'csv', '/nh'] });
  });

  test('parses English and Chinese account names with their SID', () => {
    assert.deepEqual(parseWhoamiUser(`"desktop-ab12cd\\alice","${SID}"\r\n`), ALICE);
    assert.deepEqual(parseWhoamiUser(`\r\n"desktop-ab12cd\\张三","${SID}"\r\n`), { name: 'desktop-ab12cd\\张三', sid: SID });
  });

  test('rejects output without a SID', () => {
    assert.throws(() => parseWhoamiUser('ERROR: Access is denied.\r\n'), WindowsAclError);
    assert.throws(() => parseWhoamiUser('"USER INFORMATION","----------------"'), WindowsAclError);
  });
});

describe('icaclsRestrictArgs', () => {
  test('removes inheritance and grants the SID alone full control', () => {
    assert.deepEqual(icaclsRestrictArgs(KEY, SID), [KEY, '/inheritance:r', '/grant:r', `*${SID}:F`]);
  });

  test('refuses anything that is not a SID (a name could be localized or ambiguous)', () => {
    assert.throws(() => icaclsRestrictArgs(KEY, 'Administrators'), WindowsAclError);
    assert.throws(() => icaclsRestrictArgs(KEY, `${SID}:F /grant Everyone`), WindowsAclError);
  });
});

describe('parseIcaclsOutput', () => {
  test('reads every entry of an English listing', () => {
    assert.deepEqual(parseIcaclsOutput(INHERITED_EN, KEY), [
      { principal: 'NT AUTHORITY\\SYSTEM', rights: '(I)(F)' },
      { principal: 'BUILTIN\\Administrators', rights: '(I)(F)' },
      { principal: 'DESKTOP-AB12CD\\alice', rights: '(I)(F)' },
    ]);
  });

  test('reads a German listing with spaces and umlauts in path and names', () => {
    assert.deepEqual(parseIcaclsOutput(INHERITED_DE, GERMAN_KEY), [
      { principal: 'NT-AUTORITÄT\\SYSTEM', rights: '(I)(F)' },
      { principal: 'VORDEFINIERT\\Administratoren', rights: '(I)(F)' },
      { principal: 'PC-JOERG\\Jörg Müller', rights: '(I)(F)' },
    ]);
  });

  test('reads a Chinese listing whose path came back garbled by the console code page', () => {
    const key = 'C:\\Users\\张三\\.ssh\\mykey.pem';
    const garbledPath = 'C:\\Users\\\uFFFD\uFFFD\uFFFD\uFFFD\\.ssh\\mykey.pem';
    const output = [`${garbledPath} DESKTOP-AB12CD\\\uFFFD\uFFFD\uFFFD\uFFFD:(F)`, '', '已成功处理 1 个文件; 处理 0 个文件时失败', ''].join('\r\n');
    assert.deepEqual(parseIcaclsOutput(output, key), [{ principal: 'DESKTOP-AB12CD\\\uFFFD\uFFFD\uFFFD\uFFFD', rights: '(F)' }]);
  });

  test('rejects output that is not a listing of the file', () => {
    assert.throws(() => parseIcaclsOutput('C:\\other.txt: The system cannot find the file specified.\r\n', KEY), WindowsAclError);
    assert.throws(() => parseIcaclsOutput(`${KEY} garbage without rights\r\n`, KEY), WindowsAclError);
  });
});

describe('verifyRestricted', () => {
  test('accepts the user alone with full control, by name or SID', () => {
    assert.deepEqual(verifyRestricted(parseIcaclsOutput(RESTRICTED_EN, KEY), ALICE), []);
    assert.deepEqual(verifyRestricted([{ principal: SID, rights: '(F)' }], ALICE), []);
  });

  test('reports every other principal and inherited access', () => {
    const problems = verifyRestricted(parseIcaclsOutput(INHERITED_EN, KEY), ALICE);
    assert.equal(problems.length, 3);
    assert.match(problems[0], /NT AUTHORITY\\SYSTEM/);
    assert.match(problems[1], /BUILTIN\\Administrators/);
    assert.match(problems[2], /inherited/);
  });

  test('reports a missing full-control grant and an empty ACL', () => {
    const readOnly: AclEntry[] = [{ principal: 'DESKTOP-AB12CD\\alice', rights: '(R)' }];
    assert.deepEqual(verifyRestricted(readOnly, ALICE), ['desktop-ab12cd\\alice does not have full control']);
    assert.equal(verifyRestricted([], ALICE).length, 1);
  });
});

describe('restrictToCurrentUser', () => {
  // Plays the part of whoami and icacls on a Windows machine, keeping the file's ACL as state.
  function fakeWindows(options: { icaclsIgnoresGrant: boolean }) {
    const calls: string[][] = [];
    let listing = INHERITED_EN;
    const run = async (command: string, args: string[]): Promise<string> => {
      calls.push([command, ...args]);
      if (command === 'whoami') {
        return `"desktop-ab12cd\\alice","${SID}"\r\n`;
      }
      if (command === 'icacls' && args.length === 1) {
        return listing;
      }
      if (!options.icaclsIgnoresGrant) {
        listing = RESTRICTED_EN;
      }
      return 'processed file: ' + args[0] + '\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n';
    };
    return { run, calls };
  }

  test('restricts, then checks the listing', async () => {
    const windows = fakeWindows({ icaclsIgnoresGrant: false });
    assert.deepEqual(await restrictToCurrentUser(KEY, windows.run), ALICE);
    assert.deepEqual(windows.calls, [
      ['whoami', '/user', '/fo', 'csv', '/nh'],
      ['icacls', KEY, '/inheritance:r', '/grant:r', `*${SID}:F`],
      ['icacls', KEY],
    ]);
  });

  test('fails when the file is still open to others afterwards', async () => {
    const windows = fakeWindows({ icaclsIgnoresGrant: true });
    await assert.rejects(restrictToCurrentUser(KEY, windows.run), (error: unknown) => {
      assert.ok(error instanceof WindowsAclError);
      assert.match(error.message, /accessible to others.*NT AUTHORITY\\SYSTEM/);
      return true;
    });
  });
});
