/**
 * Content hashes for the deduplication key: the profile (a folder's files, an archive's bytes, a URL's text) and the
 * inputs file. Two runs with the same hashes scan with the same controls and the same inputs; the index records them
 * so that a later run (or `compare`) can tell whether the profile changed.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isUrlProfile, normaliseProfile } from '../scan/argv';

export type ProfileKind = 'folder' | 'archive' | 'url';

export interface ProfileHash {
  readonly kind: ProfileKind;
  /** The absolute path, or the URL as given. */
  readonly location: string;
  /** `sha256:<hex>`. */
  readonly hash: string;
  /** Files hashed (folders only). */
  readonly files?: number;
}

/** Folders never part of a profile's content: version control and Node packages. */
export const IGNORED_FOLDERS: readonly string[] = ['.git', 'node_modules'];

const prefixed = (h: ReturnType<typeof createHash>): string => `sha256:${h.digest('hex')}`;

/** sha256 of nothing: the inputs hash of a run without an inputs file. */
export const EMPTY_INPUTS_HASH = prefixed(createHash('sha256'));

export class ProfileHashError extends Error {
  override readonly name = 'ProfileHashError';
}

/**
 * Hashes a profile. A folder: sha256 over its files in sorted relative-path order (`/` separators, byte order), each
 * as `path NUL size NUL bytes` (a symbolic link as `path NUL link NUL target NUL`), skipping `.git` and `node_modules`
 * at any depth. An archive (any file): its bytes. A URL: the URL string (its content is fetched by the auditor).
 */
export async function hashProfile(profile: string, cwd: string): Promise<ProfileHash> {
  const location = normaliseProfile(profile, cwd);
  if (isUrlProfile(location)) return { kind: 'url', location, hash: prefixed(createHash('sha256').update(location, 'utf8')) };
  const st = await statOrThrow(location, 'profile');
  if (st.isFile()) return { kind: 'archive', location, hash: prefixed(createHash('sha256').update(await readFile(location))) };
  if (!st.isDirectory()) throw new ProfileHashError(`The profile ${location} is neither a folder, a file nor a URL.`);
  const files = await listFiles(location, '');
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const h = createHash('sha256');
  for (const f of files) {
    if (f.link !== undefined) {
      h.update(`${f.rel}\0link\0${f.link}\0`, 'utf8');
    } else {
      const bytes = await readFile(join(location, f.rel));
      h.update(`${f.rel}\0${bytes.length}\0`, 'utf8');
      h.update(bytes);
    }
  }
  return { kind: 'folder', location, hash: prefixed(h), files: files.length };
}

/** sha256 of the inputs file's bytes, or of nothing (`EMPTY_INPUTS_HASH`) when there is no inputs file. */
export async function hashInputs(file: string | undefined, cwd: string): Promise<string> {
  if (!file) return EMPTY_INPUTS_HASH;
  const path = normaliseProfile(file, cwd);
  const st = await statOrThrow(path, 'inputs file');
  if (!st.isFile()) throw new ProfileHashError(`The inputs file ${path} is not a file.`);
  return prefixed(createHash('sha256').update(await readFile(path)));
}

async function statOrThrow(path: string, what: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ProfileHashError(`The ${what} ${path} cannot be read: ${code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message}.`);
  }
}

async function listFiles(root: string, rel: string): Promise<Array<{ rel: string; link?: string }>> {
  const out: Array<{ rel: string; link?: string }> = [];
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!IGNORED_FOLDERS.includes(e.name)) out.push(...(await listFiles(root, r)));
    } else if (e.isSymbolicLink()) out.push({ rel: r, link: await readlink(join(root, r)) });
    else if (e.isFile()) out.push({ rel: r });
  }
  return out;
}
