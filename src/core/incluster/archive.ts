/**
 * A profile folder as a gzip'd tar archive (POSIX ustar), the form `cinc-auditor exec PROFILE.tar.gz` reads
 * (inspec/inspec lib/inspec/file_provider.rb `TarProvider`), so an in-cluster scan can carry the profile in a ConfigMap.
 * Regular files and folders only; `.git`, `node_modules` and the auditor's caches are left out (as the fleet hash does);
 * symbolic links are refused (they could point outside the profile). Entries are sorted and dated 0 so the same folder
 * gives the same bytes. Pure Node, no `tar` executable.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

export class ProfileArchiveError extends Error {
  override readonly name = 'ProfileArchiveError';
}

const LEFT_OUT = new Set(['.git', 'node_modules', '.inspec', 'inspec-cache', 'vendor']);

function header(name: string, size: number, type: '0' | '5', mode: number): Buffer {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 154);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new ProfileArchiveError(`the path ${name} is too long for a tar archive (100 + 155 bytes)`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (s: string, off: number, len: number) => h.write(s, off, len, 'utf8');
  put(base, 0, 100);
  put(mode.toString(8).padStart(7, '0') + '\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(size.toString(8).padStart(11, '0') + '\0', 124, 12);
  put('00000000000\0', 136, 12);
  put('        ', 148, 8);
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** The folder's files as a .tar.gz, names relative to the folder. */
export function archiveFolder(folder: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (LEFT_OUT.has(name)) continue;
      const full = join(dir, name);
      const rel = relative(folder, full).split(sep).join('/');
      const st = lstatSync(full);
      if (st.isSymbolicLink()) throw new ProfileArchiveError(`${rel} is a symbolic link; an in-cluster scan carries the profile's own files only: replace the link by the file`);
      if (st.isDirectory()) {
        parts.push(header(`${rel}/`, 0, '5', 0o755));
        walk(full);
      } else if (st.isFile()) {
        const data = readFileSync(full);
        parts.push(header(rel, data.length, '0', st.mode & 0o111 ? 0o755 : 0o644), data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
    }
  };
  walk(folder);
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}
