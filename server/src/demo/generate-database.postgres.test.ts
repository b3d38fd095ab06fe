/**
 * Against the machine's real PostgreSQL (127.0.0.1:5432, user postgres; $TEST_PG_URL overrides): the generated
 * database has Mattermost's shape, generation is deterministic, and compareDatabases() sees every kind of
 * change a bad restore could make.
 */
import { Client } from 'pg';
import { compareDatabases, type DatabaseDifference } from './compare';
import type { DbEndpoint } from './db-endpoint';
import { dropGeneratedDatabase, generateDatabase, type GeneratedDatabaseSummary } from './generate-database';
import { ID_PATTERN, hashedId } from './random';

const URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const prefix = `mmb_demo_t${process.pid}`;
const names = { a: `${prefix}_a`, b: `${prefix}_b`, copy: `${prefix}_copy` };
const SEED = 7;

let a: GeneratedDatabaseSummary;
let b: GeneratedDatabaseSummary;
let progress: Array<[number, number]> = [];

async function sql<T extends Record<string, unknown>>(endpoint: DbEndpoint, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ ...endpoint });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

const kinds = (diffs: DatabaseDifference[]) => diffs.map((d) => d.kind);

beforeAll(async () => {
  const opts = { driver: 'postgres' as const, connectionUrl: URL, posts: 3000, files: 60, users: 25, seed: SEED };
  a = await generateDatabase({ ...opts, database: names.a, onProgress: (done, total) => progress.push([done, total]) });
  b = await generateDatabase({ ...opts, database: names.b });
});

afterAll(async () => {
  for (const name of Object.values(names)) await dropGeneratedDatabase('postgres', URL, name);
});

test('has the Mattermost tables with the requested sizes', () => {
  expect(Object.keys(a.tables)).toEqual(expect.arrayContaining(['users', 'teams', 'teammembers', 'channels', 'channelmembers',
    'posts', 'fileinfo', 'reactions', 'preferences', 'sessions', 'systems', 'db_migrations', 'configurations', 'configurationfiles']));
  expect(a.tables.posts).toBe(3000);
  expect(a.tables.fileinfo).toBe(60);
  expect(a.tables.users).toBe(25);
  expect(a.tables.reactions).toBeGreaterThan(0);
  expect(a.files).toHaveLength(60);
  expect(progress.at(-1)).toEqual([3060, 3060]);
});

test('ids, times, version rows and text look like Mattermost', async () => {
  const ids = await sql<{ id: string }>(a.connection, 'SELECT id FROM posts UNION ALL SELECT id FROM users UNION ALL SELECT id FROM fileinfo');
  expect(ids.every((r) => ID_PATTERN.test(r.id))).toBe(true);
  const [v] = await sql<{ value: string }>(a.connection, `SELECT value FROM systems WHERE name = 'Version'`);
  expect(v.value).toBe(a.mattermostVersion);
  const [m] = await sql<{ max: string; n: string }>(a.connection, 'SELECT max(version) AS max, count(*) AS n FROM db_migrations');
  expect([Number(m.max), Number(m.n)]).toEqual([a.schemaVersion, a.schemaVersion]);
  const [t] = await sql<{ min: string; avg: string }>(a.connection, 'SELECT min(createat) AS min, avg(octet_length(message)) AS avg FROM posts');
  expect(Number(t.min)).toBeGreaterThan(1_600_000_000_000);
  expect(Number(t.avg)).toBeGreaterThan(200);
  for (const needle of ['\n\\.\n', '\\N', '👩‍💻', "'); DROP TABLE", '\r\n']) {
    expect(await sql(a.connection, 'SELECT 1 FROM posts WHERE strpos(message, $1) > 0 LIMIT 1', [needle])).toHaveLength(1);
  }
  // The server-side loader names bulk post i as hashedId(seed, 'id', i); replies point at their thread root.
  expect(await sql(a.connection, `SELECT 1 FROM posts WHERE id = '${hashedId(SEED, 'id', 1)}'`)).toHaveLength(1);
  const [orphans] = await sql<{ n: string }>(a.connection, `SELECT count(*) AS n FROM posts p WHERE rootid <> '' AND NOT EXISTS (SELECT 1 FROM posts r WHERE r.id = p.rootid AND r.channelid = p.channelid)`);
  expect(Number(orphans.n)).toBe(0);
});

