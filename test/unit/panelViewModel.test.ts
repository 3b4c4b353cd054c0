import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ControlStatus, PanelControl, Severity } from '../../src/protocol/messages';
import { buildIndex, buildRows, complianceBand, filterControls, parseQuery, sortControls, visibleWindow } from '../../webview/viewModel';

function control(key: number, id: string, status: ControlStatus, severity: Severity, extra: Partial<PanelControl> = {}): PanelControl {
  return {
    key,
    id,
    title: `title of ${id}`,
    profile: 'p',
    status,
    severity,
    impact: 0.5,
    file: 'controls/a.rb',
    nist: [],
    cci: [],
    tags: [],
    waived: false,
    resultCount: 0,
    ...extra,
  };
}

const controls: PanelControl[] = [
  control(0, 'V-10', 'Passed', 'medium', { nist: ['AC-6', 'AC-6(1)'], cci: ['CCI-000366'], file: 'controls/b.rb' }),
  control(1, 'V-9', 'Failed', 'high', { nist: ['AC-60'], title: 'SSH root login disabled' }),
  control(2, 'V-100', 'Profile Error', 'critical', { file: 'controls/b.rb', tags: [['gid', 'V-100']] }),
  control(3, 'V-2', 'Not Applicable', 'none', { nist: ['CM-6'] }),
  control(4, 'V-1', 'Not Reviewed', 'low', { cci: ['CCI-002165'] }),
];
const index = buildIndex(controls);
const natural = sortControls(controls, 'id');

test('Heimdall compliance bands: < 60 low, 60–89 medium, ≥ 90 high', () => {
  assert.equal(complianceBand(0), 'low');
  assert.equal(complianceBand(59.9), 'low');
  assert.equal(complianceBand(60), 'medium');
  assert.equal(complianceBand(89.99), 'medium');
  assert.equal(complianceBand(90), 'high');
  assert.equal(complianceBand(100), 'high');
});

test('ids sort naturally (V-2 before V-10 before V-100)', () => {
  assert.deepEqual(natural.map((k) => controls[k].id), ['V-1', 'V-2', 'V-9', 'V-10', 'V-100']);
  assert.deepEqual(sortControls(controls, 'id', true).map((k) => controls[k].id), ['V-100', 'V-10', 'V-9', 'V-2', 'V-1']);
});

test('status sort puts the most urgent first, severity sort critical first', () => {
  assert.deepEqual(sortControls(controls, 'status').map((k) => controls[k].status), ['Failed', 'Profile Error', 'Not Reviewed', 'Passed', 'Not Applicable']);
  assert.deepEqual(sortControls(controls, 'severity').map((k) => controls[k].severity), ['critical', 'high', 'medium', 'low', 'none']);
});

test('filters by status and severity sets (empty set = all)', () => {
  assert.equal(filterControls(controls, index, natural, {}).length, 5);
  assert.deepEqual(filterControls(controls, index, natural, { statuses: ['Failed', 'Profile Error'] }).map((k) => controls[k].id), ['V-9', 'V-100']);
  assert.deepEqual(filterControls(controls, index, natural, { severities: ['low', 'none'] }).map((k) => controls[k].id), ['V-1', 'V-2']);
  assert.deepEqual(filterControls(controls, index, natural, { statuses: ['Failed'], severities: ['critical'] }), []);
  assert.equal(filterControls(controls, index, natural, { statuses: [], severities: [] }).length, 5);
});

test('free text matches id, title and tags case-insensitively; every term must match', () => {
  assert.deepEqual(filterControls(controls, index, natural, { text: 'ssh ROOT' }).map((k) => controls[k].id), ['V-9']);
  assert.deepEqual(filterControls(controls, index, natural, { text: 'ssh missing' }), []);
  assert.deepEqual(filterControls(controls, index, natural, { text: 'cci-000366' }).map((k) => controls[k].id), ['V-10']);
});

test('nist: matches a control and its enhancements, not a longer number', () => {
  assert.deepEqual(filterControls(controls, index, natural, { text: 'nist:AC-6' }).map((k) => controls[k].id), ['V-10']);
  assert.deepEqual(filterControls(controls, index, natural, { text: 'nist:ac-6(1)' }).map((k) => controls[k].id), ['V-10']);
  assert.deepEqual(filterControls(controls, index, natural, { text: 'nist:AC-60' }).map((k) => controls[k].id), ['V-9']);
  assert.deepEqual(filterControls(controls, index, natural, { text: 'cci:CCI-002165' }).map((k) => controls[k].id), ['V-1']);
  assert.deepEqual(filterControls(controls, index, natural, { text: 'tag:gid=v-100' }).map((k) => controls[k].id), ['V-100']);
  assert.deepEqual(filterControls(controls, index, natural, { text: 'id:V-1' }).map((k) => controls[k].id), ['V-1', 'V-10', 'V-100']);
});

test('a bare field prefix with no value is ignored rather than matching the literal text', () => {
  assert.deepEqual(parseQuery('nist: foo'), [{ field: 'any', value: 'foo' }]);
  assert.deepEqual(parseQuery('  '), []);
});

test('grouping by file: a header per file in order of first appearance, collapsed groups hide their controls', () => {
  const keys = natural;
  const rows = buildRows(controls, keys, true);
  assert.deepEqual(
    rows.map((r) => (r.kind === 'group' ? `# ${r.file} ${r.count}/${r.failed}` : controls[r.key].id)),
    ['# controls/a.rb 3/1', 'V-1', 'V-2', 'V-9', '# controls/b.rb 2/1', 'V-10', 'V-100'],
  );
  const collapsed = buildRows(controls, keys, true, new Set(['controls/a.rb']));
  assert.deepEqual(collapsed.map((r) => (r.kind === 'group' ? `# ${r.file}` : controls[r.key].id)), ['# controls/a.rb', '# controls/b.rb', 'V-10', 'V-100']);
  assert.equal(buildRows(controls, keys, false).length, 5);
});

test('the virtual window covers the viewport plus overscan and stays inside the list', () => {
  assert.deepEqual(visibleWindow(0, 240, 24, 2000, 8), { start: 0, end: 19 });
  assert.deepEqual(visibleWindow(24 * 1000, 240, 24, 2000, 8), { start: 992, end: 1019 });
  assert.deepEqual(visibleWindow(24 * 1995, 240, 24, 2000, 8), { start: 1987, end: 2000 });
  assert.deepEqual(visibleWindow(0, 240, 24, 0, 8), { start: 0, end: 0 });
});

test('filtering 2,000 controls combines the text term with the status set', () => {
  const many: PanelControl[] = Array.from({ length: 2000 }, (_, i) =>
    control(i, `SV-${200000 + i}`, (['Passed', 'Failed', 'Not Reviewed', 'Not Applicable', 'Profile Error'] as const)[i % 5], (['critical', 'high', 'medium', 'low', 'none'] as const)[i % 5], {
      nist: [`AC-${i % 30}`],
      cci: [`CCI-${String(i).padStart(6, '0')}`],
      title: `The system must do thing-${i}x correctly`,
    }),
  );
  const idx = buildIndex(many);
  const ord = sortControls(many, 'status');
  const r = filterControls(many, idx, ord, { text: 'THING-19', statuses: ['Failed', 'Passed'] });
  // "thing-19x", "thing-190x".."thing-199x", "thing-1900x".."thing-1999x": 111 titles, of which i % 5 is 0 or 1 (Passed, Failed):
  // i = 19 → no; 190..199 → 190, 191, 195, 196; 1900..1999 → 40
  const expected = 4 + 40;
  assert.equal(r.length, expected);
});
