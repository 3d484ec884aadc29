import type { ComponentChildren } from 'preact';
import type { View } from '../../view.js';
import { formatFigure, type FigureFormat } from './format.js';

/**
 * Charts drawn on the server as inline SVG: no script, nothing to load, and they print and
 * project as sharply as the text. Sizes are in viewBox units; the SVG spans the page's width
 * (about 1,100 px on a desktop), so a unit is about a pixel and no text is under 18 of them.
 * Every chart has its figures in a table beside it for readers who cannot see it.
 */

export type Bar = { key: string; label: string; value: number | null; previous?: number | null };
/** The legend's names of the two series (the campaigns' years); no previous: one series. */
export type Series = { current: string; previous?: string | null };
/** Themed days of one month (1–12), for the month chart's markers. */
export type MonthMarker = { month: number; names: string[] };

type ChartProps = { view: View; id: string; title: string; bars: Bar[]; series: Series; format?: FigureFormat };

const FONT = 20;
const LEGEND_H = 40;

/** A Chinese character is about one em wide, a Latin letter or digit about 0.6. */
export const textWidth = (text: string, size: number) => [...text].reduce((sum, c) => sum + (/[\u2E80-\uFFFF]/.test(c) ? 1 : 0.6), 0) * size;

function clip(text: string, width: number, size: number) {
  if (textWidth(text, size) <= width) return text;
  const chars = [...text];
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, size) > width) chars.pop();
  return `${chars.join('')}…`;
}

const hasPrevious = (series: Series, bars: Bar[]) => Boolean(series.previous) && bars.some((b) => b.previous !== undefined);
const scaleMax = (bars: Bar[], format: FigureFormat) =>
  format === 'percent' ? 1 : Math.max(1, ...bars.flatMap((b) => [b.value ?? 0, b.previous ?? 0]));

function Legend({ series, x }: { series: Series; x: number }) {
  return (
    <g class="chart-legend" transform={`translate(${x} 8)`}>
      <rect class="bar-current" x="0" y="2" width="24" height="24" />
      <text x="32" y="22" class="chart-text">{series.current}</text>
      <rect class="bar-previous" x={56 + textWidth(series.current, FONT)} y="3" width="22" height="22" />
      <text x={88 + textWidth(series.current, FONT)} y="22" class="chart-text">{series.previous}</text>
    </g>
  );
}
const legendWidth = (series: Series) => 96 + textWidth(series.current, FONT) + textWidth(series.previous ?? '', FONT);

/** Events per month: twelve columns, last year's beside this year's, themed days flagged above their months. */
export function MonthChart({ view, id, title, bars, series, markers = [], format = 'count' }: ChartProps & { markers?: MonthMarker[] }) {
  const W = 1200;
  const both = hasPrevious(series, bars);
  const top = (both ? LEGEND_H : 0) + 56;
  const plotH = 300;
  const left = 16;
  const colW = (W - left * 2) / bars.length;
  const barW = both ? colW * 0.38 : colW * 0.6;
  const max = scaleMax(bars, format);
  // Room above the tallest bar for its label, twice over when two labels may have to stack.
  const base = top + (both ? 50 : 28) + plotH;
  const H = base + 44;
  const height = (v: number | null | undefined) => (v ? (v / max) * plotH : 0);
  return (
    <svg class="chart" role="img" aria-labelledby={`${id}-title`} viewBox={`0 0 ${W} ${H}`} width="100%" data-chart="month">
      <title id={`${id}-title`}>{title}</title>
      {both && <Legend series={series} x={W - legendWidth(series)} />}
      {markers.map((m) => {
        const cx = left + colW * (m.month - 0.5);
        const y = top - 56;
        return (
          <g class="chart-marker" data-month={m.month}>
            <title>{m.names.join(view.lang === 'zh' ? '、' : ', ')}</title>
            <path d={`M ${cx - 14} ${y + 4} h 28 l -14 18 z`} />
            <text x={cx} y={y + 44} text-anchor="middle" class="chart-text marker-count">{`★${m.names.length}`}</text>
          </g>
        );
      })}
      {bars.map((b, i) => {
        const x0 = left + colW * i;
        const cx = x0 + colW / 2;
        const cur = height(b.value);
        const prev = height(b.previous);
        const curX = both ? cx + 2 : cx - barW / 2;
        const curText = formatFigure(view, b.value, format);
        const prevText = formatFigure(view, b.previous, format);
        let curY = base - cur - 8;
        let prevY = base - prev - 8;
        // Two wide labels at about the same height would overlap: the taller bar's goes up a line.
        const clash = both && b.previous != null && (textWidth(curText, FONT) + textWidth(prevText, FONT)) / 2 > barW + 4 && Math.abs(curY - prevY) < 22;
        if (clash && cur >= prev) curY = prevY - 22;
        else if (clash) prevY = curY - 22;
        return (
          <g data-key={b.key}>
            {both && b.previous != null && (
              <>
                <rect class="bar-previous" data-bar="previous" data-value={b.previous} x={cx - barW - 2} y={base - prev} width={barW} height={prev} />
                <text x={cx - barW / 2 - 2} y={prevY} text-anchor="middle" class="chart-text chart-prev-value">{prevText}</text>
              </>
            )}
            <rect class="bar-current" data-bar="current" data-value={b.value ?? undefined} x={curX} y={base - cur} width={barW} height={cur} />
            <text x={curX + barW / 2} y={curY} text-anchor="middle" class="chart-text chart-value">{curText}</text>
            <text x={cx} y={base + 32} text-anchor="middle" class="chart-text">{b.label}</text>
          </g>
        );
      })}
      <line x1={left} x2={W - left} y1={base} y2={base} class="chart-axis" />
    </svg>
  );
}

