// The emulator's image registry: repositories, tags and content-addressed digests for the images of the fleet
// scenario (`fleet.local/…`). An image is one of the runtime's base templates (rootfs.ts) plus its own files, and its
// digest is the sha256 of exactly that content, so two digests are two really different root filesystems. Tags move
// (`push` with a tag another digest had), as on a real registry; pods keep the digest they pulled (contract.ts).
// References outside the registry's hosts are not its business (`pull` answers undefined): the demo images.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { ImageFile, ImageSource, PullResult, RegistryImage } from './contract';

/** The registry host the emulator's registry serves (the fleet scenario's images). */
export const REGISTRY_HOST = 'fleet.local';

export interface ParsedRef {
  /** `host/path`; a reference without a host is docker.io's (`docker.io/library/x` for a single component). */
  repository: string;
  host: string;
  tag?: string;
  digest?: string;
}

/** Splits an image reference the way containerd's reference parser does (host = first component with a dot, a colon, or `localhost`). */
export function parseImageRef(ref: string): ParsedRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const first = rest.split('/')[0];
  const hasHost = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : 'docker.io';
  const repository = hasHost ? rest : rest.includes('/') ? `docker.io/${rest}` : `docker.io/library/${rest}`;
  return { repository, host, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** A host file's identity for the digest (path, size, mtime: hashing 100 MB binaries at every start would be slow). */
function hostFileId(path: string): string {
  const st = statSync(path);
  return `host:${path}:${st.size}:${st.mtimeMs}`;
}

/** The digest of an image's content: its base template and its files (sorted by path). */
export function contentDigest(base: RegistryImage['base'], files: ImageFile[]): string {
  const canonical = JSON.stringify({ base, files: [...files].sort((a, b) => a.path.localeCompare(b.path)).map((f) => [f.path, f.mode ?? 0o644, f.uid ?? 0, f.gid ?? 0, f.hostPath ? hostFileId(f.hostPath) : f.content]) });
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

export class ImageRegistry implements ImageSource {
  private readonly byDigest = new Map<string, RegistryImage>();
  /** `repository:tag` → digest */
  private readonly tags = new Map<string, string>();
  /** `repository@digest` pushed */
  private readonly manifests = new Set<string>();

  /** @param hosts the registry hosts this registry serves (e.g. `fleet.local`). */
  constructor(readonly hosts: string[] = []) {}

  /** Pushes an image to `repository` and points `tags` at it (moving them away from any other digest). */
  push(repository: string, base: RegistryImage['base'], files: ImageFile[], tags: string[]): RegistryImage {
    const parsed = parseImageRef(repository);
    if (!this.hosts.includes(parsed.host)) throw new Error(`registry: ${repository} is not on a host of this registry (${this.hosts.join(', ')})`);
    const digest = contentDigest(base, files);
    const image = this.byDigest.get(digest) ?? { repository: parsed.repository, digest, base, files: files.map((f) => ({ ...f })) };
    this.byDigest.set(digest, image);
    this.manifests.add(`${parsed.repository}@${digest}`);
    for (const t of tags) this.tags.set(`${parsed.repository}:${t}`, digest);
    return image;
  }

  /** The tags of `repository` that point at `digest` now. */
  tagsOf(repository: string, digest: string): string[] {
    const prefix = `${parseImageRef(repository).repository}:`;
    return [...this.tags].filter(([k, d]) => d === digest && k.startsWith(prefix)).map(([k]) => k.slice(prefix.length));
  }

  /** Every image pushed, in push order. */
  list(): RegistryImage[] {
    return [...this.byDigest.values()];
  }

  pull(ref: string): PullResult | undefined {
    const p = parseImageRef(ref);
    if (!this.hosts.includes(p.host)) return undefined;
    const digest = p.digest ?? this.tags.get(`${p.repository}:${p.tag}`);
    if (digest && this.manifests.has(`${p.repository}@${digest}`)) {
      const image = this.byDigest.get(digest) as RegistryImage;
      // containerd's CRI reports the repo digest: `repository@sha256:…` (no docker-pullable:// prefix).
      return { image, imageID: `${p.repository}@${digest}` };
    }
    // containerd 1.7 through the CRI, as kubelet stores it (ErrImagePull's message).
    return { error: `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found` };
  }

  byImageID(imageID: string): RegistryImage | undefined {
    const m = /@(sha256:[0-9a-f]{64})$/.exec(imageID);
    return m ? this.byDigest.get(m[1]) : undefined;
  }
}
