import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { restrictToCurrentUser } from '../../src/ssh/windowsAcl';
import {
  currentUserSidArgs,
  icaclsRestrictArgs,
  parseDacl,
  parseIcaclsSave,
  parseWhoamiUser,
  systemToolPath,
  verifyRestrictedDacl,
  WindowsAclError,
} from '../../src/ssh/windowsAclFormat';

const SID = 'S-1-5-21-1004336348-1177238915-682003330-1001';
const OTHER_SID = 'S-1-5-21-1004336348-1177238915-682003330-1002';
const KEY = 'C:\\Users\\alice\\.ssh\\mykey.pem';
const ALICE = { name: 'desktop-ab12cd\\alice', sid: SID };
const ICACLS = 'C:\\Windows\\System32\\icacls.exe';
const WHOAMI = 'C:\\Windows\\System32\\whoami.exe';

// The descriptors `icacls /save` writes: a new file in the profile folder, and after our restriction.
const INHERITED_SDDL = `D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;FA;;;${SID})`;
const RESTRICTED_SDDL = `D:PAI(A;;FA;;;${SID})`;

/** An `icacls /save` file as icacls writes it: UTF-16LE, the file's name, then its SDDL. */
function saveFile(name: string, sddl: string, options: { bom?: boolean } = {}): Buffer {
  return Buffer.from(`${options.bom ? '\uFEFF' : ''}${name}\r\n${sddl}\r\n`, 'utf16le');
}

describe('system tools by full path', () => {
  test('icacls and whoami come from %SystemRoot%\\System32, never from PATH', () => {
    assert.equal(systemToolPath('icacls', { SystemRoot: 'D:\\WINDOWS' }), 'D:\\WINDOWS\\System32\\icacls.exe');
    assert.equal(systemToolPath('whoami', { windir: 'E:\\Win' }), 'E:\\Win\\System32\\whoami.exe');
    assert.equal(systemToolPath('whoami', {}), WHOAMI);
  });
});

describe('whoami', () => {
  test('asks for the SID as headerless CSV', () => {
    assert.deepEqual(currentUserSidArgs(), ['/user', '/fo', 'csv', '/nh']);
  });

  test('parses English and Chinese account names with their SID', () => {
    assert.deepEqual(parseWhoamiUser(`"desktop-ab12cd\\alice","${SID}"\r\n`), ALICE);
    assert.deepEqual(parseWhoamiUser(`\r\n"工作站\\张三","${SID}"\r\n`), { name: '工作站\\张三', sid: SID });
  });

  test('rejects output without a SID', () => {
    assert.throws(() => parseWhoamiUser('"desktop\\alice","not-a-sid"'), WindowsAclError);
    assert.throws(() => parseWhoamiUser(''), WindowsAclError);
  });
});

describe('icaclsRestrictArgs', () => {
  test('removes inheritance and grants the SID alone full control', () => {
    assert.deepEqual(icaclsRestrictArgs(KEY, SID), [KEY, '/inheritance:r', '/grant:r', `*${SID}:F`]);
  });

  test('refuses anything that is not a SID (a name could be localized or ambiguous)', () => {
    assert.throws(() => icaclsRestrictArgs(KEY, 'alice'), WindowsAclError);
  });
});

describe('icacls /save output', () => {
  test('reads the SDDL from UTF-16LE with or without a BOM, and from UTF-8', () => {
    assert.equal(parseIcaclsSave(saveFile('mykey.pem', RESTRICTED_SDDL)), RESTRICTED_SDDL);
    assert.equal(parseIcaclsSave(saveFile('mein schlüssel.pem', RESTRICTED_SDDL, { bom: true })), RESTRICTED_SDDL);
    assert.equal(parseIcaclsSave(Buffer.from(`密钥.pem\n${RESTRICTED_SDDL}\n`)), RESTRICTED_SDDL);
  });

  test('rejects anything that is not one file and one descriptor', () => {
    assert.throws(() => parseIcaclsSave(Buffer.from('')), WindowsAclError);
    assert.throws(() => parseIcaclsSave(saveFile('a.pem', 'Access is denied.')), WindowsAclError);
  });

  test('parses the DACL: protection and each entry\'s type, flags, rights and SID', () => {
    assert.deepEqual(parseDacl(`O:${SID}G:${SID}${INHERITED_SDDL}`), {
      protected: false,
      aces: [
        { type: 'A', flags: 'ID', rights: 'FA', sid: 'SY' },
        { type: 'A', flags: 'ID', rights: 'FA', sid: 'BA' },
        { type: 'A', flags: 'ID', rights: 'FA', sid: SID },
      ],
    });
    assert.deepEqual(parseDacl(RESTRICTED_SDDL), { protected: true, aces: [{ type: 'A', flags: '', rights: 'FA', sid: SID }] });
  });
});

