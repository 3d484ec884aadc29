import { QUESTION_KINDS } from '../../../db/schema/index.js';
import { ActionButton, Choices, Csrf, Field, Select } from '../../components.js';
import type { FormErrors } from '../../form-errors.js';
import { localized, type View } from '../../view.js';
import { TextArea, eventHref } from './bits.js';
import type { Detail } from './detail-data.js';
import { listOf, textOf, type FormValues } from '../../form-values.js';

const kindLabel = (view: View, kind: string) => view.lookup(`adminEvents.question.kind.${kind}`) ?? kind;

/** The sign-up form's extra questions: listed with hidden ones, hidden or shown again, added. */
export function QuestionsSection({ view, detail, errors, values = {} }: { view: View; detail: Detail; errors: FormErrors; values?: FormValues }) {
  const { t } = view;
  const { event } = detail;
  const questions = detail.questions ?? [];
  const open = event.status !== 'cancelled';
  return (
    <section aria-labelledby="questions-heading">
      <h2 id="questions-heading">{t('adminEvents.question.title')}</h2>
      <p class="hint">{t('adminEvents.question.intro')}</p>
      {questions.length === 0 ? <p>{t('adminEvents.question.none')}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('adminEvents.question.label')}</th>
                <th scope="col">{t('adminEvents.question.kind')}</th>
                <th scope="col">{t('adminEvents.question.required')}</th>
                <th scope="col">{t('adminEvents.field.status')}</th>
                {open && <th scope="col">{t('adminEvents.col.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {questions.map((q) => {
                const label = localized(view, q.labelZh, q.labelEn);
                return (
                  <tr data-question-id={q.id}>
                    <th scope="row">
                      {label}
                      {q.options.length > 0 && <ul>{q.options.map((o) => <li>{localized(view, o.labelZh, o.labelEn)}</li>)}</ul>}
                    </th>
                    <td>{kindLabel(view, q.kind)}</td>
                    <td>{q.required ? t('adminEvents.yes') : t('adminEvents.no')}</td>
                    <td>{q.hidden ? t('adminEvents.question.hidden') : t('adminEvents.question.shown')}</td>
                    {open && (
                      <td>
                        <ActionButton view={view} action={eventHref(event.id, `/questions/${q.id}/${q.hidden ? 'show' : 'hide'}`)}
                          label={t(q.hidden ? 'adminEvents.question.show' : 'adminEvents.question.hide', { label })} />
                        {' '}
                        <ActionButton view={view} action={eventHref(event.id, `/questions/${q.id}/delete`)} label={t('adminEvents.question.delete', { label })} />
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {open && (
        <form method="post" action={eventHref(event.id, '/questions')} class="narrow">
          <Csrf view={view} />
          <h3>{t('adminEvents.question.addTitle')}</h3>
          <Select view={view} name="kind" label={t('adminEvents.question.kind')} value={textOf(values, 'kind')} errors={errors} required
            options={QUESTION_KINDS.map((k) => ({ value: k, label: kindLabel(view, k) }))} />
          <Field view={view} name="labelZh" label={t('adminEvents.question.labelZh')} value={textOf(values, 'labelZh')} errors={errors} maxLength={200} required />
          <Field view={view} name="labelEn" label={t('adminEvents.question.labelEn')} value={textOf(values, 'labelEn')} errors={errors} maxLength={200} />
          <TextArea view={view} name="options" label={t('adminEvents.question.options')} hint={t('adminEvents.question.optionsHint')} rows={4}
            value={textOf(values, 'options')} errors={errors} />
          <Choices view={view} name="required" legend={t('adminEvents.question.required')} type="checkbox" errors={errors} values={listOf(values, 'required')}
            options={[{ value: 'true', label: t('adminEvents.question.requiredBox') }]} />
          <button type="submit" class="secondary">{t('adminEvents.question.add')}</button>
        </form>
      )}
    </section>
  );
}

/**
 * Options typed one per line, "中文 | English": each gets a stable value from its line number,
 * which is what answers keep (labels may change later, values may not).
 */
export function questionBodyOf(form: FormValues): Record<string, unknown> {
  const options = textOf(form, 'options').split(/\r?\n/).map((line) => line.trim()).filter(Boolean).map((line, i) => {
    const [zh, en] = line.split(/\s*[|｜]\s*/);
    return { value: `o${i + 1}`, labelZh: zh ?? '', ...(en ? { labelEn: en } : {}) };
  });
  const labelEn = textOf(form, 'labelEn').trim();
  return {
    kind: textOf(form, 'kind') || undefined,
    labelZh: textOf(form, 'labelZh').trim() || undefined,
    ...(labelEn ? { labelEn } : {}),
    ...(options.length ? { options } : {}),
    required: listOf(form, 'required').includes('true'),
  };
}
