// One set of result types: the panel protocol re-exports the results model's, with one severity order.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { severityRank } from '../../src/core/results/summary';
import * as model from '../../src/core/results/types';
import * as protocol from '../../src/protocol/messages';

test('the protocol\'s CONTROL_STATUSES and SEVERITIES are the results model\'s own lists', () => {
  assert.equal(protocol.CONTROL_STATUSES, model.CONTROL_STATUSES);
  assert.equal(protocol.SEVERITIES, model.SEVERITIES);
  // a value typed with the model's types is a protocol value and back (compile-time check)
  const s: protocol.Severity = 'critical' satisfies model.Severity;
  const c: model.ControlStatus = 'Profile Error' satisfies protocol.ControlStatus;
  const r: protocol.ResultStatus = 'no_status' satisfies model.ResultStatus;
  assert.deepEqual([s, c, r], ['critical', 'Profile Error', 'no_status']);
});

test('SEVERITIES is most severe first (the panel\'s chips and filter, the Markdown columns); SEVERITIES_ASCENDING is its reverse', () => {
  assert.deepEqual(model.SEVERITIES, ['critical', 'high', 'medium', 'low', 'none']);
  assert.deepEqual(model.SEVERITIES_ASCENDING, ['none', 'low', 'medium', 'high', 'critical']);
  assert.deepEqual(model.CONTROL_STATUSES, ['Passed', 'Failed', 'Not Applicable', 'Not Reviewed', 'Profile Error']);
});

test('severityRank still ranks none 0 … critical 4', () => {
  assert.deepEqual(['none', 'low', 'medium', 'high', 'critical'].map((s) => severityRank(s as model.Severity)), [0, 1, 2, 3, 4]);
});

test('the panel filter accepts every severity and status, and nothing else', () => {
  assert.ok(protocol.isPanelFilter({ severities: [...model.SEVERITIES], statuses: [...model.CONTROL_STATUSES] }));
  assert.ok(!protocol.isPanelFilter({ severities: ['severe'] }));
  assert.ok(!protocol.isPanelFilter({ statuses: ['passed'] }));
});
