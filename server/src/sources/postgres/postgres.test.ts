/**
 * The PostgreSQL driver against the machine's real PostgreSQL: dump and restore round trip, refusal to
 * overwrite, atomic replace, failed restores that change nothing, snapshot consistency under concurrent
 * writes, connection errors without secrets, and abort.
 */
import { Readable } from 'node:stream';
import { registerSecret } from '../../common/redact';
import { liveSecretFiles } from '../shared/secret-file';
import { dumpAll, expectedFiles, listAll, pgConn, recordingReporter, uniqueName } from '../testing/fixtures';
import { createPgSample, dropPg, pgContents, withPg } from './pg-fixture';
import { postgresDriver as driver } from './index';

const created: string[] = [];
const fresh = (tag: string): string => {
  const name = uniqueName(tag);
  created.push(name);
  return name;
};
let source: string;
let dumped: Awaited<ReturnType<typeof dumpAll>>;

beforeAll(async () => {
  source = fresh('pgsrc');
  await createPgSample(source);
  dumped = await dumpAll(driver, pgConn(source), recordingReporter());
});

afterAll(async () => {
  for (const db of created) await dropPg(db);
});

afterEach(() => expect(liveSecretFiles()).toEqual([]));

async function expectRejects(p: Promise<unknown>, code: string): Promise<Error & { code: string; fix?: string; exitCode: number }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code });
  return err as Error & { code: string; fix?: string; exitCode: number };
}

test('dump reports versions, exact row counts and the live referenced files of its snapshot', () => {
  expect(dumped.info).toMatchObject({ driver: 'postgres', format: 'plain-sql', mattermostVersion: '9.11.0', schemaVersion: 124 });
  expect(dumped.info.serverVersion).toMatch(/^PostgreSQL 1\d\.\d+/);
  expect(dumped.info.dumpTool).toMatch(/^pg_dump 1\d\.\d+/);
  expect(dumped.info.tables).toEqual({ audits: 10, channels: 2, db_migrations: 5, fileinfo: 8, posts: 12, systems: 2, users: 3 });
  expect(dumped.files.sort()).toEqual(expectedFiles());
  expect(dumped.sql.toString()).toContain('COPY public.posts');
});

test('restore into a new database reproduces every row, the sequence, the index and the foreign keys', async () => {
  const target = fresh('pgnew');
  await driver.restore(pgConn(target), Readable.from([dumped.sql]), { replace: false }, recordingReporter());
  expect(await pgContents(target)).toEqual(await pgContents(source));
  expect(await driver.countRows(pgConn(target))).toEqual(dumped.info.tables);
  expect(await listAll(driver.referencedFiles(pgConn(target)))).toEqual(expectedFiles());
  await withPg(target, async (c) => {
    expect((await c.query(`INSERT INTO audits (action) VALUES ('next') RETURNING seq`)).rows[0].seq).toBe('11');
    expect((await c.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'idx_posts_channel_createat'`)).rowCount).toBe(1);
    await expect(c.query(`INSERT INTO posts VALUES ('x', 'nobody', 'nowhere', 'm', 1)`)).rejects.toThrow(/foreign key/);
  });
  expect(await driver.inspect(pgConn(target))).toEqual({ exists: true, tables: 7 });
});

describe('an existing, non-empty target', () => {
  let target: string;
  beforeEach(async () => {
    target = fresh('pgold');
    await withPg('postgres', (c) => c.query(`CREATE DATABASE "${target}"`));
    await withPg(target, (c) => c.query(`CREATE TABLE junk (v text); INSERT INTO junk VALUES ('old data'); CREATE SCHEMA extra; CREATE TABLE extra.t (i int)`));
  });

  test('is refused without replace: TARGET_NOT_EMPTY, exit code 2, naming the database and --yes', async () => {
    const err = await expectRejects(driver.restore(pgConn(target), Readable.from([dumped.sql]), { replace: false }, recordingReporter()), 'TARGET_NOT_EMPTY');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(target);
    expect(err.fix).toContain('--yes');
    expect(await pgContents(target)).toEqual({ junk: [{ v: 'old data' }] });
  });

  test('is replaced with replace: old schemas gone, the dump in place', async () => {
    await driver.restore(pgConn(target), Readable.from([dumped.sql]), { replace: true }, recordingReporter());
    expect(await pgContents(target)).toEqual(await pgContents(source));
    const schemas = await withPg(target, (c) => c.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'extra'`));
    expect(schemas.rowCount).toBe(0);
  });

  test('is untouched when the SQL fails midway (one transaction, rolled back)', async () => {
    const bad = Buffer.concat([dumped.sql, Buffer.from('\nSELECT 1/0;\n')]);
    const err = await expectRejects(driver.restore(pgConn(target), Readable.from([bad]), { replace: true }, recordingReporter()), 'RESTORE_FAILED');
    expect(err.message).toMatch(/division by zero/);
    expect(await pgContents(target)).toEqual({ junk: [{ v: 'old data' }] });
  });

  test('is untouched when the input stream breaks midway (psql is killed, never sees EOF)', async () => {
    // Cut right after the first COPY block: a valid prefix, which psql would COMMIT if it saw EOF.
    const cut = dumped.sql.indexOf('\n\\.\n') + 4;
    expect(cut).toBeGreaterThan(4);
    const half = dumped.sql.subarray(0, cut);
    const broken = Readable.from(
      (async function* () {
        yield half;
        await new Promise((r) => setTimeout(r, 200));
        throw new Error('repository read failed');
      })(),
    );
    const err = await expectRejects(driver.restore(pgConn(target), broken, { replace: true }, recordingReporter()), 'RESTORE_INPUT_FAILED');
    expect(err.message).toContain('repository read failed');
    expect(await pgContents(target)).toEqual({ junk: [{ v: 'old data' }] });
  });
});

