/**
 * Against the machine's real MariaDB/MySQL (127.0.0.1:3306, root without password; $TEST_MYSQL_URL
 * overrides): the CamelCase Mattermost shape, determinism, and what compareDatabases() notices, including
 * what a naive table copy (CREATE TABLE ... LIKE + INSERT ... SELECT) loses.
 */
import { compareDatabases } from './compare';
import { type DbEndpoint, openMysql } from './db-endpoint';
import { dropGeneratedDatabase, generateDatabase, type GeneratedDatabaseSummary } from './generate-database';
import { ID_PATTERN } from './random';

const URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const prefix = `mmb_demo_t${process.pid}`;
const names = { a: `${prefix}_a`, b: `${prefix}_b`, copy: `${prefix}_copy` };

let a: GeneratedDatabaseSummary;
let b: GeneratedDatabaseSummary;

async function sql<T>(endpoint: DbEndpoint, text: string): Promise<T[]> {
  const conn = await openMysql(endpoint);
  try {
    return (await conn.query(text))[0] as T[];
  } finally {
    await conn.end();
  }
}

beforeAll(async () => {
  const opts = { driver: 'mysql' as const, connectionUrl: URL, posts: 2000, files: 40, users: 20, seed: 11 };
  a = await generateDatabase({ ...opts, database: names.a });
  b = await generateDatabase({ ...opts, database: names.b });
});

afterAll(async () => {
  for (const name of Object.values(names)) await dropGeneratedDatabase('mysql', URL, name);
});

test('has the CamelCase Mattermost tables in InnoDB and utf8mb4', async () => {
  expect(Object.keys(a.tables)).toEqual(expect.arrayContaining(['Users', 'Teams', 'Channels', 'ChannelMembers', 'Posts',
    'FileInfo', 'Reactions', 'Preferences', 'Sessions', 'Systems', 'db_migrations']));
  expect([a.tables.Posts, a.tables.FileInfo, a.tables.Users]).toEqual([2000, 40, 20]);
  const engines = await sql<{ ENGINE: string; TABLE_COLLATION: string }>(a.connection,
    'SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
  expect(new Set(engines.map((e) => `${e.ENGINE} ${e.TABLE_COLLATION}`))).toEqual(new Set(['InnoDB utf8mb4_general_ci']));
});

test('keeps ids, 4-byte unicode, foreign keys and AUTO_INCREMENT', async () => {
  const ids = await sql<{ Id: string }>(a.connection, 'SELECT Id FROM Posts');
  expect(ids.every((r) => ID_PATTERN.test(r.Id))).toBe(true);
  expect(await sql(a.connection, `SELECT 1 FROM Posts WHERE Message LIKE '%🏳️‍🌈%' LIMIT 1`)).toHaveLength(1);
  const fks = await sql<{ CONSTRAINT_NAME: string }>(a.connection,
    'SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()');
  expect(fks.map((r) => r.CONSTRAINT_NAME)).toEqual(expect.arrayContaining(['fk_posts_channel', 'fk_channelmembers_channel']));
  const [auto] = await sql<{ AUTO_INCREMENT: string }>(a.connection,
    `SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'EventLog'`);
  expect(Number(auto.AUTO_INCREMENT)).toBe(41);
  const [v] = await sql<{ Value: string }>(a.connection, `SELECT Value FROM Systems WHERE Name = 'Version'`);
  expect(v.Value).toBe(a.mattermostVersion);
});

test('the same seed gives the same database', async () => {
  expect(await compareDatabases('mysql', a.connection, b.connection)).toEqual([]);
});

test('finds a changed row, a dropped foreign key and a moved AUTO_INCREMENT', async () => {
  const [post] = await sql<{ Id: string }>(b.connection, 'SELECT Id FROM Posts ORDER BY Id LIMIT 1');
  await sql(b.connection, `UPDATE Posts SET IsPinned = NOT IsPinned WHERE Id = '${post.Id}'`);
  await sql(b.connection, 'ALTER TABLE Sessions DROP FOREIGN KEY fk_sessions_user');
  await sql(b.connection, 'ALTER TABLE EventLog AUTO_INCREMENT = 500');
  const diffs = await compareDatabases('mysql', a.connection, b.connection);
  expect(diffs.map((d) => d.kind).sort()).toEqual(['constraint', 'rows', 'sequence']);
  expect(diffs.find((d) => d.kind === 'rows')!.message).toContain(`${post.Id} (changed)`);
});

test('a naive table copy keeps the rows but loses foreign keys and AUTO_INCREMENT', async () => {
  const copy = { ...a.connection, database: names.copy };
  await sql(a.connection, `CREATE DATABASE ${names.copy} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  for (const table of Object.keys(a.tables)) {
    await sql(copy, `CREATE TABLE \`${table}\` LIKE \`${names.a}\`.\`${table}\``);
    await sql(copy, `INSERT INTO \`${table}\` SELECT * FROM \`${names.a}\`.\`${table}\``);
  }
  const diffs = await compareDatabases('mysql', a.connection, copy);
  expect(new Set(diffs.map((d) => d.kind))).toEqual(new Set(['constraint', 'sequence']));
  expect(diffs.some((d) => d.object === 'Posts.fk_posts_channel')).toBe(true);
});
