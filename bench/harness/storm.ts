/**
 * The load: residents signing up for the last seats, spread over every API process, and
 * phones polling the feeds. A resident whose request fails (a process killed under it, the
 * database away: 503) tries again with the same Idempotency-Key, on another process, as a
 * well-behaved client would, until it has a definite answer or the storm's deadline passes.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Person = { index: number; sessionId: string; eventId: string; phone: string; email: string };
export type Outcome = { person: Person; status: number | null; registrationStatus: string | null; tries: number; latencyMs: number; answers: Record<string, number> };

export async function signUpStorm({ apiUrls, people, consentVersion, concurrency, spreadMs, deadlineMs }: {
  apiUrls: string[]; people: Person[]; consentVersion: string; concurrency: number; spreadMs: number; deadlineMs: number;
}): Promise<Outcome[]> {
  const started = Date.now();
  const outcomes: Outcome[] = [];
  let next = 0;

  async function one(person: Person): Promise<Outcome> {
    const answers: Record<string, number> = {};
    const began = Date.now();
    for (let tries = 1; ; tries++) {
      const url = apiUrls[(person.index + tries - 1) % apiUrls.length]!;
      let status: number | null = null;
      let registrationStatus: string | null = null;
      let retryAfterMs = 200;
      try {
        const res = await fetch(`${url}/api/v1/events/${person.eventId}/registrations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `storm-${person.index}-${person.phone}` },
          body: JSON.stringify({ kind: 'individual', sessionId: person.sessionId, name: `居民${person.index}`, phone: person.phone, email: person.email, partySize: 1, consentVersion }),
        });
        status = res.status;
        const body = await res.json().catch(() => ({})) as { registration?: { status: string } };
        registrationStatus = body.registration?.status ?? null;
        if (res.status === 503) retryAfterMs = Math.min(1000, Number(res.headers.get('retry-after') ?? '1') * 1000);
      } catch {
        status = null; // the process went away under the request
      }
      const key = status === null ? 'no_answer' : String(status);
      answers[key] = (answers[key] ?? 0) + 1;
      const definite = status !== null && status !== 503 && status < 500;
      if (definite || Date.now() - started > deadlineMs) return { person, status, registrationStatus, tries, latencyMs: Date.now() - began, answers };
      await sleep(retryAfterMs);
    }
  }

  async function lane() {
    while (next < people.length) {
      const person = people[next++]!;
      // Spread the arrivals over `spreadMs`, as a crowd arrives, not all in the first instant.
      const due = started + (person.index / people.length) * spreadMs;
      if (due > Date.now()) await sleep(due - Date.now());
      outcomes.push(await one(person));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return outcomes;
}

export type FeedCounts = Record<string, number> & { polls: number };

/** `clients` phones, each polling one of `paths` every `intervalMs` with If-None-Match, until `running()` says stop. */
export async function feedStorm({ apiUrls, paths, clients, intervalMs, running }: {
  apiUrls: string[]; paths: string[]; clients: number; intervalMs: number; running: () => boolean;
}): Promise<FeedCounts> {
  const counts: FeedCounts = { polls: 0 };
  async function phone(index: number) {
    const path = paths[index % paths.length]!;
    let etag: string | null = null;
    for (let poll = 0; running(); poll++) {
      const url = apiUrls[(index + poll) % apiUrls.length]!;
      let key: string;
      try {
        const res: Response = await fetch(`${url}${path}`, { headers: etag ? { 'if-none-match': etag } : {} });
        key = String(res.status);
        if (res.status === 200) etag = res.headers.get('etag');
        await res.arrayBuffer();
      } catch {
        key = 'no_answer';
      }
      counts.polls++;
      counts[key] = (counts[key] ?? 0) + 1;
      await sleep(intervalMs * (0.5 + Math.random()));
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, i) => phone(i)));
  return counts;
}
