import type { View } from '../../view.js';

export type FigureFormat = 'count' | 'percent';

/** 12,345 or 87.5%; a rate with nothing to divide by (no seats, no sign-ups) is a dash, not 0%. */
export function formatFigure(view: Pick<View, 'lang'>, value: number | null | undefined, format: FigureFormat = 'count'): string {
  if (value === null || value === undefined) return '—';
  if (format === 'percent') return `${(value * 100).toFixed(1)}%`;
  return value.toLocaleString(view.lang === 'zh' ? 'zh-CN' : 'en-GB');
}

/**
 * This year against last: counts as a relative change (+12.5%), rates as the difference in
 * percentage points (a rate going from 40% to 50% is +10 points, not +25%). Null when there
 * is nothing to compare with (no previous year, or zero last year).
 */
export function changeOf(current: number | null, previous: number | null | undefined, format: FigureFormat): number | null {
  if (current === null || previous === null || previous === undefined) return null;
  if (format === 'percent') return current - previous;
  return previous === 0 ? null : (current - previous) / previous;
}

export function formatChange(view: View, change: number | null, format: FigureFormat): string {
  if (change === null) return '—';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  const size = Math.abs(change * 100).toFixed(1);
  return format === 'percent' ? view.t('adminReports.change.points', { change: `${sign}${size}` }) : `${sign}${size}%`;
}
