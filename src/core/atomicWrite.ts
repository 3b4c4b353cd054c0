import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `content` to `path` atomically: a temporary file in the same folder, flushed, then renamed over the target,
 * so a reader sees the old file or the new one, never half of one, and a failed write leaves the old file as it was.
 * Used by every file the product rewrites in place: fleet and history indexes, exports, attestations files.
 */
export async function writeTextAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** writeTextAtomic of `data` as indented JSON with a final newline. */
export function writeJsonAtomic(path: string, data: unknown): Promise<void> {
  return writeTextAtomic(path, `${JSON.stringify(data, null, 2)}\n`);
}
