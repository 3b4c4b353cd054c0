// The auditor image of the emulator's registry: `fleet.local/kube-compliance/cinc-auditor-double:test`, the stand-in
// for a CINC Auditor image with MITRE's train-k8s-container transport and kubectl (what an in-cluster scan Job runs,
// issue 16). It is the standard (Debian 12) template plus:
//   /usr/local/bin/cinc-auditor   runs the TEST DOUBLE (test/fixtures/test-double-auditor.mjs, MITRE transport style)
//   /usr/local/bin/kubectl        the real kubectl 1.33 (static), which the double drives like the real transport does
//   /usr/local/bin/node           the host's node, for the double (and libstdc++, which the Debian template lacks)
//   /usr/local/bin/gzip           the host's Debian gzip (the scan script compresses the report)
// Inside a pod, kubectl finds the API through the service-account token and KUBERNETES_SERVICE_* the kubelet gives
// the container (kubelet-volumes.ts): no kubeconfig, exactly as in a real cluster.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageFile } from './contract';
import { REGISTRY_HOST, type ImageRegistry } from './images';
import { KUBECTL_DIR } from './kubectl-util';

export const AUDITOR_DOUBLE_IMAGE = `${REGISTRY_HOST}/kube-compliance/cinc-auditor-double:test`;
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const LIB = '/usr/local/lib/kc-test-double';

function hostFile(path: string, hostPath: string, mode = 0o755): ImageFile {
  return { path, content: '', hostPath, mode };
}

/** The yaml package the double imports (its JavaScript only). */
function yamlPackage(): ImageFile[] {
  const root = join(repo, 'node_modules', 'yaml');
  const out: ImageFile[] = [];
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.js') || n.endsWith('.mjs')) out.push({ path: `/opt/kc-test-double/node_modules/yaml/${relative(root, p)}`, content: readFileSync(p, 'utf8') });
    }
  };
  walk(join(root, 'dist'));
  out.push({ path: '/opt/kc-test-double/node_modules/yaml/package.json', content: readFileSync(join(root, 'package.json'), 'utf8') });
  return out;
}

/** Pushes the image when the host has what it is made of (node, kubectl 1.33, gzip); returns its reference or undefined. */
export function pushAuditorDouble(registry: ImageRegistry): string | undefined {
  const node = process.execPath;
  const kubectl = join(KUBECTL_DIR, 'kubectl.1.33');
  const gzip = ['/usr/bin/gzip', '/bin/gzip'].find(existsSync);
  const libstdcxx = ['/usr/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libstdc++.so.6'].find(existsSync);
  if (!existsSync(kubectl) || !gzip || !libstdcxx || !existsSync(join(repo, 'node_modules', 'yaml'))) return undefined;
  const files: ImageFile[] = [
    hostFile('/usr/local/bin/node', node),
    hostFile('/usr/local/bin/kubectl', kubectl),
    hostFile('/usr/local/bin/gzip', gzip),
    hostFile(`${LIB}/libstdc++.so.6`, realpathSync(libstdcxx), 0o644),
    { path: '/opt/kc-test-double/auditor.mjs', content: readFileSync(join(repo, 'test', 'fixtures', 'test-double-auditor.mjs'), 'utf8') },
    ...yamlPackage(),
    {
      path: '/usr/local/bin/cinc-auditor',
      content: `#!/bin/sh\n# TEST DOUBLE of cinc-auditor (Kube Compliance's emulator image; see test/emulator/auditor-image.ts)\nLD_LIBRARY_PATH=${LIB} exec /usr/local/bin/node /opt/kc-test-double/auditor.mjs "$@"\n`,
      mode: 0o755,
    },
    { path: '/etc/kc-image', content: 'cinc-auditor TEST DOUBLE image of the Kube Compliance emulator (not CINC Auditor)\n' },
  ];
  registry.push(AUDITOR_DOUBLE_IMAGE.replace(/:test$/, ''), 'standard', files, ['test']);
  return AUDITOR_DOUBLE_IMAGE;
}