test('a failed restore into a database it created drops that database again', async () => {
  const target = fresh('pgfail');
  const bad = Buffer.concat([dumped.sql, Buffer.from('\nthis is not sql;\n')]);
  const err = await expectRejects(driver.restore(pgConn(target), Readable.from([bad]), { replace: false }, recordingReporter()), 'RESTORE_FAILED');
  expect(err.message).toMatch(/syntax error/);
  expect(await driver.inspect(pgConn(target))).toEqual({ exists: false, tables: 0 });
});

test('the file list matches the dumped rows while a writer inserts fileinfo rows', async () => {
  const db = fresh('pgrace');
  await createPgSample(db);
  let stop = false;
  let n = 0;
  const writer = withPg(db, async (c) => {
    while (!stop) {
      n++;
      await c.query(`INSERT INTO fileinfo (id, path, thumbnailpath) VALUES ($1, $2, $3)`, [`race${n}`, `race/${n}.png`, `race/${n}_thumb.png`]);
    }
  });
  await new Promise((r) => setTimeout(r, 50));
  const result = await dumpAll(driver, pgConn(db), recordingReporter());
  await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await writer;
  const restored = fresh('pgracer');
  await driver.restore(pgConn(restored), Readable.from([result.sql]), { replace: false }, recordingReporter());
  expect(result.files.sort()).toEqual(await listAll(driver.referencedFiles(pgConn(restored))));
  expect(result.info.tables.fileinfo).toBe((await driver.countRows(pgConn(restored))).fileinfo);
  expect(n).toBeGreaterThan(result.info.tables.fileinfo - 8); // the writer really ran during the dump
});

describe('connection errors', () => {
  const password = 'pg-Secret:pass\\word#1';
  beforeAll(() => registerSecret(password));

  test('an unreachable server is DB_UNREACHABLE with host:port and a fix', async () => {
    const reporter = recordingReporter();
    const err = await expectRejects(driver.dump(pgConn(source, { port: 1, password }), reporter), 'DB_UNREACHABLE');
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.fix).toContain('SqlSettings.DataSource');
    expect(`${err.message} ${err.fix} ${reporter.lines.join('\n')}`).not.toContain(password);
  });

  test('an unknown user is DB_AUTH_FAILED naming the user, never the password', async () => {
    const reporter = recordingReporter();
    const err = await expectRejects(driver.dump(pgConn(source, { user: 'mmbt_nobody', password }), reporter), 'DB_AUTH_FAILED');
    expect(err.message).toContain('mmbt_nobody');
    expect(err.fix).toContain('MM_SQLSETTINGS_DATASOURCE');
    expect(`${err.message} ${err.fix} ${reporter.lines.join('\n')}`).not.toContain(password);
  });

  test('pg_dump failing (no privileges) is DUMP_FAILED quoting its last error line; the password stays hidden', async () => {
    const role = uniqueName('role');
    await withPg('postgres', (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`));
    try {
      const reporter = recordingReporter();
      const dump = await driver.dump(pgConn(source, { user: role, password }), reporter);
      const err = await expectRejects(dump.finished, 'DUMP_FAILED');
      expect(err.message).toMatch(/permission denied/);
      expect(`${err.message} ${err.fix} ${reporter.lines.join('\n')}`).not.toContain(password);
    } finally {
      await withPg('postgres', (c) => c.query(`DROP ROLE ${role}`));
    }
  });
});

test('abort() stops pg_dump, releases the snapshot and rejects finished with ABORTED', async () => {
  const db = fresh('pgabort');
  await createPgSample(db, 300_000);
  const dump = await driver.dump(pgConn(db), recordingReporter());
  await new Promise((r) => setTimeout(r, 300)); // pg_dump is now blocked on its full stdout pipe
  dump.abort();
  dump.abort();
  await expectRejects(dump.finished, 'ABORTED');
  await expectRejects(listAll(dump.referencedFiles), 'ABORTED');
  for (let i = 0; i < 50; i++) {
    const open = await withPg('postgres', (c) => c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1`, [db]));
    if (open.rowCount === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const open = await withPg('postgres', (c) => c.query(`SELECT application_name FROM pg_stat_activity WHERE datname = $1`, [db]));
  expect(open.rows).toEqual([]);
});

test('dropDatabase refuses an empty name and system databases', async () => {
  await expectRejects(driver.dropDatabase(pgConn('')), 'INVALID_DATABASE_NAME');
  await expectRejects(driver.dropDatabase(pgConn('postgres')), 'INVALID_DATABASE_NAME');
});

test('a database without Mattermost tables dumps with empty file list and no versions', async () => {
  const db = fresh('pgplain');
  await withPg('postgres', (c) => c.query(`CREATE DATABASE "${db}"`));
  await withPg(db, (c) => c.query(`CREATE TABLE fileinfo (id int); CREATE TABLE other (v text); INSERT INTO other VALUES ('x')`));
  const result = await dumpAll(driver, pgConn(db), recordingReporter());
  expect(result.files).toEqual([]);
  expect(result.info.tables).toEqual({ fileinfo: 0, other: 1 });
  expect(result.info.mattermostVersion).toBeUndefined();
  expect(result.info.schemaVersion).toBeUndefined();
});
