import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findProfileFiles } from '../../src/core/profiles/find';

describe('findProfileFiles: the bounded file-system search for inspec.yml', () => {
  let root: string;
  const yml = (...parts: string[]) => {
    mkdirSync(join(root, ...parts), { recursive: true });
    writeFileSync(join(root, ...parts, 'inspec.yml'), 'name: p\n');
    return join(root, ...parts, 'inspec.yml');
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'kc-find-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('finds profiles at the root and below, skips dependency and VCS folders, and does not follow links', async () => {
    const top = yml('top');
    const nested = yml('profiles', 'linux', 'baseline');
    yml('node_modules', 'pkg');
    yml('.git', 'x');
    yml('vendor', 'profiles', 'dep');
    yml('.inspec', 'cache', 'dep');
    symlinkSync(root, join(root, 'loop'));
    const found = await findProfileFiles([root]);
    assert.deepEqual(found.files.sort(), [nested, top].sort());
    assert.equal(found.truncated, false);
  });

  test('a caller can widen the ignore list (the profile picker also skips dist)', async () => {
    const copy = yml('dist', 'copy');
    assert.ok((await findProfileFiles([root])).files.includes(copy), 'dist is searched by default (the index\'s list)');
    assert.ok(!(await findProfileFiles([root], { ignore: new Set(['dist', 'node_modules', '.git', 'vendor', '.inspec']) })).files.includes(copy));
  });

  test('stops at maxDepth', async () => {
    const shallow = yml('d1');
    yml('d1', 'd2', 'd3');
    const found = await findProfileFiles([join(root)], { maxDepth: 1 });
    assert.ok(found.files.includes(shallow));
    assert.ok(!found.files.some((f) => f.includes(join('d2', 'd3'))), `nothing below depth 1: ${found.files.join(', ')}`);
  });

  test('stops after maxEntries and says so', async () => {
    const found = await findProfileFiles([root], { maxEntries: 3 });
    assert.equal(found.truncated, true);
  });

  test('a root that does not exist or cannot be read is skipped', async () => {
    const found = await findProfileFiles([join(root, 'missing'), join(root, 'top')]);
    assert.deepEqual(found.files, [join(root, 'top', 'inspec.yml')]);
  });
});
