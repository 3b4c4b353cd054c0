/** Access (issue 8): RBAC preflight and the least-privilege, short-lived scanner identity. vscode-free. */
export * from './requirements';
export * from './identity';
export * from './kubeconfig';
export * from './preflight';
export * from './records';
