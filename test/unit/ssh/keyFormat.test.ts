import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KeyFormatError, md5Fingerprint, normalizePrivateKey, openSshPublicKey, publicKeyOfPrivateKey, publicKeyParts, samePublicKey, sha256Fingerprint } from '../../../src/ssh/keyFormat';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const otherRsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ed25519 = crypto.generateKeyPairSync('ed25519').privateKey;
const PKCS1_PEM = rsa.export({ type: 'pkcs1', format: 'pem' }) as string;
const PKCS8_PEM = rsa.export({ type: 'pkcs8', format: 'pem' }) as string;
const PKCS1_BASE64 = (rsa.export({ type: 'pkcs1', format: 'der' }) as Buffer).toString('base64');
const PKCS8_BASE64 = (rsa.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64');
const tempRoots: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyformat-test-'));
  tempRoots.push(dir);
  return dir;
}

function wrap(base64: string, width: number): string {
  return base64.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
}

function sshKeygen(args: string[]): string {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8' }).trim();
}

const sshKeygenPublic = (file: string) => sshKeygen(['-y', '-f', file]);

after(() => {
  for (const dir of tempRoots) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('normalizePrivateKey', () => {
  const canonical = { pkcs1: PKCS1_PEM, pkcs8: PKCS8_PEM };
  const forms: Array<[string, string, 'pkcs1' | 'pkcs8']> = [
    ['PKCS#1 PEM', PKCS1_PEM, 'pkcs1'],
    ['PKCS#8 PEM', PKCS8_PEM, 'pkcs8'],
    ['PKCS#1 PEM without final newline', PKCS1_PEM.trimEnd(), 'pkcs1'],
    ['PKCS#1 PEM with CRLF', PKCS1_PEM.replace(/\n/g, '\r\n'), 'pkcs1'],
    ['PKCS#8 PEM with literal \\n (JSON-escaped)', PKCS8_PEM.replace(/\n/g, '\\n'), 'pkcs8'],
    ['PKCS#1 PEM with literal \\r\\n and surrounding blanks', `  \n${PKCS1_PEM.replace(/\n/g, '\\r\\n')}  \n`, 'pkcs1'],
    ['PKCS#1 PEM unwrapped', `-----BEGIN RSA PRIVATE KEY-----\n${PKCS1_BASE64}\n-----END RSA PRIVATE KEY-----`, 'pkcs1'],
    ['PKCS#8 PEM wrapped at 76', `-----BEGIN PRIVATE KEY-----\n${wrap(PKCS8_BASE64, 76)}\n-----END PRIVATE KEY-----\n`, 'pkcs8'],
    ['bare PKCS#1 base64', PKCS1_BASE64, 'pkcs1'],
    ['bare PKCS#8 base64', PKCS8_BASE64, 'pkcs8'],
    ['bare PKCS#1 base64 wrapped at 64 with CRLF', wrap(PKCS1_BASE64, 64).replace(/\n/g, '\r\n'), 'pkcs1'],
    ['bare PKCS#8 base64 with literal \\n every 70', wrap(PKCS8_BASE64, 70).replace(/\n/g, '\\n'), 'pkcs8'],
    ['PKCS#1 PEM with lone CR line ends', PKCS1_PEM.replace(/\n/g, '\r'), 'pkcs1'],
    ['PKCS#8 PEM whose END line follows the base64 without a line break', `-----BEGIN PRIVATE KEY-----\n${PKCS8_BASE64}-----END PRIVATE KEY-----`, 'pkcs8'],
  ];
  for (const [name, body, format] of forms) {
    test(`accepts ${name}`, () => {
      const normalized = normalizePrivateKey(body);
      assert.equal(normalized.format, format);
      assert.equal(normalized.keyType, 'rsa');
      assert.equal(normalized.pem, canonical[format]);
      assert.ok(normalized.pem.endsWith('-----\n') && !normalized.pem.includes('\r'));
      assert.ok(normalized.pem.split('\n').every((line) => line.length <= 64));
    });
  }

  test('keeps an ed25519 PKCS#8 key', () => {
    const pem = ed25519.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.deepEqual(normalizePrivateKey(pem), { pem, format: 'pkcs8', keyType: 'ed25519' });
  });

  // Each rejection names its cause, so the user knows what is wrong with the key they pasted.
  const invalid: Array<[string, string, string]> = [
    ['empty text', '  \n ', 'The private key is empty.'],
    [
      'a public key',
      crypto.createPublicKey(rsa).export({ type: 'spki', format: 'pem' }) as string,
      'Unsupported PEM type "PUBLIC KEY"; expected RSA PRIVATE KEY or PRIVATE KEY.',
    ],
    [
      'an encrypted key',
      rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string,
      'Unsupported PEM type "ENCRYPTED PRIVATE KEY"; expected RSA PRIVATE KEY or PRIVATE KEY.',
    ],
    [
      'a legacy encrypted PEM key (Proc-Type/DEK-Info headers)',
      rsa.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string,
      'Encrypted PEM private keys are not supported.',
    ],
    ['mismatched armor', PKCS1_PEM.replace('END RSA PRIVATE KEY', 'END PRIVATE KEY'), 'The private key has malformed or mismatched PEM armor.'],
    ['text before the armor', `key:\n${PKCS1_PEM}`, 'The private key has malformed or mismatched PEM armor.'],
    ['text after the armor', `${PKCS1_PEM}and more`, 'The private key has malformed or mismatched PEM armor.'],
    ['a truncated key', PKCS1_PEM.slice(0, 800) + '\n-----END RSA PRIVATE KEY-----\n', 'The private key is not valid base64.'],
    ['bare base64 cut short', PKCS1_BASE64.slice(0, 1200), 'The private key could not be parsed as PKCS#1 or PKCS#8.'],
    ['bare base64 cut to a length that is not a multiple of 4', PKCS1_BASE64.slice(0, 1201), 'The private key is not valid base64.'],
    ['bare base64 with a foreign character in front', `*${PKCS1_BASE64.slice(1)}`, 'The private key is not valid base64.'],
    ['bare base64 with a foreign character at the end', `${PKCS1_BASE64.slice(0, -4)}AAA*`, 'The private key is not valid base64.'],
    ['non-base64 text', 'this is not a key at all', 'The private key is not valid base64.'],
    [
      'an EC key',
      crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      'Unsupported private key type "ec".',
    ],
    [
      'an RSA key whose modulus belongs to another key',
      crypto
        .createPrivateKey({ key: { ...rsa.export({ format: 'jwk' }), n: otherRsa.export({ format: 'jwk' }).n }, format: 'jwk' })
        .export({ type: 'pkcs1', format: 'pem' }) as string,
      'The private key is corrupt: its parts do not match.',
    ],
  ];
  for (const [name, body, message] of invalid) {
    test(`rejects ${name} without echoing key material`, () => {
      assert.throws(
        () => normalizePrivateKey(body),
        (error: unknown) => {
          assert.ok(error instanceof KeyFormatError);
          assert.equal(error.code, 'KEY_FORMAT');
          assert.equal(error.name, 'KeyFormatError');
          assert.equal(error.message, message);
          const material = body.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
          for (let i = 0; i + 16 <= material.length; i += 16) {
            assert.ok(!error.message.includes(material.slice(i, i + 16)), error.message);
          }
          return true;
        },
      );
    });
  }
});

describe('public keys and fingerprints match OpenSSH', () => {
  test('RSA: ssh-keygen derives the same public key and fingerprints from the written PEM', async () => {
    for (const format of ['pkcs1', 'pkcs8'] as const) {
      const dir = tempDir();
      const pemPath = path.join(dir, 'k.pem');
      const { pem } = normalizePrivateKey(format === 'pkcs1' ? PKCS1_BASE64 : PKCS8_BASE64);
      fs.writeFileSync(pemPath, pem, { mode: 0o600 });
      const line = openSshPublicKey(pem, 'swas:cn-hangzhou/mykey');
      assert.match(line, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ swas:cn-hangzhou\/mykey$/);
      assert.ok(samePublicKey(sshKeygen(['-y', '-f', pemPath]), line));
      assert.equal(sshKeygen(['-y', '-f', pemPath]).split(' ').slice(0, 2).join(' '), line.split(' ').slice(0, 2).join(' '));

      const pubPath = path.join(dir, 'k.pub');
      fs.writeFileSync(pubPath, `${line}\n`);
      assert.equal(sshKeygen(['-lf', pubPath]), `2048 ${sha256Fingerprint(line)} swas:cn-hangzhou/mykey (RSA)`);
      assert.equal(sshKeygen(['-E', 'md5', '-lf', pubPath]), `2048 MD5:${md5Fingerprint(line)} swas:cn-hangzhou/mykey (RSA)`);
    }
  });

  test('RSA mpint: an exponent with the high bit set gets a leading zero byte', () => {
    // e = 0x8001 has its top bit set, so without the zero byte OpenSSH would read a negative number.
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 0x8001 }).privateKey;
    const dir = tempDir();
    const pemPath = path.join(dir, 'k.pem');
    fs.writeFileSync(pemPath, key.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    const line = openSshPublicKey(key.export({ type: 'pkcs1', format: 'pem' }) as string, '');
    assert.equal(sshKeygen(['-y', '-f', pemPath]), line);
    const blob = Buffer.from(line.split(' ')[1], 'base64');
    assert.deepEqual([...blob.subarray(11, 18)], [0, 0, 0, 3, 0, 0x80, 0x01]);
  });

  test('ed25519: ssh-keygen reads the public key line and agrees on the fingerprint', () => {
    const line = openSshPublicKey(ed25519.export({ type: 'pkcs8', format: 'pem' }) as string, 'ed\nkey');
    assert.match(line, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ ed key$/);
    const pubPath = path.join(tempDir(), 'k.pub');
    fs.writeFileSync(pubPath, `${line}\n`);
    assert.equal(sshKeygen(['-lf', pubPath]), `256 ${sha256Fingerprint(line)} ed key (ED25519)`);
  });

  test('samePublicKey ignores comments, options and the type word, and tells keys apart', () => {
    const line = openSshPublicKey(PKCS1_PEM, 'one');
    const blob = line.split(' ')[1];
    assert.ok(samePublicKey(line, `  ssh-rsa   ${blob}  another comment here \n`));
    assert.ok(samePublicKey(line, `no-pty,command="echo a b" ssh-rsa ${blob} c`));
    assert.ok(samePublicKey(line, blob));
    assert.ok(!samePublicKey(line, openSshPublicKey(otherRsa.export({ type: 'pkcs1', format: 'pem' }) as string, 'one')));
    assert.ok(!samePublicKey(line, `ssh-ed25519 ${blob}`));
    assert.ok(!samePublicKey(line, 'ssh-rsa not-base64'));
    assert.throws(() => sha256Fingerprint('garbage'), KeyFormatError);
  });

  test('RSA mpint: a one-byte exponent (e = 3) is written as that byte, as ssh-keygen writes it', () => {
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 }).privateKey;
    const pem = key.export({ type: 'pkcs1', format: 'pem' }) as string;
    const pemPath = path.join(tempDir(), 'k.pem');
    fs.writeFileSync(pemPath, pem, { mode: 0o600 });
    assert.equal(openSshPublicKey(pem, ''), sshKeygen(['-y', '-f', pemPath]));
  });

  test('the comment loses its line breaks and surrounding blanks', () => {
    const pemPath = path.join(tempDir(), 'k.pem');
    fs.writeFileSync(pemPath, PKCS1_PEM, { mode: 0o600 });
    assert.equal(openSshPublicKey(PKCS1_PEM, ' my\r\n\r\nkey\n'), `${sshKeygen(['-y', '-f', pemPath])} my key`);
  });

  test('openSshPublicKey rejects text that is no private key with a KeyFormatError', () => {
    assert.throws(() => openSshPublicKey('not a key', 'c'), { name: 'KeyFormatError', message: 'The private key could not be parsed.' });
  });

  test('openSshPublicKey rejects EC and X25519 keys, which have no ssh-rsa or ssh-ed25519 form', () => {
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const x25519 = crypto.generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.throws(() => openSshPublicKey(ec, 'c'), { name: 'KeyFormatError', message: 'Unsupported key type for an OpenSSH public key (EC).' });
    assert.throws(() => openSshPublicKey(x25519, 'c'), { name: 'KeyFormatError', message: 'Unsupported key type for an OpenSSH public key (OKP).' });
  });

  test('a bare base64 blob with blanks around it is still read', () => {
    const line = openSshPublicKey(PKCS1_PEM, 'one');
    assert.ok(samePublicKey(line, `  ${line.split(' ')[1]}\n`));
  });
});

