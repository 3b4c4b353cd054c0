import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Finds an executable the way a shell does: an absolute path as it is, else each PATH entry in order. */
export function findExecutable(name: string, envPath: string | undefined = process.env.PATH): string | undefined {
  if (!name) return undefined;
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : (envPath ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}
