import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * A database of the benchmark's own on the PostgreSQL server DATABASE_URL names (default the
 * local one), created now and dropped by `drop()`, so a run never touches anyone's data.
 */
export async function scratchDatabase() {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `kepu_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  return {
    name,
    url: url.toString(),
    /** Leaves the database for a look afterwards (EXPLAIN ANALYZE); only the admin connection closes. */
    async keep() {
      await admin.end();
    },
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
