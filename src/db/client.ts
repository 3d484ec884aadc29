import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** One type for both drivers: every query is written once against it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Query functions take either, so one transaction can span several of them. */
export type Executor = Database | Transaction;

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseKind;
  close(): Promise<void>;
  /** Where the public iCal/RSS feeds and a public event are read: a read replica (DATABASE_READ_URL); unset: `db`. */
  publicReads?: Database;
}

/** Rows of a raw `execute`: postgres.js gives an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Extensions the migrations create; PGlite must have them loaded to run `CREATE EXTENSION`. */
export const pgliteExtensions = { pg_trgm };

export type PostgresOptions = {
  poolSize?: number;
  /** Seconds to wait for a connection; then the query fails (and the request gets 503). */
  connectTimeoutS?: number;
  /** Cancels a statement running longer (ms); 0 or unset: no limit. */
  statementTimeoutMs?: number;
  /** PgBouncer in transaction mode hands each transaction any server connection: no named prepared statements, no pipelining. */
  pgbouncer?: boolean;
};

export function connectPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.poolSize ?? 10,
    connect_timeout: options.connectTimeoutS ?? 5,
    prepare: !options.pgbouncer,
    // postgres.js sends queries onto a connection still busy with others (pipelining); through
    // PgBouncer 1.18 in transaction mode such a query was now and then never answered. One
    // query at a time per connection there; sql.begin needs our patch for it (patches/, README).
    ...(options.pgbouncer ? { max_pipeline: 0 } : {}),
    onnotice: () => {}, // "extension already exists, skipping" and the like are not news
    connection: {
      application_name: 'kepu-calendar',
      // PgBouncer refuses a startup parameter it does not know, statement_timeout among them:
      // behind it the timeout is set on the database role instead (README, PgBouncer).
      ...(options.statementTimeoutMs && !options.pgbouncer ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  });
  const db = drizzlePostgres({ client: options.pgbouncer ? client : preparing(client), schema }) as unknown as Database;
  return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) };
}

/**
 * Above this many parameters a statement is sent unnamed: such texts (bulk inserts, long id
 * lists) change with the number of values, so caching them would fill each connection's
 * statement cache with one-offs.
 */
const PREPARE_MAX_PARAMETERS = 100;

/**
 * Drizzle asks postgres.js for an unnamed statement unless a query is built with `.prepare()`,
 * and postgres.js sends an unnamed statement with parameters in two round trips (Parse and
 * Describe to learn the parameter types, then Bind and Execute), which PostgreSQL parses and
 * plans every time. Named statements cost one round trip once cached on a connection, and
 * PostgreSQL keeps their parse and plan: a resident's sign-up went from four round trips to two.
 * postgres.js keeps a connection's statements until the connection ends (30 to 60 minutes,
 * its max_lifetime), and prepares again when a migration changes a statement's result type.
 * Transactions and savepoints hand Drizzle a client of their own, prepared the same way.
 */
function preparing(client: Sql): Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters: unknown[] = [], options: { prepare?: boolean } = {}) =>
          target.unsafe(query, parameters as never[], { ...options, prepare: parameters.length <= PREPARE_MAX_PARAMETERS });
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const body = args.pop() as (inner: Sql) => unknown;
          const open = Reflect.get(target, property) as (...a: unknown[]) => unknown;
          return open.call(target, ...args, (inner: Sql) => body(preparing(inner)));
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

export function wrapPglite(client: PGlite): DatabaseHandle {
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  return { db, kind: 'pglite', close: async () => { if (!client.closed) await client.close(); } };
}

/** The embedded default: a real PostgreSQL in WASM, kept in `dataDir` across restarts. */
export async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const path = resolve(dataDir, 'pglite');
  mkdirSync(path, { recursive: true });
  const client = await PGlite.create(path, { extensions: pgliteExtensions });
  return wrapPglite(client);
}
