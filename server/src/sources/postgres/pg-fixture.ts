/**
 * A Mattermost-shaped PostgreSQL database for the driver tests (lower-case tables, a sequence, an index,
 * foreign keys, jsonb, unicode), and direct SQL helpers that bypass the driver under test.
 */
import { Client } from 'pg';
import { pgConn, sampleData } from '../testing/fixtures';

export const PG_SCHEMA = `
CREATE TABLE users (id varchar(26) PRIMARY KEY, username varchar(64) NOT NULL UNIQUE, createat bigint NOT NULL, props jsonb);
CREATE TABLE channels (id varchar(26) PRIMARY KEY, name varchar(64) NOT NULL, displayname text);
CREATE TABLE posts (id varchar(26) PRIMARY KEY, userid varchar(26) NOT NULL REFERENCES users(id),
  channelid varchar(26) NOT NULL REFERENCES channels(id), message text, createat bigint NOT NULL);
CREATE INDEX idx_posts_channel_createat ON posts (channelid, createat);
CREATE TABLE fileinfo (id varchar(26) PRIMARY KEY, creatorid varchar(26), postid varchar(26), path text NOT NULL DEFAULT '',
  thumbnailpath text NOT NULL DEFAULT '', previewpath text NOT NULL DEFAULT '', deleteat bigint NOT NULL DEFAULT 0);
CREATE TABLE systems (name varchar(64) PRIMARY KEY, value varchar(1024));
CREATE TABLE db_migrations (version bigint PRIMARY KEY, name varchar(64) NOT NULL);
CREATE TABLE audits (seq bigserial PRIMARY KEY, action text NOT NULL);
`;

/** Runs `fn` with a superuser client on `database`. */
export async function withPg<T>(database: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function insertAll(c: Client, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (const row of rows) {
    const cols = Object.keys(row);
    await c.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  }
}

/** Creates `database` holding sampleData() (plus `extraRows` rows in audits). */
export async function createPgSample(database: string, extraRows = 0): Promise<void> {
  await withPg('postgres', (c) => c.query(`CREATE DATABASE "${database}"`));
  await withPg(database, async (c) => {
    await c.query(PG_SCHEMA);
    const d = sampleData();
    await insertAll(c, 'users', d.users);
    await insertAll(c, 'channels', d.channels);
    await insertAll(c, 'posts', d.posts);
    await insertAll(c, 'fileinfo', d.fileinfo);
    await insertAll(c, 'systems', d.systems);
    await insertAll(c, 'db_migrations', d.migrations);
    await c.query(`INSERT INTO audits (action) SELECT 'action ' || g || ' ✓' FROM generate_series(1, ${10 + extraRows}) g`);
  });
}

/** Every row of every table, ordered, as JSON: what "the same data" means in the tests. */
export async function pgContents(database: string): Promise<Record<string, unknown[]>> {
  return withPg(database, async (c) => {
    const tables = await c.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    const out: Record<string, unknown[]> = {};
    for (const { t } of tables.rows) out[t] = (await c.query(`SELECT * FROM "${t}" ORDER BY 1`)).rows;
    return out;
  });
}

export async function dropPg(database: string): Promise<void> {
  await withPg('postgres', (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}
