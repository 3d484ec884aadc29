import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.js';
import { eventQuestions, events, registrationAnswers, type QuestionKind, type QuestionOption } from '../../db/schema/index.js';
import { conflict, fieldError, notFound, unprocessable, type FieldProblem } from '../../lib/problems.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { CreateQuestionBody, QuestionResponse, UpdateQuestionBody } from './registrations.schemas.js';

type QuestionRow = typeof eventQuestions.$inferSelect;
/** Stored with every field present, so the event document and exports never meet a missing key. */
const storedOptions = (options: QuestionOption[]) => options.map((o) => ({ value: o.value, labelZh: o.labelZh, labelEn: o.labelEn ?? null }));
const toResponse = (q: QuestionRow): QuestionResponse => ({
  id: q.id, position: q.position, kind: q.kind, labelZh: q.labelZh, labelEn: q.labelEn, options: q.options, required: q.required, hidden: q.hidden,
});

function checkOptions(kind: QuestionKind, options: QuestionOption[], errors: FieldProblem[]) {
  const choosing = kind === 'choice' || kind === 'choices';
  if (choosing && options.length < 2) errors.push(fieldError('/options', 'a choice needs at least two options'));
  if (!choosing && options.length > 0) errors.push(fieldError('/options', `a ${kind} question has no options`));
  const values = options.map((o) => o.value);
  if (new Set(values).size !== values.length) errors.push(fieldError('/options', 'option values must differ'));
}

/** An event's extra questions; `afterChange` lets the sign-up side drop what it cached of the event. Once answered, a question keeps its kind and its options' values, so answers keep their meaning. */
export function createQuestionsService({ db, afterChange }: { db: Database; afterChange: (eventId: string) => void }) {
  async function ownerOf(tx: Executor, eventId: string) {
    const [event] = await tx.select({ ownerUnitId: events.ownerUnitId }).from(events).where(eq(events.id, eventId));
    if (!event) throw notFound('event', eventId);
    return event.ownerUnitId;
  }
  async function find(tx: Executor, eventId: string, questionId: string) {
    const [row] = await tx.select().from(eventQuestions).where(and(eq(eventQuestions.id, questionId), eq(eventQuestions.eventId, eventId))).for('no key update');
    if (!row) throw notFound('question', questionId);
    return row;
  }
  const answered = async (tx: Executor, questionId: string) =>
    (await tx.select({ n: sql<number>`count(*)::int` }).from(registrationAnswers).where(eq(registrationAnswers.questionId, questionId)))[0]!.n > 0;

  return {
    async list(eventId: string): Promise<QuestionResponse[]> {
      await ownerOf(db, eventId);
      const rows = await db.select().from(eventQuestions).where(eq(eventQuestions.eventId, eventId)).orderBy(asc(eventQuestions.position), asc(eventQuestions.createdAt));
      return rows.map(toResponse);
    },

    async create(eventId: string, body: CreateQuestionBody, actor: Actor): Promise<QuestionResponse> {
      const errors: FieldProblem[] = [];
      checkOptions(body.kind, body.options ?? [], errors);
      if (errors.length) throw unprocessable('invalid_question', 'The question is not acceptable.', errors);
      const created = await db.transaction(async (tx) => {
        const unitId = await ownerOf(tx, eventId);
        const [{ next }] = await tx.select({ next: sql<number>`coalesce(max(${eventQuestions.position}) + 1, 0)::int` }).from(eventQuestions).where(eq(eventQuestions.eventId, eventId)) as [{ next: number }];
        const [row] = await tx.insert(eventQuestions).values({
          eventId, kind: body.kind, labelZh: body.labelZh, labelEn: body.labelEn ?? null, options: storedOptions(body.options ?? []), required: body.required ?? false, position: body.position ?? next,
        }).returning();
        await recordAudit(tx, actor, { action: 'created', objectKind: 'question', objectId: row!.id, unitId });
        return toResponse(row!);
      });
      afterChange(eventId);
      return created;
    },

    async update(eventId: string, questionId: string, body: UpdateQuestionBody, actor: Actor): Promise<QuestionResponse> {
      const updated = await db.transaction(async (tx) => {
        const unitId = await ownerOf(tx, eventId);
        const current = await find(tx, eventId, questionId);
        const kind = body.kind ?? current.kind;
        const options = body.options ?? current.options;
        const errors: FieldProblem[] = [];
        checkOptions(kind, options, errors);
        if (errors.length) throw unprocessable('invalid_question', 'The question is not acceptable.', errors);
        if ((body.kind !== undefined && body.kind !== current.kind) || body.options !== undefined) {
          if (await answered(tx, questionId)) {
            const kept = new Set(options.map((o) => o.value));
            if (kind !== current.kind) throw conflict('question_answered', 'The question has answers: its kind cannot change (hide it and add a new one).');
            if (current.options.some((o) => !kept.has(o.value))) throw conflict('question_answered', 'The question has answers: options can be added or relabelled, not removed.');
          }
        }
        const [row] = await tx.update(eventQuestions).set({ ...body, ...(body.options ? { options: storedOptions(body.options) } : {}) }).where(eq(eventQuestions.id, questionId)).returning();
        await recordAudit(tx, actor, { action: 'updated', objectKind: 'question', objectId: questionId, unitId, changedFields: Object.keys(body) });
        return toResponse(row!);
      });
      afterChange(eventId);
      return updated;
    },

    async remove(eventId: string, questionId: string, actor: Actor): Promise<void> {
      await db.transaction(async (tx) => {
        const unitId = await ownerOf(tx, eventId);
        await find(tx, eventId, questionId);
        if (await answered(tx, questionId)) throw conflict('question_answered', 'The question has answers: hide it instead (PATCH hidden: true).');
        await tx.delete(eventQuestions).where(eq(eventQuestions.id, questionId));
        await recordAudit(tx, actor, { action: 'deleted', objectKind: 'question', objectId: questionId, unitId });
      });
      afterChange(eventId);
    },
  };
}
