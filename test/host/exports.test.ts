// Compliance exports from the panels in the real VS Code host: the results panel's "Checklist…" and
// "Attestations…" buttons (the panel's own `export` messages) and the fleet report's "Checklist…" button. Questions are
// answered through the confirmations service, as a user would pick them; expected values come from the fixtures
// (results-semantics §9) and SAF's hdf2ckl status mapping, not from running the code.
import * as assert from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { KubeComplianceApi } from '../../src/extension';
import type { ResultsView } from '../../src/features/results/resultsView';
import { activateExtension, waitFor } from './util';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const reports = join(fixtures, 'reports');

function tempDir(): string {
  const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'exports-'));
}

const statuses = (xml: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of xml.matchAll(/<STATUS>([^<]*)<\/STATUS>/g)) out[m[1]] = (out[m[1]] ?? 0) + 1;
  return out;
};

suite('compliance exports from the panels', () => {
  let api: KubeComplianceApi;

  suiteSetup(async () => {
    api = await activateExtension();
  });

  teardown(() => api.confirmations.answerWith(undefined));

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the results panel\'s Checklist… button: asks the format, offers "treat Profile Error as Open", writes the CKL beside the report', async () => {
    const dir = tempDir();
    const report = join(dir, 'stig.json');
    copyFileSync(join(reports, 'k8s-ubuntu-stig-train-v1.json'), report);
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: report });
    const view = await waitFor('the panel is ready', () => (api.results.panel.view?.isReady ? api.results.panel.view : undefined));
    const answers: Record<string, string> = { 'exports.format': 'ckl', 'exports.profileErrorAsOpen': 'open', 'exports.destination': 'suggested' };
    const asked: string[] = [];
    api.confirmations.answerWith((q) => {
      asked.push(q.id);
      return answers[q.id];
    });
    await (view as ResultsView).receive({ type: 'export', format: 'compliance' });
    assert.deepEqual(asked, ['exports.format', 'exports.profileErrorAsOpen', 'exports.destination']);
    const pe = api.confirmations.asked.find((q) => q.id === 'exports.profileErrorAsOpen');
    assert.match(pe?.title ?? '', /^11 control\(s\) are Profile Error in Heimdall/);
    assert.match(pe?.detail ?? '', /SV-260501/);
    const ckl = join(dir, 'stig.ckl');
    assert.ok(existsSync(ckl), 'written beside the report');
    // SAF: Open 30 (+ the 11 Profile Errors) · NotAFinding 31 · Not_Reviewed 10 · Not_Applicable 101
    assert.deepEqual(statuses(readFileSync(ckl, 'utf8')), { Not_Applicable: 101, NotAFinding: 31, Open: 41, Not_Reviewed: 10 });
  });

  test('Attestations… creates REPORT.attestations.yml for the Not Reviewed control; the next export applies it', async () => {
    const dir = tempDir();
    const report = join(dir, 'rhel8.json');
    copyFileSync(join(reports, 'rhel8-one-of-each-status.json'), report);
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: report });
    const view = await waitFor('the panel is ready', () => (api.results.panel.view?.isReady && api.results.panel.view.current?.path === report ? api.results.panel.view : undefined));
    await view.receive({ type: 'export', format: 'attestations' });
    const file = join(dir, 'rhel8.attestations.yml');
    const text = await waitFor('the attestations file', () => (existsSync(file) ? readFileSync(file, 'utf8') : undefined));
    assert.match(text, /# SV-230328: expires \d{4}-\d{2}-\d{2}\n- control_id: SV-230328\n/);
    assert.doesNotMatch(text, /control_id: SV-230222/, 'only Not Reviewed controls get a template');
    assert.ok(vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === file), 'opened for editing');
    // the user fills it in (status failed); the export applies it as saf attest apply does
    writeFileSync(file, text.replace(/status: passed/, 'status: failed').replace(/^( {2}(?:explanation|updated_by)): .*$/gm, '$1: checked by hand'));
    const r = await vscode.commands.executeCommand<{ files: string[]; notes: string[] }>('kubeCompliance.exportCompliance', { format: 'ckl', target: join(dir, 'out.ckl') });
    assert.deepEqual(statuses(readFileSync(r.files[0], 'utf8')), { NotAFinding: 1, Open: 2, Not_Applicable: 1 });
    assert.ok(r.notes.some((n) => /attestation applied to SV-230328 \(expires/.test(n)), r.notes.join('\n'));
  });

  test("the fleet report's Checklist… button: one checklist per container in a folder", async () => {
    const dir = tempDir();
    const item = (pod: string, report: string) => ({
      context: 'kind-demo',
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'web' },
      pod,
      container: 'app',
      outcome: 'done',
      imageDigest: `sha256:${pod}`,
      reportPath: join(reports, report),
    });
    const index = {
      kind: 'kube-compliance/fleet-index',
      schemaVersion: 1,
      createdAt: '2026-12-01T10:00:00Z',
      updatedAt: '2026-12-01T10:05:00Z',
      complete: true,
      profile: { location: '/profiles/rhel8', kind: 'folder', hash: `sha256:${'a'.repeat(64)}` },
      inputsHash: `sha256:${'b'.repeat(64)}`,
      dedupe: 'none',
      items: [item('web-1', 'rhel8-one-of-each-status.json'), item('web-2', 'k8s-ubuntu-stig-train-v2.json')],
    };
    const indexPath = join(dir, 'fleet-index.json');
    writeFileSync(indexPath, JSON.stringify(index));
    await api.fleet.showReport(indexPath);
    assert.match(api.fleet.panel.current?.html ?? '', /<button id="export"/);
    api.confirmations.answerWith((q) => ({ 'exports.format': 'cklb', 'exports.mode': 'per-container', 'exports.profileErrorAsOpen': 'saf', 'exports.destination': 'suggested' })[q.id]);
    await api.fleet.panel.receive({ type: 'export' });
    const out = join(dir, 'compliance-cklb');
    assert.deepEqual(readdirSync(out).sort(), ['shop_web-1_app.cklb', 'shop_web-2_app.cklb']);
    const doc = JSON.parse(readFileSync(join(out, 'shop_web-2_app.cklb'), 'utf8')) as { target_data: { comments: string }; stigs: Array<{ rules: Array<{ status: string }> }> };
    assert.match(doc.target_data.comments, /sha256:web-2/);
    // v2 kept SAF's statuses ("saf"): 12 NR + 11 result-less = 23 not_reviewed
    assert.equal(doc.stigs[0].rules.filter((r) => r.status === 'not_reviewed').length, 23);
  });
});
