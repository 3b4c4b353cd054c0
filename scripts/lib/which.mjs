import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable named `name` on PATH, or undefined. */
export function findExecutableSync(name, envPath = process.env.PATH ?? '') {
  for (const dir of envPath.split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) { accessSync(p, constants.X_OK); return p; }
    } catch {}
  }
  return undefined;
}
