// The integration host choice of `npm test` (scripts/testHost.mjs): code-server shim or downloaded desktop VS Code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chooseTestHost, engineFloor } from '../../scripts/testHost.mjs';

const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('chooseTestHost', () => {
  test('Linux with nothing set: the offline code-server shim', () => {
    assert.equal(chooseTestHost({}, 'linux', '^1.74.0').host, 'code-server');
  });

  test('Windows and macOS with nothing set: desktop VS Code stable', () => {
    for (const platform of ['win32', 'darwin']) {
      assert.deepEqual(
        { ...chooseTestHost({}, platform, '^1.74.0'), description: undefined },
        { host: 'desktop', version: 'stable', description: undefined },
      );
    }
  });

  test('SWAS_TEST_HOST=desktop asks for desktop VS Code on Linux too', () => {
    const choice = chooseTestHost({ SWAS_TEST_HOST: 'desktop' }, 'linux', '^1.74.0');
    assert.equal(choice.host, 'desktop');
    assert.equal(choice.version, 'stable');
  });

  test('SWAS_TEST_VSCODE=floor downloads the lowest version engines.vscode allows', () => {
    assert.equal(chooseTestHost({ SWAS_TEST_VSCODE: 'floor' }, 'win32', '^1.74.0').version, '1.74.0');
    assert.equal(chooseTestHost({ SWAS_TEST_HOST: 'desktop', SWAS_TEST_VSCODE: 'floor' }, 'linux', '>=1.90.2').version, '1.90.2');
  });

  test('the floor follows package.json\'s own engines.vscode', () => {
    const choice = chooseTestHost({ SWAS_TEST_VSCODE: 'floor' }, 'darwin', manifest.engines.vscode);
    assert.equal(choice.version, manifest.engines.vscode.replace(/^\^/, ''));
    assert.ok(choice.description.includes(choice.version));
  });

  test('refused, naming what to set: the shim off Linux, a version for the shim, unknown values, a floorless range', () => {
    assert.match(chooseTestHost({ SWAS_TEST_HOST: 'code-server' }, 'win32', '^1.74.0').error ?? '', /SWAS_TEST_HOST=desktop/);
    assert.match(chooseTestHost({ SWAS_TEST_VSCODE: 'floor' }, 'linux', '^1.74.0').error ?? '', /SWAS_TEST_HOST=desktop/);
    assert.match(chooseTestHost({ SWAS_TEST_HOST: 'electron' }, 'linux', '^1.74.0').error ?? '', /code-server\|desktop/);
    assert.match(chooseTestHost({ SWAS_TEST_HOST: 'desktop', SWAS_TEST_VSCODE: 'insiders' }, 'linux', '^1.74.0').error ?? '', /stable\|floor/);
    assert.match(chooseTestHost({ SWAS_TEST_VSCODE: 'floor' }, 'darwin', '*').error ?? '', /engines\.vscode "\*"/);
  });

  test('empty variables choose nothing', () => {
    assert.equal(chooseTestHost({ SWAS_TEST_HOST: '', SWAS_TEST_VSCODE: '' }, 'linux', '^1.74.0').host, 'code-server');
  });
});

describe('engineFloor', () => {
  test('reads ^, ~, >= and exact versions; nothing from other ranges', () => {
    assert.deepEqual(['^1.74.0', '~1.80.1', '>=1.90.0', '1.95.3', ' ^1.74.0 '].map(engineFloor), ['1.74.0', '1.80.1', '1.90.0', '1.95.3', '1.74.0']);
    assert.deepEqual(['*', '^1.74', '1.74.x', '', undefined, '^1.74.0 || ^2.0.0'].map(engineFloor), Array(6).fill(undefined));
  });
});
