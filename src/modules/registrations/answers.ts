import type { eventQuestions } from '../../db/schema/index.js';
import { fieldError, type FieldProblem } from '../../lib/problems.js';

type Question = Pick<typeof eventQuestions.$inferSelect, 'id' | 'kind' | 'labelZh' | 'options' | 'required'>;

/** Checks answers against the event's visible questions; returns them in a storable form. */
export function checkAnswers(questions: Question[], answers: Record<string, unknown>, errors: FieldProblem[]) {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const accepted: { questionId: string; value: unknown }[] = [];
  for (const id of Object.keys(answers)) {
    if (!byId.has(id)) errors.push(fieldError(`/answers/${id}`, 'is not a question of this event'));
  }
  for (const question of questions) {
    const pointer = `/answers/${question.id}`;
    const value = answers[question.id];
    const blank = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
    if (blank) {
      if (question.required) errors.push(fieldError(pointer, `is required: ${question.labelZh}`, 'required'));
      continue;
    }
    const options = new Set(question.options.map((o) => o.value));
    const ok = question.kind === 'text' ? typeof value === 'string'
      : question.kind === 'yes_no' ? typeof value === 'boolean'
        : question.kind === 'choice' ? typeof value === 'string' && options.has(value)
          : Array.isArray(value) && value.every((v) => options.has(v)) && new Set(value).size === value.length;
    if (!ok) {
      const expected = question.kind === 'text' ? 'a text' : question.kind === 'yes_no' ? 'true or false'
        : `${question.kind === 'choice' ? 'one' : 'a list'} of ${[...options].join(', ')}`;
      errors.push(fieldError(pointer, `must be ${expected}`));
      continue;
    }
    accepted.push({ questionId: question.id, value: typeof value === 'string' ? value.trim() : value });
  }
  return accepted;
}