// RFC 4251 "string": uint32 length, then the bytes. Written here so the blobs below do not come from the module.
function rfc4251String(bytes: Buffer | string): Buffer {
  const data = Buffer.from(bytes);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

describe('public key blobs that are not keys', () => {
  const keyData = rfc4251String(crypto.randomBytes(32));
  const blobOf = (type: string) => Buffer.concat([rfc4251String(type), keyData]).toString('base64');
  const notKeys: Array<[string, string]> = [
    ['shorter than a length field', Buffer.from([0, 0, 7]).toString('base64')],
    ['whose type name runs past its end', Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh')]).toString('base64')],
    // RFC 4250 4.6.1: algorithm names are at most 64 characters.
    ['whose type name is 65 characters', blobOf('a'.repeat(65))],
    ['whose type name holds a blank', blobOf('ssh rsa')],
    ['whose type name holds capitals', blobOf('Ssh-rsA')],
  ];
  for (const [name, blob] of notKeys) {
    test(`a blob ${name} is not a public key`, () => {
      assert.equal(samePublicKey(blob, blob), false);
      assert.throws(() => sha256Fingerprint(blob), { name: 'KeyFormatError', message: 'Not an OpenSSH public key.' });
    });
  }

  test('a blob whose type name is the longest allowed, 64 characters, is read', () => {
    const blob = blobOf('a'.repeat(64));
    assert.ok(samePublicKey(blob, `${'a'.repeat(64)} ${blob} comment`));
  });

  test('a blob that ends right after its type name still names that type', () => {
    const blob = rfc4251String('ssh-ed25519').toString('base64');
    assert.ok(samePublicKey(`ssh-ed25519 ${blob}`, blob));
    assert.ok(!samePublicKey(`ssh-rsa ${blob}`, blob));
  });
});

describe('publicKeyOfPrivateKey', () => {
  test('reads a PEM RSA key like ssh-keygen -y does', () => {
    const dir = tempDir();
    const pem = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const file = path.join(dir, 'k.pem');
    fs.writeFileSync(file, pem, { mode: 0o600 });
    assert.equal(publicKeyOfPrivateKey(pem), sshKeygenPublic(file));
  });

  for (const type of ['ed25519', 'rsa']) {
    test(`reads the clear public part of an OpenSSH-format ${type} key, even with a passphrase`, () => {
      const dir = tempDir();
      const file = path.join(dir, 'k');
      execFileSync('ssh-keygen', ['-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', 'secret phrase', '-q', '-f', file]);
      const fromFile = publicKeyOfPrivateKey(fs.readFileSync(file, 'utf8'));
      assert.ok(fromFile);
      assert.ok(samePublicKey(fromFile, fs.readFileSync(`${file}.pub`, 'utf8')));
    });
  }

  // An unencrypted ed25519 key from ssh-keygen, re-armored after each change to its openssh-key-v1 bytes (PROTOCOL.key).
  const openSshKeyData = (): Buffer => {
    const file = path.join(tempDir(), 'k');
    execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', file]);
    const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(fs.readFileSync(file, 'utf8'))![1];
    return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  };
  const armored = (data: Buffer) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${data.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
  // "openssh-key-v1\0" (15 bytes), then cipher "none" (4+4), KDF "none" (4+4), KDF options "" (4), key count (4), public key blob.
  const COUNT_AT = 15 + 8 + 8 + 4;

  test('a truncated OpenSSH-format key is not a private key, wherever it is cut', () => {
    const data = openSshKeyData();
    for (const cut of [17, 20, 25, 31, COUNT_AT + 2, COUNT_AT + 6, COUNT_AT + 12, COUNT_AT + 30]) {
      assert.equal(publicKeyOfPrivateKey(armored(data.subarray(0, cut))), undefined, `cut at ${cut}`);
    }
  });

  test('an OpenSSH-format key with another format version, no keys, or a broken key type is not read', () => {
    const otherVersion = openSshKeyData();
    otherVersion.write('openssh-key-v2', 0, 'latin1');
    assert.equal(publicKeyOfPrivateKey(armored(otherVersion)), undefined);
    const noKeys = openSshKeyData();
    noKeys.writeUInt32BE(0, COUNT_AT);
    assert.equal(publicKeyOfPrivateKey(armored(noKeys)), undefined);
    const brokenType = openSshKeyData();
    brokenType.writeUInt32BE(0xffff, COUNT_AT + 8);
    assert.equal(publicKeyOfPrivateKey(armored(brokenType)), undefined);
  });

  test('anything else is not a private key', () => {
    assert.equal(publicKeyOfPrivateKey('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ comment'), undefined);
    assert.equal(publicKeyOfPrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n'), undefined);
  });
});

describe('publicKeyParts: the key a line holds, read by Node crypto', () => {
  const fromSshKeygen = (type: string, bits?: number) => {
    const file = path.join(tempDir(), 'key');
    sshKeygen(['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', 'host', '-f', file]);
    return fs.readFileSync(`${file}.pub`, 'utf8').trim();
  };
  const fields = (line: string) => {
    const blob = Buffer.from(line.split(' ')[1], 'base64');
    const parts: Buffer[] = [];
    for (let offset = 0; offset < blob.length; ) {
      const length = blob.readUInt32BE(offset);
      parts.push(blob.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    return parts;
  };
  const lineOf = (type: string, parts: Buffer[]) => `${type} ${Buffer.concat([rfc4251String(type), ...parts.map((p) => rfc4251String(p))]).toString('base64')}`;

  test('every key type OpenSSH makes for hosts is read, its comment and options dropped', () => {
    for (const [type, bits] of [['ed25519'], ['rsa', 2048], ['ecdsa', 256], ['ecdsa', 384], ['ecdsa', 521]] as Array<[string, number?]>) {
      const line = fromSshKeygen(type, bits);
      const [word, base64] = line.split(' ');
      assert.deepEqual(publicKeyParts(`no-pty,command="x y" ${line}`), { type: word, base64 }, `${type} ${bits ?? ''}`);
    }
  });

  test('a blob that names its type but is no key of it is refused', () => {
    const ed = fromSshKeygen('ed25519');
    const [edKey] = fields(ed).slice(1);
    const rsaLine = openSshPublicKey(PKCS1_PEM, '');
    const [, e, n] = fields(rsaLine);
    const ecdsa = fromSshKeygen('ecdsa', 256);
    const [, curve, point] = fields(ecdsa);
    const refused: Array<[string, string]> = [
      ['ed25519 of 31 bytes', lineOf('ssh-ed25519', [edKey.subarray(1)])],
      ['ed25519 with a field more', lineOf('ssh-ed25519', [edKey, Buffer.from('x')])],
      ['ed25519 cut inside a field', `ssh-ed25519 ${Buffer.from(ed.split(' ')[1], 'base64').subarray(0, 40).toString('base64')}`],
      ['rsa without its modulus', lineOf('ssh-rsa', [e])],
      ['rsa with a field more', lineOf('ssh-rsa', [e, n, e])],
      ['rsa with a negative exponent', lineOf('ssh-rsa', [Buffer.from([0x81]), n])],
      ['rsa with a padded exponent', lineOf('ssh-rsa', [Buffer.concat([Buffer.from([0]), e]), n])],
      ['rsa with an empty modulus', lineOf('ssh-rsa', [e, Buffer.alloc(0)])],
      ['ecdsa naming another curve', lineOf('ecdsa-sha2-nistp256', [Buffer.from('nistp384'), point])],
      ['ecdsa with a point not marked uncompressed', lineOf('ecdsa-sha2-nistp256', [curve, Buffer.concat([Buffer.from([6]), point.subarray(1)])])],
      ['ecdsa with a compressed point', lineOf('ecdsa-sha2-nistp256', [curve, Buffer.concat([Buffer.from([2]), point.subarray(1, 33)])])],
      ['ecdsa off its curve', lineOf('ecdsa-sha2-nistp256', [curve, Buffer.concat([point.subarray(0, 64), Buffer.from([point[64] ^ 1])])])],
      ['a type OpenSSH hosts do not use', lineOf('ssh-dss', [e, n])],
    ];
    for (const [name, line] of refused) {
      assert.equal(publicKeyParts(line), undefined, name);
    }
    assert.deepEqual(publicKeyParts(lineOf('ssh-rsa', [e, n])), { type: 'ssh-rsa', base64: rsaLine.split(' ')[1] });
  });
});