test('FileInfo rows match the summary, deleted ones included, with Mattermost paths', async () => {
  const rows = await sql<{ id: string; path: string; thumbnailpath: string; deleteat: string; size: string }>(a.connection,
    'SELECT id, path, thumbnailpath, deleteat, size FROM fileinfo');
  const byId = new Map(a.files.map((f) => [f.id, f]));
  for (const r of rows) {
    const f = byId.get(r.id)!;
    expect([r.path, r.thumbnailpath, Number(r.size), Number(r.deleteat) > 0]).toEqual([f.path, f.thumbnailPath, f.size, f.deleted]);
    expect(r.path).toMatch(/^\d{8}\/teams\/(noteam|[a-z0-9]{26})\/channels\/[a-z0-9]{26}\/users\/[a-z0-9]{26}\/[a-z0-9]{26}\/.+$/);
  }
  expect(a.files.some((f) => f.deleted)).toBe(true);
  expect(a.files.some((f) => f.thumbnailPath.endsWith('_thumb.jpg') && f.previewPath.endsWith('_preview.jpg'))).toBe(true);
});

test('has foreign keys, indexes, enum types, a serial column and a standalone sequence', async () => {
  const fks = await sql<{ conname: string }>(a.connection, `SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY 1`);
  expect(fks.map((r) => r.conname)).toEqual(expect.arrayContaining(['fk_channelmembers_channel', 'fk_posts_channel', 'fk_reactions_post']));
  const ix = await sql<{ indexdef: string }>(a.connection, `SELECT indexdef FROM pg_indexes WHERE tablename IN ('posts', 'users')`);
  expect(ix.some((r) => r.indexdef.startsWith('CREATE UNIQUE INDEX idx_users_username'))).toBe(true);
  expect(ix.some((r) => r.indexdef.includes('USING gin'))).toBe(true);
  const seqs = await sql<{ sequencename: string; last_value: string }>(a.connection, 'SELECT sequencename, last_value FROM pg_sequences ORDER BY 1');
  expect(seqs.map((s) => [s.sequencename, Number(s.last_value)])).toEqual([['demo_ticket_seq', 1014], ['eventlog_seq_seq', 40]]);
});

test('the same seed gives the same database', async () => {
  expect(await compareDatabases('postgres', a.connection, b.connection)).toEqual([]);
});

test('finds a changed row, a dropped foreign key and index, a moved sequence', async () => {
  await sql(a.connection, `CREATE DATABASE ${names.copy} TEMPLATE ${names.a}`);
  const copy = { ...a.connection, database: names.copy };
  expect(await compareDatabases('postgres', a.connection, copy)).toEqual([]);
  const [post] = await sql<{ id: string }>(copy, 'SELECT id FROM posts ORDER BY id LIMIT 1');
  await sql(copy, `UPDATE posts SET message = message || '!' WHERE id = '${post.id}'`);
  await sql(copy, 'ALTER TABLE posts DROP CONSTRAINT fk_posts_user');
  await sql(copy, 'DROP INDEX idx_posts_create_at');
  await sql(copy, `SELECT setval('demo_ticket_seq', 5000)`);
  const diffs = await compareDatabases('postgres', a.connection, copy);
  expect(kinds(diffs).sort()).toEqual(['constraint', 'index', 'rows', 'sequence']);
  expect(diffs.find((d) => d.kind === 'rows')!.message).toContain(`${post.id} (changed)`);
});

test('finds a missing table and a changed column list', async () => {
  const copy = { ...a.connection, database: names.copy };
  await sql(copy, 'ALTER TABLE users ADD COLUMN extra integer');
  await sql(copy, 'DROP TABLE jobs');
  const diffs = await compareDatabases('postgres', a.connection, copy);
  expect(diffs).toContainEqual({ kind: 'table', object: 'public.jobs', message: 'table public.jobs exists only in A' });
  expect(diffs).toContainEqual({ kind: 'columns', object: 'public.users', message: 'columns of public.users differ: B has "extra integer"' });
  expect(diffs.some((d) => d.kind === 'rows' && d.object === 'public.users')).toBe(false); // reshaped: reported once, as columns
});
