import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitPathList } from '../../../src/ssh/sshGValues';

test('splitPathList: one path, with or without a space in it', () => {
  assert.deepEqual(splitPathList('/home/dev/.ssh/known_hosts'), ['/home/dev/.ssh/known_hosts']);
  assert.deepEqual(splitPathList('/home/First Last/.ssh/known_hosts'), ['/home/First Last/.ssh/known_hosts']);
  assert.deepEqual(splitPathList('  /home/dev/.ssh/known_hosts\n'), ['/home/dev/.ssh/known_hosts']);
  assert.deepEqual(splitPathList(''), []);
});

test('splitPathList: two paths, as ssh -G prints the default pair', () => {
  assert.deepEqual(splitPathList('/home/dev/.ssh/known_hosts /home/dev/.ssh/known_hosts2'), ['/home/dev/.ssh/known_hosts', '/home/dev/.ssh/known_hosts2']);
  assert.deepEqual(splitPathList('/home/First Last/.ssh/known_hosts /home/First Last/.ssh/known_hosts2'), [
    '/home/First Last/.ssh/known_hosts',
    '/home/First Last/.ssh/known_hosts2',
  ]);
  assert.deepEqual(splitPathList('~/my hosts/kh ~/.ssh/known_hosts2'), ['~/my hosts/kh', '~/.ssh/known_hosts2']);
});

test('splitPathList: Windows paths with either slash, with spaces', () => {
  assert.deepEqual(splitPathList('C:/Users/First Last/.ssh/known_hosts C:/Users/First Last/.ssh/known_hosts2'), [
    'C:/Users/First Last/.ssh/known_hosts',
    'C:/Users/First Last/.ssh/known_hosts2',
  ]);
  assert.deepEqual(splitPathList('C:\\Users\\First Last\\.ssh\\known_hosts d:\\keys\\kh'), ['C:\\Users\\First Last\\.ssh\\known_hosts', 'd:\\keys\\kh']);
});

test('splitPathList: a word after a space that does not start a path stays in the path', () => {
  assert.deepEqual(splitPathList('/srv/my known hosts/a b'), ['/srv/my known hosts/a b']);
  assert.deepEqual(splitPathList('/srv/C: drive/kh'), ['/srv/C: drive/kh']);
});
