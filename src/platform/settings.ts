/**
 * Every setting the extension reads, with its type and the default package.json declares (contributes.configuration).
 * Features read settings only through `Config`, so a renamed or retyped setting is a compile error, not a silent
 * `undefined`. test/unit/settings.test.ts checks this table against package.json. (No `vscode` import here, so it can.)
 */
export interface Settings {
  'auditor.path': string;
  resultsFolder: string;
  kubeconfig: string;
  'scan.preferredApproach': 'auto' | 'kubernetes-api' | 'debug-container' | 'sidecar';
  'debugContainer.image': string;
  'scan.concurrency': number;
  'api.qps': number;
  'api.burst': number;
  'transport.sessionMode': boolean;
  'authoring.runOnSave': boolean;
  'authoring.checkOnSave': boolean;
  'scan.useScannerIdentity': 'never' | 'ask' | 'always';
  'kubernetesTools.followKubeconfig': boolean;
  'history.retention': number;
  'history.runsShown': number;
  'watch.debounceSeconds': number;
  'scan.runner': 'local' | 'in-cluster';
  'inCluster.auditorImage': string;
  'inCluster.scannerNamespace': string;
  'inCluster.deadlineSeconds': number;
  'inCluster.ttlSecondsAfterFinished': number;
}

export type SettingKey = keyof Settings;

export const SETTING_DEFAULTS: { readonly [K in SettingKey]: Settings[K] } = {
  'auditor.path': '',
  resultsFolder: '',
  kubeconfig: '',
  'scan.preferredApproach': 'auto',
  'debugContainer.image': 'busybox:1.36.1-musl',
  'scan.concurrency': 2,
  'api.qps': 20,
  'api.burst': 40,
  'transport.sessionMode': false,
  'authoring.runOnSave': true,
  'authoring.checkOnSave': true,
  'scan.useScannerIdentity': 'ask',
  'kubernetesTools.followKubeconfig': true,
  'history.retention': 20,
  'history.runsShown': 5,
  'watch.debounceSeconds': 30,
  'scan.runner': 'local',
  'inCluster.auditorImage': '',
  'inCluster.scannerNamespace': '',
  'inCluster.deadlineSeconds': 1800,
  'inCluster.ttlSecondsAfterFinished': 600,
};

