import type { ComponentChildren } from 'preact';
import type { FormErrors } from './form-errors.js';
import type { View } from './view.js';

/** The summary on top of a refused form: announced to screen readers, linking to each field. */
export function ErrorSummary({ view, errors }: { view: View; errors: FormErrors }) {
  if (!errors.summary) return null;
  const fields = Object.entries(errors.fields);
  return (
    <div class="error-summary" role="alert" tabIndex={-1} id="error-summary">
      <h2>{view.t('form.errorsTitle')}</h2>
      <p>{errors.summary}</p>
      {fields.length > 0 && (
        <ul>{fields.map(([name, message]) => <li><a href={`#${fieldId(name)}`}>{message}</a></li>)}</ul>
      )}
    </div>
  );
}

export const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** The input attributes the forms use (a narrow set keeps the prop types simple). */
type InputAttributes = {
  type?: 'text' | 'email' | 'tel' | 'number' | 'password' | 'date' | 'datetime-local' | 'url' | 'search';
  autocomplete?: string; inputMode?: 'numeric' | 'tel' | 'email' | 'text'; min?: number | string; max?: number | string; step?: number | string;
  minLength?: number; maxLength?: number; placeholder?: string; list?: string; class?: string;
  autofocus?: boolean; autocapitalize?: 'off' | 'characters' | 'words'; spellcheck?: boolean;
};

/** "（必填）" in Chinese, "(required)" in English. */
const Marker = ({ view, required }: { view: View; required: boolean }) => {
  const word = view.t(required ? 'form.required' : 'form.optional');
  return <span class="marker">{view.lang === 'zh' ? `（${word}）` : `(${word})`}</span>;
};
type InputProps = InputAttributes & {
  view: View; name: string; label: string; errors: FormErrors; value?: string | number | null; hint?: string; required?: boolean;
  /** False for filters, which are all optional: no "(optional)" after every label. */
  marker?: boolean;
};

/** The ids that tie a control to its hint and its error. */
function partsOf(name: string, errors: FormErrors, hint?: string) {
  const id = fieldId(name);
  const error = errors.fields[name];
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return { id, error, describedBy, invalid: error ? 'true' as const : undefined };
}

/** What every labelled field shares: the label with its marker, then the hint and the error, then the control. */
function FieldFrame({ view, id, label, hint, error, required, marker, children }: {
  view: View; id: string; label: string; hint?: string; error?: string; required: boolean; marker: boolean; children: ComponentChildren;
}) {
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{label}{marker && <> <Marker view={view} required={required} /></>}</label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="error" id={`${id}-error`}>{error}</p>}
      {children}
    </div>
  );
}

/** A labelled input whose error (from the API, through the catalogue) is next to it and tied to it. */
export function Field({ view, name, label, errors, value, hint, required = false, marker = true, ...input }: InputProps) {
  const { id, error, describedBy, invalid } = partsOf(name, errors, hint);
  return (
    <FieldFrame view={view} id={id} label={label} hint={hint} error={error} required={required} marker={marker}>
      <input id={id} name={name} value={value ?? ''} required={required} aria-invalid={invalid} aria-describedby={describedBy} {...(input as object)} />
    </FieldFrame>
  );
}

type SelectProps = {
  view: View; name: string; label: string; errors: FormErrors; value?: string | null; required?: boolean; hint?: string;
  options: { value: string; label: string }[]; multiple?: boolean; values?: string[];
  /** The empty choice's words: "choose…" when required, "(none)" otherwise; a filter says "all". */
  emptyLabel?: string;
  marker?: boolean;
};

export function Select({ view, name, label, errors, value, required = false, hint, options, multiple = false, values = [], emptyLabel, marker = true }: SelectProps) {
  const { id, error, describedBy, invalid } = partsOf(name, errors, hint);
  const chosen = new Set(multiple ? values : [value ?? '']);
  return (
    <FieldFrame view={view} id={id} label={label} hint={hint} error={error} required={required} marker={marker}>
      <select id={id} name={name} required={required} multiple={multiple} aria-invalid={invalid} aria-describedby={describedBy}>
        {!multiple && <option value="">{emptyLabel ?? (required ? view.t('form.choose') : view.t('form.none'))}</option>}
        {options.map((o) => <option value={o.value} selected={chosen.has(o.value)}>{o.label}</option>)}
      </select>
    </FieldFrame>
  );
}

/** A labelled multi-line field, built like Field: the error between label and box, tied to it. */
export function TextArea({ view, name, label, errors, value, hint, required = false, rows = 6, maxLength }: {
  view: View; name: string; label: string; errors: FormErrors; value?: string; hint?: string; required?: boolean; rows?: number; maxLength?: number;
}) {
  const { id, error, describedBy, invalid } = partsOf(name, errors, hint);
  return (
    <FieldFrame view={view} id={id} label={label} hint={hint} error={error} required={required} marker>
      <textarea id={id} name={name} rows={rows} required={required} maxLength={maxLength} aria-invalid={invalid} aria-describedby={describedBy}>{value ?? ''}</textarea>
    </FieldFrame>
  );
}

/** One yes/no checkbox with its label beside it. */
export function Checkbox({ name, label, errors, value, hint }: { name: string; label: string; errors: FormErrors; value: boolean; hint?: string }) {
  const { id, error, describedBy } = partsOf(name, errors, hint);
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      {error && <p class="error" id={`${id}-error`}>{error}</p>}
      <div class="choice">
        <input type="checkbox" id={id} name={name} checked={value} aria-describedby={describedBy} />
        <label for={id}>{label}</label>
      </div>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}

/** A group of radio buttons or checkboxes under one legend, with its error. */
export function Choices({ view, name, legend, errors, type, options, values, required = false }: {
  view: View; name: string; legend: string; errors: FormErrors; type: 'radio' | 'checkbox'; required?: boolean;
  options: { value: string; label: ComponentChildren }[]; values: string[];
}) {
  const error = errors.fields[name];
  const id = fieldId(name);
  return (
    <fieldset class={`field${error ? ' has-error' : ''}`} id={id} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend} <Marker view={view} required={required} /></legend>
      {error && <p class="error" id={`${id}-error`}>{error}</p>}
      {options.map((o, i) => (
        <div class="choice">
          <input type={type} id={`${id}-${i}`} name={name} value={o.value} checked={values.includes(o.value)} required={required && type === 'radio'} />
          <label for={`${id}-${i}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  );
}

/** The hidden CSRF field every signed-in form carries; the API checks it. */
export const Csrf = ({ view }: { view: View }) => <input type="hidden" name="_csrf" value={view.csrf ?? ''} />;

/** A one-button form: publish, cancel, check in… (POST, never a link, so no crawler or prefetch triggers it). */
export function ActionButton({ view, action, label, danger = false, fields = {} }: { view: View; action: string; label: string; danger?: boolean; fields?: Record<string, string> }) {
  return (
    <form method="post" action={action} class="inline">
      <Csrf view={view} />
      {Object.entries(fields).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
      <button type="submit" class={danger ? 'danger' : 'secondary'}>{label}</button>
    </form>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ComponentChildren }) {
  return <div class={`notice ${kind}`} role={kind === 'info' ? undefined : 'status'}>{children}</div>;
}
