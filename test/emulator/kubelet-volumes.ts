// What the kubelet gives a container before it starts, for pods created through the API (the scenarios' seeded pods
// are left as they were: no token, no service env):
// - ConfigMap volumes: every key of `data` (text) and `binaryData` (bytes) as a file under the mountPath, mode
//   `defaultMode` (default 0644) (kubernetes/kubernetes pkg/volume/configmap/configmap.go); a ConfigMap that does not
//   exist (and is not `optional`) stops the container (the kubelet retries the mount and reports FailedMount; here the
//   container waits in CreateContainerConfigError with that message).
// - The service-account token, unless `automountServiceAccountToken: false` on the pod or its ServiceAccount
//   (plugin/pkg/admission/serviceaccount/admission.go adds the projected `kube-api-access-*` volume): `token` (a
//   bound token for the pod's ServiceAccount, 3607 s like the admission plugin's default), `ca.crt` (the cluster CA)
//   and `namespace`, at /var/run/secrets/kubernetes.io/serviceaccount — what in-cluster clients (client-go's
//   rest.InClusterConfig, so kubectl without a kubeconfig) read.
// - The `kubernetes` service's environment (pkg/kubelet/kubelet_pods.go getServiceEnvVarMap, always set, whatever
//   `enableServiceLinks` says): KUBERNETES_SERVICE_HOST/PORT point at the emulator's API server, which the pod reaches
//   at 127.0.0.1 (containers share the host's network namespace).
// The files are written into the container's writable layer (runtime/index.ts), not mounted: a container can change
// its copy, where a real ConfigMap volume is read-only.
import type { ContainerSetup, KObject, PodSetup } from './contract';
import type { Authenticator } from './rbac';
import type { Store } from './store';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const TOKEN_SECONDS = 3607;

export interface KubeletDeps {
  store: Store;
  authn: Authenticator;
  caPem: string;
  apiPort(): number;
  /** Pods the scenario seeded (left without kubelet additions). */
  seeded(namespace: string, name: string): boolean;
}

export function kubeletSetup(d: KubeletDeps): PodSetup {
  return (pod: KObject, container: string): ContainerSetup | undefined => {
    const ns: string = pod.metadata.namespace;
    if (d.seeded(ns, pod.metadata.name)) return undefined;
    const port = String(d.apiPort());
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port, KUBERNETES_SERVICE_PORT_HTTPS: port, KUBERNETES_PORT: `tcp://127.0.0.1:${port}`, KUBERNETES_PORT_443_TCP: `tcp://127.0.0.1:${port}`, KUBERNETES_PORT_443_TCP_PROTO: 'tcp', KUBERNETES_PORT_443_TCP_PORT: port, KUBERNETES_PORT_443_TCP_ADDR: '127.0.0.1' };
    const files: ContainerSetup['files'] = [];
    const spec: KObject = pod.spec ?? {};
    const ctr: KObject | undefined = (spec.containers ?? []).find((c: KObject) => c.name === container) ?? (spec.initContainers ?? []).find((c: KObject) => c.name === container);
    const mounts: KObject[] = ctr?.volumeMounts ?? [];
    for (const m of mounts) {
      const vol: KObject | undefined = (spec.volumes ?? []).find((v: KObject) => v.name === m.name);
      if (!vol?.configMap) continue;
      const cm = d.store.get('configmaps', ns, vol.configMap.name);
      if (!cm) {
        if (vol.configMap.optional) continue;
        throw new Error(`MountVolume.SetUp failed for volume "${m.name}" : configmap "${vol.configMap.name}" not found`);
      }
      const mode = vol.configMap.defaultMode ?? 0o644;
      for (const [k, v] of Object.entries<string>(cm.data ?? {})) files.push({ path: `${m.mountPath}/${k}`, content: v, mode });
      for (const [k, v] of Object.entries<string>(cm.binaryData ?? {})) files.push({ path: `${m.mountPath}/${k}`, content: Buffer.from(v, 'base64'), mode });
    }
    const saName: string = spec.serviceAccountName ?? 'default';
    const sa = d.store.get('serviceaccounts', ns, saName);
    const automount = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
    if (automount && !mounts.some((m) => m.mountPath === SA_DIR)) {
      if (!sa) throw new Error(`failed to fetch token: serviceaccounts "${saName}" not found`);
      const { token } = d.authn.issueServiceAccountToken(sa, TOKEN_SECONDS, []);
      files.push({ path: `${SA_DIR}/token`, content: token, mode: 0o644 }, { path: `${SA_DIR}/ca.crt`, content: d.caPem, mode: 0o644 }, { path: `${SA_DIR}/namespace`, content: ns, mode: 0o644 });
    }
    return { env, files };
  };
}
