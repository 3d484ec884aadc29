import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value, ValuePointer } from '@sinclair/typebox/value';
import { IANAZone } from 'luxon';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** Unset: the embedded PGlite database in DATA_DIR (one process). */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  /** Unset: http://HOST:PORT. */
  PUBLIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' })),
  /** Not TZ: Node takes TZ as the process zone, and the code must not depend on it. */
  CALENDAR_TIMEZONE: Type.String({ minLength: 1, default: 'Asia/Shanghai' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /** PostgreSQL: how long to wait for a connection before answering 503 (seconds). */
  DATABASE_CONNECT_TIMEOUT_S: Type.Integer({ minimum: 1, maximum: 120, default: 5 }),
  /** PostgreSQL: a statement running longer is cancelled and the request answered 503 (ms; 0: no limit). Not with DATABASE_PGBOUNCER: set it on the role. */
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 15_000 }),
  /** PostgreSQL behind PgBouncer in transaction mode: no named prepared statements, no startup parameters beyond the application's name. */
  DATABASE_PGBOUNCER: Type.Boolean({ default: false }),
  /** A read replica of DATABASE_URL for the public iCal/RSS feeds and a public event (README, deployment); unset: the primary. */
  DATABASE_READ_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** The first administrator, created at start when no administrator exists yet. */
  ADMIN_EMAIL: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 200 })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
  /**
   * Behind a reverse proxy: the proxies whose X-Forwarded-For is believed, as a comma-separated
   * list of addresses or CIDR ranges (e.g. 127.0.0.1,10.0.0.0/8). Unset: the direct peer is the
   * client, and every limit per address would count the proxy.
   */
  TRUST_PROXY: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  /** Sign-in attempts per client address per minute, before 429 (failures also lock the account). */
  LOGIN_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
  /** Public sign-ups per client address per minute (schools and community centres share addresses: keep it generous). */
  SIGNUP_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 60 }),
  /** Public sign-ups per phone number or email address per hour. */
  SIGNUP_CONTACT_LIMIT_PER_HOUR: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10 }),
  /** Days after an event ends when its registrants' personal data is anonymised. */
  PERSONAL_DATA_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 180 }),
  /** Days a deletion is remembered for bots that sync with updatedSince; an older updatedSince gets 410. */
  TOMBSTONE_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
  /**
   * Signs the registrants' manage links (they are derived from it, and only their hashes are
   * stored). Required with DATABASE_URL, where every process must hold the same key; on the
   * embedded database it is generated once into DATA_DIR/secret-key. At least 32 characters.
   */
  SECRET_KEY: Type.Optional(Type.String({ minLength: 32, maxLength: 512 })),
  /** Where mail goes, e.g. smtp://user:pass@mail.example.org:587 or smtps://…:465. Unset: the demo's local mail sink. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  /** The sender of every mail: an address, or "Name <address>". */
  MAIL_FROM: Type.String({ pattern: '^[^\\r\\n<>]*<[^@\\s<>]+@[^@\\s<>]+>$|^[^@\\s<>]+@[^@\\s<>]+$', maxLength: 200, default: '科普日历 Kepu Calendar <no-reply@kepu.localhost>' }),
  /** The demo's mail sink (only without SMTP_URL), on 127.0.0.1: SMTP port, and the port of its web page. 0: any free port. */
  MAIL_SINK_SMTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 1025 }),
  MAIL_SINK_WEB_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 1080 }),
  /** How long a webhook delivery may take (connect to response) before it counts as failed and is retried. */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 }),
  /**
   * How long a worker's claim on a batch holds: a worker that dies mid-send leaves its batch
   * to the others after this, which is also the window in which a message may go out twice.
   */
  OUTBOX_LEASE_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000 }),
  /** The first retry of a mail that failed comes after this (ms), then twice as long each time, up to an hour. */
  OUTBOX_RETRY_BASE_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
  /** On SIGTERM: how long requests in flight and the worker's batch may take before the process exits anyway (ms). */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
  /** Run the outbox worker (mail and webhooks) inside the API process. Off: run `npm run worker` beside it (PostgreSQL only). */
  OUTBOX_WORKER: Type.Boolean({ default: true }),
  /**
   * While sign-ups come in, a public answer showing an event's seat counts is rendered again at
   * most this often (ms), so it may show a count this much late; 0: after every sign-up.
   */
  PUBLIC_SEATS_REFRESH_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  /** Seed the demo data into an empty database at start. */
  SEED_DEMO: Type.Boolean({ default: true }),
});
/** After loading, PUBLIC_BASE_URL is always set. */
export type Config = Static<typeof ConfigSchema> & { PUBLIC_BASE_URL: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates configuration once; a bad value stops the start with the variable named. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const problems = [...Value.Errors(ConfigSchema, converted)].map(
    (e) => `${e.path.slice(1) || '(config)'}: ${e.message} (got ${JSON.stringify(ValuePointer.Get(converted, e.path))})`,
  );
  const config = converted as Config;
  if (problems.length === 0 && !IANAZone.isValidZone(config.CALENDAR_TIMEZONE)) {
    problems.push(`CALENDAR_TIMEZONE: not an IANA time zone (got ${JSON.stringify(config.CALENDAR_TIMEZONE)})`);
  }
  if (problems.length === 0 && config.DATABASE_READ_URL && !config.DATABASE_URL) {
    problems.push('DATABASE_READ_URL: a read replica needs its primary in DATABASE_URL (the embedded database has none)');
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return { ...config, PUBLIC_BASE_URL: (config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '') };
}

/**
 * What only the API server needs of its configuration: on the embedded database it sends the
 * mail itself, since no other process can open that database. `npm run serve` turns the
 * in-process sender off (it is the PostgreSQL deployment, with `npm run worker` beside it).
 */
export function checkServerConfig(config: Config): void {
  if (!config.DATABASE_URL && !config.OUTBOX_WORKER) {
    throw new ConfigError('Invalid configuration:\n  OUTBOX_WORKER: must be on with the embedded database (no other process can open it to send the mail).'
      + ' `npm run serve` is for PostgreSQL: set DATABASE_URL and run `npm run worker` beside it; on the embedded database start with `npm start`.');
  }
}

/**
 * The key that signs manage links: SECRET_KEY, or on the embedded database a key generated
 * once into DATA_DIR (kept across restarts, or every link sent by mail would stop working).
 * Several processes on PostgreSQL cannot agree on a generated key, so there it must be given.
 */
export function resolveSecretKey(config: Config): string {
  if (config.SECRET_KEY) return config.SECRET_KEY;
  if (config.DATABASE_URL) {
    throw new ConfigError('Invalid configuration:\n  SECRET_KEY: required with DATABASE_URL (every API process and worker must share it; e.g. `openssl rand -base64 48`)');
  }
  const file = join(config.DATA_DIR, 'secret-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.DATA_DIR, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
