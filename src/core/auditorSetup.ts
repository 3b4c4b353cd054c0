/** Install guidance for the auditor and its Kubernetes transport, in words a user can follow. */
export const AUDITOR_SETUP_MARKDOWN = `# Installing an auditor for Kube Compliance

Scanning needs **CINC Auditor** (\`cinc-auditor\`, the community build) or **Chef InSpec** (\`inspec\`), plus the
Kubernetes container transport plugin. Browsing clusters and reading reports work without them.

## 1. The auditor

- CINC Auditor: \`curl -L https://omnitruck.cinc.sh/install.sh | sudo bash -s -- -P cinc-auditor\`
- or Chef InSpec: see https://docs.chef.io/inspec/install/ (needs \`CHEF_LICENSE\`, Kube Compliance asks you once).

## 2. The transport plugin

\`\`\`sh
cinc-auditor plugin install train-k8s-container-mitre   # or: inspec plugin install train-k8s-container-mitre
cinc-auditor plugin list                                # should list train-k8s-container-mitre
\`\`\`

The maintained gem is MITRE's \`train-k8s-container-mitre\` (its transport is still called \`k8s-container\`).
\`train-k8s-container\` was never published as a gem, so \`plugin install train-k8s-container\` fails.

## 3. kubectl

The transport runs \`kubectl exec\`, so \`kubectl\` must be on \`PATH\`.

If the auditor is not on \`PATH\`, set **kubeCompliance.auditor.path** to its full path.
`;
