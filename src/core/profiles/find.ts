import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { IGNORED_DIRS } from './index';

export interface FindProfilesOptions {
  /** Folder levels below each root that are searched (0: the root only). */
  readonly maxDepth?: number;
  /** Directory entries read in all before the search stops (a bound for huge trees). */
  readonly maxEntries?: number;
  /** Folder names never entered (default: the profile index's IGNORED_DIRS). */
  readonly ignore?: ReadonlySet<string>;
}

export interface FoundProfiles {
  /** `inspec.yml` files, in the order found. */
  readonly files: string[];
  /** True when `maxEntries` stopped the search before every folder was read. */
  readonly truncated: boolean;
}

/**
 * Finds `inspec.yml` files under the given folders by reading the file system directly, breadth first and bounded.
 * The editor's search service is the first choice for this; this is the fallback when it does not answer in time.
 * Symbolic links are not followed (no loops); unreadable folders are skipped.
 */
export async function findProfileFiles(roots: readonly string[], opts: FindProfilesOptions = {}): Promise<FoundProfiles> {
  const maxDepth = opts.maxDepth ?? 6;
  const maxEntries = opts.maxEntries ?? 50000;
  const ignore = opts.ignore ?? IGNORED_DIRS;
  const files: string[] = [];
  let queue = roots.map((dir) => ({ dir, depth: 0 }));
  let entries = 0;
  while (queue.length) {
    const next: typeof queue = [];
    for (const { dir, depth } of queue) {
      let handle;
      try {
        handle = await opendir(dir);
      } catch {
        continue;
      }
      for await (const e of handle) {
        if (++entries > maxEntries) return { files, truncated: true };
        if (e.isFile() && e.name === 'inspec.yml') files.push(join(dir, e.name));
        else if (e.isDirectory() && depth < maxDepth && !ignore.has(e.name)) next.push({ dir: join(dir, e.name), depth: depth + 1 });
      }
    }
    queue = next;
  }
  return { files, truncated: false };
}
