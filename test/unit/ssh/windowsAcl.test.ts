import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { assertRestricted, restrictToCurrentUser } from '../../../src/ssh/windowsAcl';
import {
  currentUserSidArgs,
  icaclsRestrictArgs,
  parseDacl,
  parseIcaclsSave,
  parseWhoamiUser,
  systemToolPath,
  verifyRestrictedDacl,
  WindowsAclError,
} from '../../../src/ssh/windowsAclFormat';

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

  test('its errors carry the WINDOWS_ACL code the error messages are chosen by', () => {
    assert.throws(() => parseWhoamiUser(''), (error: unknown) => {
      assert.ok(error instanceof WindowsAclError);
      assert.equal(error.code, 'WINDOWS_ACL');
      assert.equal(error.name, 'WindowsAclError');
      assert.equal(error.message, 'Could not read the current user SID from whoami output.');
      return true;
    });
  });

  test('accepts a Microsoft Entra ID account, whose SID authority has two digits (S-1-12-1-…)', () => {
    const entraSid = 'S-1-12-1-3653211012-1154617163-2519513780-1418281342';
    assert.deepEqual(parseWhoamiUser(`"azuread\\alicesmith","${entraSid}"\r\n`), { name: 'azuread\\alicesmith', sid: entraSid });
  });

  test('reads the first non-empty line, skipping lines of spaces, with CRLF or LF endings', () => {
    assert.deepEqual(parseWhoamiUser(`  \r\n"desktop-ab12cd\\alice","${SID}"\r\n`), ALICE);
    assert.deepEqual(parseWhoamiUser(`"desktop-ab12cd\\alice","${SID}"\n"desktop-ab12cd\\bob","${OTHER_SID}"\n`), ALICE);
  });

  test('undoes CSV quote doubling in the name', () => {
    assert.deepEqual(parseWhoamiUser(`"desktop\\a""b","${SID}"`), { name: 'desktop\\a"b', sid: SID });
  });

  test('rejects a line with a third column, before or after the name and SID', () => {
    assert.throws(() => parseWhoamiUser(`"desktop\\alice","${SID}","extra"`), WindowsAclError);
    assert.throws(() => parseWhoamiUser(`"extra","desktop\\alice","${SID}"`), WindowsAclError);
  });
});

describe('icaclsRestrictArgs', () => {
  test('removes inheritance and grants the SID alone full control', () => {
    assert.deepEqual(icaclsRestrictArgs(KEY, SID), [KEY, '/inheritance:r', '/grant:r', `*${SID}:F`]);
  });

  test('refuses anything that is not a SID (a name could be localized or ambiguous)', () => {
    assert.throws(() => icaclsRestrictArgs(KEY, 'alice'), { name: 'WindowsAclError', message: 'Not a SID: alice' });
  });

  test('refuses a SID with text before or after it, which icacls would read as more of the grant', () => {
    assert.throws(() => icaclsRestrictArgs(KEY, `${SID}:F,*S-1-1-0`), WindowsAclError);
    assert.throws(() => icaclsRestrictArgs(KEY, `*S-1-1-0:F /grant ${SID}`), WindowsAclError);
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
    assert.throws(() => parseIcaclsSave(saveFile('a.pem', 'Access is denied.')), {
      message: 'Unexpected icacls /save output: expected the file name and one security descriptor.',
    });
    // Two files' descriptors, and a BOM with a descriptor but no file name.
    assert.throws(() => parseIcaclsSave(saveFile('a.pem', `${RESTRICTED_SDDL}\r\nb.pem`)), WindowsAclError);
    assert.throws(() => parseIcaclsSave(Buffer.from(`\uFEFF\r\n${RESTRICTED_SDDL}\r\n`, 'utf16le')), WindowsAclError);
  });

  test('reads a UTF-16LE file whose name starts with a Chinese character (no zero high byte)', () => {
    assert.equal(parseIcaclsSave(saveFile('密钥.pem', RESTRICTED_SDDL)), RESTRICTED_SDDL);
    assert.equal(parseIcaclsSave(saveFile('仿.pem', RESTRICTED_SDDL)), RESTRICTED_SDDL);
  });

  test('ignores lines of spaces and spaces around the descriptor', () => {
    assert.equal(parseIcaclsSave(saveFile('a.pem', `  ${RESTRICTED_SDDL}  \r\n   `)), RESTRICTED_SDDL);
  });

  test('finds the DACL after an owner SID (a D: preceded by a digit)', () => {
    const sddl = `O:${SID}${RESTRICTED_SDDL}`;
    assert.equal(parseIcaclsSave(saveFile('a.pem', sddl)), sddl);
  });

  test('rejects a descriptor without a DACL, and an access entry with missing fields', () => {
    assert.throws(() => parseDacl(`O:${SID}G:${SID}`), { name: 'WindowsAclError', message: 'The security descriptor has no DACL.' });
    assert.throws(() => parseDacl('D:P(A;;FA)'), { name: 'WindowsAclError', message: 'Unexpected access entry (A;;FA).' });
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

  test('counts GA, 0x1F01FF and 0x10000000 (generic all, all file rights) as full control', () => {
    for (const rights of ['GA', '0x1F01FF', '0x10000000']) {
      assert.deepEqual(verifyRestrictedDacl(parseDacl(`D:P(A;;${rights};;;${SID})`), ALICE), [], rights);
    }
  });

  test('full control must be allowed to the user: another SID\'s or a deny entry does not count', () => {
    assert.deepEqual(verifyRestrictedDacl(parseDacl(`D:P(A;;FR;;;${SID})(A;;FA;;;${OTHER_SID})`), ALICE), [
      `${OTHER_SID} has access FA`,
      `${ALICE.name} does not have full control`,
    ]);
    assert.deepEqual(verifyRestrictedDacl(parseDacl(`D:P(A;;FR;;;${SID})(D;;FA;;;${SID})`), ALICE), [`${ALICE.name} does not have full control`]);
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
      assert.equal(
        error.message,
        `${KEY} is accessible to others: it inherits its folder's permissions; SY has access FA; BA has access FA; ${ALICE.name} has inherited access FA`,
      );
      return true;
    });
  });

  test('when icacls /save fails and writes no file, its own error is what the caller sees', async () => {
    const failure = new WindowsAclError('icacls.exe failed (exit 5): Access is denied.');
    const run = async (): Promise<string> => {
      throw failure;
    };
    await assert.rejects(assertRestricted(KEY, ALICE, run), (error: unknown) => error === failure);
  });
});
