import { DateTime } from 'luxon';
import type { DatedRule, ObservanceRule } from '../../../modules/observances/rule-types.js';
import type { View } from '../../view.js';

const locale = (view: View) => (view.lang === 'zh' ? 'zh-CN' : 'en-GB');
const monthName = (view: View, month: number) => DateTime.utc(2000, month, 1).setLocale(locale(view)).toFormat('LLLL');
const weekdayName = (view: View, weekday: number) => DateTime.utc(2024, 1, weekday).setLocale(locale(view)).toFormat('cccc'); // 2024-01-01 was a Monday
const monthDay = (view: View, month: number, day: number) => (view.lang === 'zh' ? `${month}月${day}日` : `${day} ${monthName(view, month)}`);

function describeDated(view: View, rule: DatedRule): string {
  const { t } = view;
  switch (rule.kind) {
    case 'fixed_date': return t('adminSettings.rule.fixedDate', { date: monthDay(view, rule.month, rule.day) });
    case 'fixed_range': return t('adminSettings.rule.fixedRange', { start: monthDay(view, rule.start.month, rule.start.day), end: monthDay(view, rule.end.month, rule.end.day) });
    case 'nth_weekday': {
      const nth = view.lookup(`adminSettings.rule.nth.${rule.nth}`) ?? String(rule.nth);
      const text = t('adminSettings.rule.nthWeekday', { month: monthName(view, rule.month), nth, weekday: weekdayName(view, rule.weekday) });
      return rule.days && rule.days > 1 ? `${text}${t('adminSettings.rule.forDays', { days: rule.days })}` : text;
    }
    case 'whole_month': return t('adminSettings.rule.wholeMonth', { month: monthName(view, rule.month) });
    case 'week_containing': return t('adminSettings.rule.weekContaining', { date: monthDay(view, rule.month, rule.day) });
  }
}

/** A rule as a sentence: "每年 4月22日", "Every year, the second Saturday of June". */
export function describeRule(view: View, rule: ObservanceRule): string {
  if (rule.kind !== 'announced') return describeDated(view, rule);
  return rule.fallback
    ? view.t('adminSettings.rule.announcedWithFallback', { fallback: describeDated(view, rule.fallback) })
    : view.t('adminSettings.rule.announced');
}

/** The years a rule is valid for: "2025年起", "until 2024", "always". */
export function describeYears(view: View, from: number | null, to: number | null): string {
  if (from !== null && to !== null) return view.t('adminSettings.rule.yearsBetween', { from, to });
  if (from !== null) return view.t('adminSettings.rule.yearsFrom', { from });
  if (to !== null) return view.t('adminSettings.rule.yearsTo', { to });
  return view.t('adminSettings.rule.yearsAlways');
}
