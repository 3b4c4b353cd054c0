/**
 * One place that owns the loaded kubeconfig and, per context, one ClusterClient (one rate limiter), one
 * ClusterModel and one Classifier (probe and RBAC caches). The explorer, the scan and the access features share it.
 */
import { Classifier, clientBackend } from './classify';
import { ClusterClient, listContexts, loadDefaultKubeconfig, type ClusterClientOptions, type ContextInfo, type KubeconfigLoad } from './client';
import { ClusterModel } from './model';

export interface ContextServices {
  readonly client: ClusterClient;
  readonly model: ClusterModel;
  readonly classifier: Classifier;
}

export interface PoolSettings {
  /** `kubeCompliance.kubeconfig` (empty: KUBECONFIG / ~/.kube/config). */
  readonly kubeconfig?: string;
  readonly qps?: number;
  readonly burst?: number;
  readonly timeoutMs?: number;
}

export class ClusterPool {
  private loaded: KubeconfigLoad | undefined;
  private readonly services = new Map<string, ContextServices>();

  constructor(
    private settings: PoolSettings = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The merged kubeconfig (loaded on first use). */
  get kubeconfig(): KubeconfigLoad {
    if (!this.loaded) this.loaded = loadDefaultKubeconfig(this.settings.kubeconfig || undefined, this.env);
    return this.loaded;
  }

  contexts(): ContextInfo[] {
    return listContexts(this.kubeconfig);
  }

  /** Client, model and classifier of a context (default: the kubeconfig's current context). Throws KubeError `config`. */
  get(context?: string): ContextServices {
    const name = context ?? this.kubeconfig.currentContext ?? '';
    let s = this.services.get(name);
    if (!s) {
      const opts: ClusterClientOptions = { qps: this.settings.qps, burst: this.settings.burst, timeoutMs: this.settings.timeoutMs };
      const client = ClusterClient.forContext(this.kubeconfig, context, opts);
      s = { client, model: new ClusterModel(client), classifier: new Classifier(clientBackend(client)) };
      this.services.set(client.contextName, s);
    }
    return s;
  }

  client(context?: string): ClusterClient {
    return this.get(context).client;
  }

  /** Re-reads the kubeconfig and drops every client (their watches stop). */
  reload(settings?: PoolSettings): void {
    if (settings) this.settings = settings;
    this.loaded = undefined;
    this.disposeServices();
  }

  private disposeServices(): void {
    for (const s of this.services.values()) s.client.dispose();
    this.services.clear();
  }

  dispose(): void {
    this.disposeServices();
  }
}