/** One row per group (audience, town, unit), longest bar to the right; last year's as a thinner, lighter bar under it. */
export function HorizontalBarChart({ view, id, title, bars, series, format = 'count' }: ChartProps) {
  const W = 1200;
  const both = hasPrevious(series, bars);
  const labelW = Math.min(360, Math.max(80, ...bars.map((b) => textWidth(b.label, FONT)))) + 16;
  const valueW = 130;
  const plotW = W - labelW - valueW;
  const rowH = both ? 64 : 44;
  const top = both ? LEGEND_H + 8 : 8;
  const H = top + rowH * bars.length + 8;
  const max = scaleMax(bars, format);
  const length = (v: number | null | undefined) => (v ? (v / max) * plotW : 0);
  return (
    <svg class="chart" role="img" aria-labelledby={`${id}-title`} viewBox={`0 0 ${W} ${H}`} width="100%" data-chart="bars">
      <title id={`${id}-title`}>{title}</title>
      {both && <Legend series={series} x={W - legendWidth(series)} />}
      {bars.map((b, i) => {
        const y = top + rowH * i;
        const cur = length(b.value);
        const prev = length(b.previous);
        return (
          <g data-key={b.key}>
            <text x={labelW - 16} y={y + 26} text-anchor="end" class="chart-text">
              {b.label !== clip(b.label, 360, FONT) && <title>{b.label}</title>}
              {clip(b.label, 360, FONT)}
            </text>
            <rect class="bar-current" data-bar="current" data-value={b.value ?? undefined} x={labelW} y={y + 6} width={cur} height="30" />
            <text x={labelW + cur + 8} y={y + 28} class="chart-text chart-value">{formatFigure(view, b.value, format)}</text>
            {both && b.previous != null && (
              <>
                <rect class="bar-previous" data-bar="previous" data-value={b.previous} x={labelW} y={y + 40} width={prev} height="16" />
                <text x={labelW + prev + 8} y={y + 56} class="chart-text chart-prev-value">{formatFigure(view, b.previous, format)}</text>
              </>
            )}
          </g>
        );
      })}
      <line x1={labelW} x2={labelW} y1={top} y2={H - 8} class="chart-axis" />
    </svg>
  );
}

/** A chart with its heading, notes and the table of its figures (open on demand, always in the page). */
export function ChartFigure({ view, id, title, bars, series, format = 'count', dimension, children, notes }: ChartProps & { dimension: string; children: ComponentChildren; notes?: ComponentChildren }) {
  const { t } = view;
  const both = hasPrevious(series, bars);
  return (
    <section class="chart-figure" id={id} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{title}</h3>
      {children}
      {notes}
      <details class="chart-data">
        <summary>{t('adminReports.chart.table', { chart: title })}</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{dimension}</th>
                <th scope="col">{series.current}</th>
                {both && <th scope="col">{series.previous}</th>}
              </tr>
            </thead>
            <tbody>
              {bars.map((b) => (
                <tr>
                  <th scope="row">{b.label}</th>
                  <td>{formatFigure(view, b.value, format)}</td>
                  {both && <td>{formatFigure(view, b.previous ?? null, format)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