describe('verifyRestrictedDacl (by SID, whatever the display language)', () => {
  test('accepts the user alone with full control, deny entries notwithstanding', () => {
    assert.deepEqual(verifyRestrictedDacl(parseDacl(RESTRICTED_SDDL), ALICE), []);
    assert.deepEqual(verifyRestrictedDacl(parseDacl(`D:P(D;;FA;;;WD)(A;;0x1f01ff;;;${SID})`), ALICE), []);
  });

  test('reports inheritance, every other SID and inherited access', () => {
    assert.deepEqual(verifyRestrictedDacl(parseDacl(INHERITED_SDDL), ALICE), [
      'it inherits its folder\'s permissions',
      'SY has access FA',
      'BA has access FA',
      `${ALICE.name} has inherited access FA`,
    ]);
    assert.deepEqual(verifyRestrictedDacl(parseDacl(`D:P(A;;FA;;;${SID})(A;;FR;;;${OTHER_SID})`), ALICE), [`${OTHER_SID} has access FR`]);
  });

  test('reports a missing full-control grant and an empty DACL', () => {
    assert.deepEqual(verifyRestrictedDacl(parseDacl(`D:P(A;;FR;;;${SID})`), ALICE), [`${ALICE.name} does not have full control`]);
    assert.deepEqual(verifyRestrictedDacl(parseDacl('D:P'), ALICE), [`${ALICE.name} does not have full control`]);
  });
});

describe('restrictToCurrentUser', () => {
  // Plays the part of whoami and icacls on a Windows machine, keeping the file's ACL as state;
  // `/save` writes its real file, which the product reads back.
  function fakeWindows(options: { icaclsIgnoresGrant: boolean }) {
    const calls: string[][] = [];
    let sddl = INHERITED_SDDL;
    const run = async (command: string, args: string[]): Promise<string> => {
      calls.push([command, ...args]);
      if (command === WHOAMI) {
        return `"desktop-ab12cd\\alice","${SID}"\r\n`;
      }
      assert.equal(command, ICACLS);
      if (args[1] === '/save') {
        await fs.writeFile(args[2], saveFile('mykey.pem', sddl));
      } else if (!options.icaclsIgnoresGrant) {
        sddl = RESTRICTED_SDDL;
      }
      return 'processed file: ' + args[0] + '\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n';
    };
    return { run, calls };
  }

  test('restricts, then checks the saved descriptor; runs the tools by full path', async () => {
    const windows = fakeWindows({ icaclsIgnoresGrant: false });
    assert.deepEqual(await restrictToCurrentUser(KEY, windows.run), ALICE);
    assert.deepEqual(windows.calls.slice(0, 2), [
      [WHOAMI, '/user', '/fo', 'csv', '/nh'],
      [ICACLS, KEY, '/inheritance:r', '/grant:r', `*${SID}:F`],
    ]);
    const save = windows.calls[2];
    assert.deepEqual(save.slice(0, 3), [ICACLS, KEY, '/save']);
    await assert.rejects(fs.stat(save[3]), 'the descriptor file is removed afterwards');
  });

  test('fails when the file is still open to others afterwards', async () => {
    const windows = fakeWindows({ icaclsIgnoresGrant: true });
    await assert.rejects(restrictToCurrentUser(KEY, windows.run), (error: unknown) => {
      assert.ok(error instanceof WindowsAclError);
      assert.match(error.message, /accessible to others.*SY has access FA/);
      return true;
    });
  });
});
