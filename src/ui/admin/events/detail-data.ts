import type { EventResponse } from '../../../modules/events/events.schemas.js';
import type { QuestionResponse } from '../../../modules/registrations/registrations.schemas.js';
import type { ProblemBody } from '../../../lib/problems.js';
import type { ApiCall } from '../../api.js';
import type { View } from '../../view.js';
import { mayChange } from './bits.js';
import type { Audience } from './reference.js';

export type SessionTotals = {
  sessionId: string;
  confirmed: { registrations: number; headcount: number };
  waitlisted: { registrations: number; headcount: number };
};

/** What the event page shows: the event as staff see it, and, for those who run it, sign-up counts and the questions. */
export type Detail = {
  event: EventResponse;
  requiresReview: boolean;
  audiences: Audience[];
  /** Per-session counts; null when the reader may not see them or the event takes no sign-ups. */
  totals: SessionTotals[] | null;
  /** All questions, hidden ones too; null when the reader may not manage them. */
  questions: QuestionResponse[] | null;
};

export type Loaded = { ok: true; detail: Detail } | { ok: false; status: number; problem: ProblemBody };

export async function loadEvent(api: ApiCall, id: string) {
  return api<EventResponse>('GET', `/events/${encodeURIComponent(id)}`);
}

export async function loadDetail(view: View, api: ApiCall, id: string): Promise<Loaded> {
  const found = await loadEvent(api, id);
  if (!found.ok) return found;
  const event = found.body;
  const manages = mayChange(view, event);
  const [unit, audiences, registrations, questions] = await Promise.all([
    api<{ requiresReview: boolean }>('GET', `/units/${event.ownerUnit.id}`),
    api<{ items: Audience[] }>('GET', '/audiences'),
    // Only the totals are used: the one registration the page of one carries is not shown.
    manages && event.registrationMode !== 'none' ? api<{ totals: SessionTotals[] }>('GET', `/events/${event.id}/registrations?limit=1`) : null,
    manages ? api<{ items: QuestionResponse[] }>('GET', `/events/${event.id}/questions`) : null,
  ]);
  return {
    ok: true,
    detail: {
      event,
      requiresReview: unit.ok && unit.body.requiresReview,
      audiences: audiences.ok ? audiences.body.items : [],
      totals: registrations?.ok ? registrations.body.totals : null,
      questions: questions?.ok ? questions.body.items : null,
    },
  };
}
