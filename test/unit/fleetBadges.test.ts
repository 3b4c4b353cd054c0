import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ageText, badgeKey, badgeText, badgeTooltip, rollupBadges, type ComplianceBadge } from '../../src/core/fleet/badges';

const counts = (Passed: number, Failed: number, err = 0, nr = 0, na = 0) => ({ Passed, Failed, 'Profile Error': err, 'Not Reviewed': nr, 'Not Applicable': na });
const b = (at: string, c: ComplianceBadge['byStatus']): ComplianceBadge => ({ at, byStatus: c });

test('a rollup sums the containers\' Heimdall counts; compliance = passed / (passed + failed + not reviewed + profile error)', () => {
  const r = rollupBadges([b('2026-12-05T10:00:00Z', counts(6, 2, 1, 0, 1)), b('2026-12-05T12:00:00Z', counts(3, 0, 0, 1))])!;
  assert.equal(r.containers, 2);
  assert.deepEqual(r.byStatus, counts(9, 2, 1, 1, 1));
  assert.equal(r.compliance, Math.round((100 * 9) / 13));
  assert.equal(r.band, 'medium');
  assert.equal(r.oldest, '2026-12-05T10:00:00Z', 'a rollup is as old as its oldest result');
  assert.equal(r.newest, '2026-12-05T12:00:00Z');
  assert.equal(rollupBadges([]), undefined);
});

test('age and description: one container vs a rollup', () => {
  const now = new Date('2026-12-05T12:00:00Z');
  assert.equal(ageText('2026-12-05T11:59:30Z', now), 'just now');
  assert.equal(ageText('2026-12-05T11:55:00Z', now), '5 min ago');
  assert.equal(ageText('2026-12-05T09:00:00Z', now), '3 h ago');
  assert.equal(ageText('2026-12-03T12:00:00Z', now), '2 d ago');
  assert.equal(badgeText(rollupBadges([b('2026-12-05T11:55:00Z', counts(3, 1))])!, now), '75% · 5 min ago');
  const two = rollupBadges([b('2026-12-05T09:00:00Z', counts(1, 1)), b('2026-12-05T11:55:00Z', counts(1, 0))])!;
  assert.equal(badgeText(two, now), '67% of 2 · 3 h ago');
  assert.match(badgeTooltip(two, now), /Scanned between 3 h ago and 5 min ago/);
  assert.equal(badgeKey({ context: 'c', namespace: 'n', pod: 'p', container: 'x' }), 'c/n/p/x');
});
