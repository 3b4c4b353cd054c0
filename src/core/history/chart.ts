/**
 * The compliance-over-time chart's geometry (pure, so it is unit-tested): a 0–100 % y axis with grid lines at 0, 50
 * and 100, one x position per run in time order (evenly spaced: scans are irregular, and even spacing keeps every
 * point readable), the line through the points, and each point's label for its tooltip and the text alternative.
 */
import type { TimelinePoint } from './timeline';

export interface ChartGeometry {
  readonly width: number;
  readonly height: number;
  /** SVG path `d` of the line (empty with no point). */
  readonly path: string;
  readonly dots: ReadonlyArray<{ readonly x: number; readonly y: number; readonly compliance: number; readonly at: string; readonly runId: string; readonly label: string }>;
  readonly yTicks: ReadonlyArray<{ readonly y: number; readonly label: string }>;
  /** The first and last run's dates, under the axis. */
  readonly xLabels: ReadonlyArray<{ readonly x: number; readonly label: string; readonly anchor: 'start' | 'end' | 'middle' }>;
}

export function chartGeometry(points: readonly TimelinePoint[], o: { width?: number; height?: number } = {}): ChartGeometry {
  const width = o.width ?? 640;
  const height = o.height ?? 200;
  const left = 44;
  const right = 16;
  const top = 12;
  const bottom = 28;
  const w = width - left - right;
  const h = height - top - bottom;
  const y = (pct: number) => Math.round((top + h - (h * Math.min(100, Math.max(0, pct))) / 100) * 10) / 10;
  const x = (i: number) => Math.round((points.length <= 1 ? left + w / 2 : left + (w * i) / (points.length - 1)) * 10) / 10;
  const dots = points.map((p, i) => ({
    x: x(i),
    y: y(p.exact),
    compliance: p.compliance,
    at: p.at,
    runId: p.runId,
    label: `${p.at.slice(0, 16).replace('T', ' ')} UTC: ${p.compliance}% (${p.byStatus.Passed} passed, ${p.byStatus.Failed} failed${p.targets > 1 ? `, ${p.targets} targets` : ''})`,
  }));
  const path = dots.map((d, i) => `${i ? 'L' : 'M'}${d.x} ${d.y}`).join(' ');
  const day = (at: string) => at.slice(0, 10);
  const xLabels: ChartGeometry['xLabels'] =
    dots.length === 0 ? [] : dots.length === 1 ? [{ x: dots[0].x, label: day(dots[0].at), anchor: 'middle' }] : [{ x: dots[0].x, label: day(dots[0].at), anchor: 'start' }, { x: dots[dots.length - 1].x, label: day(dots[dots.length - 1].at), anchor: 'end' }];
  return { width, height, path, dots, yTicks: [0, 50, 100].map((v) => ({ y: y(v), label: `${v}%` })), xLabels };
}
