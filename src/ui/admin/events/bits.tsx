import type { ComponentChildren } from 'preact';
import type { EventResponse } from '../../../modules/events/events.schemas.js';
import type { ProblemBody } from '../../../lib/problems.js';
import { Csrf, fieldId, Notice } from '../../components.js';
import { formErrorsOf, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { localized, type View } from '../../view.js';

// Local pieces the shared components.tsx lacks (a textarea, a select with groups); see the report.

export { TextArea } from '../../components.js';

export type OptionGroup = { label: string; options: { value: string; label: string }[] };

/** A single choice among options in groups (plan → section → task). */
export function GroupedSelect({ view, name, label, errors, value, hint, groups }: {
  view: View; name: string; label: string; errors: FormErrors; value?: string; hint?: string; groups: OptionGroup[];
}) {
  const id = fieldId(name);
  const error = errors.fields[name];
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{label} <span class="marker">（{view.t('form.optional')}）</span></label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="error" id={`${id}-error`}>{error}</p>}
      <select id={id} name={name} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy}>
        <option value="">{view.t('form.none')}</option>
        {groups.map((g) => (
          <optgroup label={g.label}>
            {g.options.map((o) => <option value={o.value} selected={o.value === value}>{o.label}</option>)}
          </optgroup>
        ))}
      </select>
    </div>
  );
}

export const statusLabel = (view: View, status: string) => view.lookup(`adminEvents.status.${status}`) ?? status;
export const typeLabel = (view: View, type: string) => view.lookup(`adminEvents.type.${type}`) ?? type;
export const modeLabel = (view: View, mode: string) => view.lookup(`adminEvents.mode.${mode}`) ?? mode;

export const StatusBadge = ({ view, status }: { view: View; status: string }) => <span class={`badge ${status}`}>{statusLabel(view, status)}</span>;

export const eventTitle = (view: View, event: Pick<EventResponse, 'titleZh' | 'titleEn'>) => localized(view, event.titleZh, event.titleEn);
export const eventHref = (id: string, rest = '') => `/admin/events/${encodeURIComponent(id)}${rest}`;

/** The event's zone as people name it: Beijing time for the district's own zone, else its IANA name. */
export const zoneLabel = (view: View, zone: string) => (zone === 'Asia/Shanghai' ? view.t('adminEvents.zone.shanghai') : zone);

/** A reminder offset as people say it: "1 天前", "2 小时前", else minutes. */
export function reminderLabel(view: View, minutes: number): string {
  if (minutes % 1440 === 0) return view.t('adminEvents.reminder.days', { n: minutes / 1440 });
  if (minutes % 60 === 0) return view.t('adminEvents.reminder.hours', { n: minutes / 60 });
  return view.t('adminEvents.reminder.minutes', { n: minutes });
}

/**
 * Whether to offer the controls that change this event: admins, and organizers of its owning
 * unit. Only what is shown: the API decides what is done.
 */
export const mayChange = (view: View, event: Pick<EventResponse, 'ownerUnit'>) =>
  view.staff?.role === 'admin' || (view.staff?.role === 'organizer' && view.staff.unitIds.includes(event.ownerUnit.id));

/** The "what just happened" line of a page reached after a form (`?done=published`). */
export function DoneNotice({ view, done }: { view: View; done?: string }) {
  const text = done ? view.lookup(`adminEvents.done.${done}`) : undefined;
  return text ? <Notice kind="success">{text}</Notice> : null;
}

/** A refusal that leaves no page to return to (the event is not there or not the reader's). */
export function ProblemPage({ view, problem, back }: { view: View; problem: ProblemBody; back?: string }) {
  const { t } = view;
  const summary = problem.code === 'not_found' || /_not_found$/.test(problem.code)
    ? view.lookup(`problem.${problem.code}`) ?? t('problem.not_found')
    : formErrorsOf(view, problem).summary;
  return (
    <Layout view={view} title={t('adminEvents.problem.title')} admin>
      <h1>{t('adminEvents.problem.title')}</h1>
      <div class="error-summary" role="alert"><p>{summary}</p></div>
      <p><a href={back ?? '/admin/events'}>{back ? t('adminEvents.backToEvent') : t('adminEvents.backToList')}</a></p>
    </Layout>
  );
}

/** The step before an action that cannot be undone: what it does, one button, and a way back. */
export function ConfirmPage({ view, title, children, action, button, back, fields = {} }: {
  view: View; title: string; children: ComponentChildren; action: string; button: string; back: string; fields?: Record<string, string>;
}) {
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      {children}
      <form method="post" action={action} class="actions">
        <Csrf view={view} />
        {Object.entries(fields).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
        <button type="submit" class="danger">{button}</button>
        <a href={back}>{view.t('adminEvents.confirm.back')}</a>
      </form>
    </Layout>
  );
}
