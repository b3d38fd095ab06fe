/**
 * The MySQL/MariaDB driver against the machine's real MariaDB: dump and restore round trip through a
 * staging database, refusal to overwrite, atomic replace, failed restores that change nothing, file list
 * consistency under concurrent writes, the no-RELOAD fallback, errors without secrets, and abort.
 */
import { Readable } from 'node:stream';
import type { RowDataPacket } from 'mysql2/promise';
import { registerSecret } from '../../common/redact';
import { liveSecretFiles } from '../shared/secret-file';
import { dumpAll, expectedFiles, listAll, myConn, recordingReporter, uniqueName } from '../testing/fixtures';
import { createMySample, databasesLike, dropMy, myContents, withMy } from './my-fixture';
import { mysqlDriver as driver } from './index';

const created: string[] = [];
const fresh = (tag: string): string => {
  const name = uniqueName(tag);
  created.push(name);
  return name;
};
let source: string;
let dumped: Awaited<ReturnType<typeof dumpAll>>;

beforeAll(async () => {
  source = fresh('mysrc');
  await createMySample(source);
  dumped = await dumpAll(driver, myConn(source), recordingReporter());
});

afterAll(async () => {
  for (const db of created) {
    await dropMy(db);
    for (const side of await databasesLike(`${db}__mmbackup`)) await dropMy(side);
  }
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

const restore = (db: string, sql: Buffer | Readable, replace: boolean) =>
  driver.restore(myConn(db), Buffer.isBuffer(sql) ? Readable.from([sql]) : sql, { replace }, recordingReporter());

test('dump reports versions, exact row counts (CamelCase names) and the live referenced files', () => {
  expect(dumped.info).toMatchObject({ driver: 'mysql', format: 'plain-sql', mattermostVersion: '9.11.0', schemaVersion: 124 });
  expect(dumped.info.serverVersion).toMatch(/^MariaDB 10\.\d+\.\d+$/);
  expect(dumped.info.dumpTool).toMatch(/^mariadb-dump 10\./);
  expect(dumped.info.tables).toEqual({ Audits: 10, Channels: 2, db_migrations: 5, FileInfo: 8, Posts: 12, Systems: 2, Users: 3 });
  expect(dumped.files.sort()).toEqual(expectedFiles());
  // the header read while waiting for the tool's snapshot was replayed, in order
  expect(dumped.sql.toString()).toMatch(/^[^\n]*\n-- MariaDB dump [\s\S]*-- Table structure for table `Audits`[\s\S]*-- Dump completed/);
});

test('restore into a new database reproduces rows, AUTO_INCREMENT, index, foreign keys, view, trigger and procedure', async () => {
  const target = fresh('mynew');
  await restore(target, dumped.sql, false);
  expect(await myContents(target)).toEqual(await myContents(source));
  expect(await driver.countRows(myConn(target))).toEqual(dumped.info.tables);
  expect(await listAll(driver.referencedFiles(myConn(target)))).toEqual(expectedFiles());
  const autoIncrement = async (db: string) =>
    withMy(undefined, async (c) => (await c.query<RowDataPacket[]>(`SELECT AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'Audits'`, [db]))[0][0].a);
  const next = await autoIncrement(source);
  expect(await autoIncrement(target)).toBe(next);
  await withMy(target, async (c) => {
    const [ins] = await c.query<RowDataPacket[]>(`INSERT INTO Audits (Action) VALUES ('next') RETURNING Seq, Action`);
    expect(ins[0]).toEqual({ Seq: String(next), Action: 'audit: next' });
    const [fks] = await c.query<RowDataPacket[]>(
      'SELECT REFERENCED_TABLE_SCHEMA AS s FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL',
      [target, 'Posts'],
    );
    expect(fks.map((r) => r.s)).toEqual([target, target]);
    await expect(c.query(`INSERT INTO Posts VALUES ('x', 'nobody', 'nowhere', 'm', 1)`)).rejects.toThrow(/foreign key/);
    const [view] = await c.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM ActivePosts');
    expect(Number(view[0].n)).toBe(12);
    await c.query('CALL CountPosts(@n)');
    expect(Number((await c.query<RowDataPacket[]>('SELECT @n AS n'))[0][0].n)).toBe(12);
    expect((await c.query<RowDataPacket[]>('SHOW INDEX FROM Posts WHERE Key_name = ?', ['idx_posts_channel_createat']))[0].length).toBe(2);
  });
  expect(await databasesLike(`${target}__mmbackup`)).toEqual([]);
  expect(await driver.inspect(myConn(target))).toEqual({ exists: true, tables: 8 });
});

describe('an existing, non-empty target', () => {
  let target: string;
  beforeEach(async () => {
    target = fresh('myold');
    await withMy(undefined, (c) => c.query(`CREATE DATABASE \`${target}\``));
    await withMy(target, async (c) => {
      await c.query(`CREATE TABLE Junk (V text)`);
      await c.query(`INSERT INTO Junk VALUES ('old data')`);
      await c.query(`CREATE TABLE Users (Id varchar(26) PRIMARY KEY)`);
      await c.query(`INSERT INTO Users VALUES ('old user')`);
      await c.query(`CREATE TRIGGER junk_t BEFORE INSERT ON Junk FOR EACH ROW SET NEW.V = UPPER(NEW.V)`);
    });
  });
  const old = { Junk: [{ V: 'old data' }], Users: [{ Id: 'old user' }] };

  test('is refused without replace: TARGET_NOT_EMPTY, exit code 2, naming the database and --yes', async () => {
    const err = await expectRejects(restore(target, dumped.sql, false), 'TARGET_NOT_EMPTY');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(target);
    expect(err.fix).toContain('--yes');
    expect(await myContents(target)).toEqual(old);
  });

  test('is replaced with replace: one RENAME swap, old tables and side databases gone', async () => {
    await restore(target, dumped.sql, true);
    expect(await myContents(target)).toEqual(await myContents(source));
    expect(await databasesLike(`${target}__mmbackup`)).toEqual([]);
  });

  test('is unchanged when the SQL fails midway; the staging database is dropped', async () => {
    const bad = Buffer.concat([dumped.sql, Buffer.from('\nthis is garbage;\n')]);
    const err = await expectRejects(restore(target, bad, true), 'RESTORE_FAILED');
    expect(err.message).toMatch(/ERROR 1064/);
    expect(await myContents(target)).toEqual(old);
    await withMy(target, (c) => c.query(`INSERT INTO Junk VALUES ('new')`));
    expect((await myContents(target)).Junk).toEqual([{ V: 'NEW' }, { V: 'old data' }]); // its trigger still works
    expect(await databasesLike(`${target}__mmbackup`)).toEqual([]);
  });
});

test('the file list matches the dumped rows while a writer inserts FileInfo rows', async () => {
  const db = fresh('myrace');
  await createMySample(db);
  let stop = false;
  let n = 0;
  const writer = withMy(db, async (c) => {
    while (!stop) {
      n++;
      await c.query(`INSERT INTO FileInfo (Id, Path, ThumbnailPath, PreviewPath) VALUES (?, ?, ?, '')`, [`race${n}`, `race/${n}.png`, `race/${n}_thumb.png`]);
    }
  });
  await new Promise((r) => setTimeout(r, 50));
  const reporter = recordingReporter();
  const result = await dumpAll(driver, myConn(db), reporter);
  expect(reporter.lines.filter((l) => l.startsWith('warn'))).toEqual([]); // the read lock was taken
  expect(reporter.lines.some((l) => /writes paused for \d+ ms/.test(l))).toBe(true);
  await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await writer;
  const restored = fresh('myracer');
  await restore(restored, result.sql, false);
  expect(result.files.sort()).toEqual(await listAll(driver.referencedFiles(myConn(restored))));
  expect(result.info.tables.FileInfo).toBe((await driver.countRows(myConn(restored))).FileInfo);
  expect(n).toBeGreaterThan(result.info.tables.FileInfo - 8);
});

describe('a user with a password and without RELOAD', () => {
  const user = uniqueName('u').slice(0, 30);
  const password = `My "Secr#t"; pa\\ss ${Date.now()}`;
  beforeAll(async () => {
    registerSecret(password);
    await withMy(undefined, async (c) => {
      await c.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
      await c.query(`GRANT ALL ON \`${source}\`.* TO ?@'%'`, [user]);
      await c.query(`GRANT SELECT ON mysql.proc TO ?@'%'`, [user]); // mariadb-dump --routines needs it for SHOW CREATE PROCEDURE
    });
  });
  afterAll(() => withMy(undefined, (c) => c.query(`DROP USER ?@'%'`, [user])));

  test('dumps with a best-effort warning naming RELOAD, and never shows the password', async () => {
    const reporter = recordingReporter();
    const result = await dumpAll(driver, myConn(source, { user, password }), reporter);
    expect(result.info.tables).toEqual(dumped.info.tables);
    expect(result.files.sort()).toEqual(expectedFiles());
    const warning = reporter.lines.find((l) => l.startsWith('warn'));
    expect(warning).toMatch(/best-effort/);
    expect(warning).toMatch(/RELOAD/);
    expect(reporter.lines.join('\n')).not.toContain(password);
  });

  test('a wrong password is DB_AUTH_FAILED naming the user and the setting to check, never the password', async () => {
    const reporter = recordingReporter();
    const wrong = `${password}-wrong`;
    registerSecret(wrong);
    const err = await expectRejects(driver.dump(myConn(source, { user, password: wrong }), reporter), 'DB_AUTH_FAILED');
    expect(err.message).toContain(user);
    expect(err.fix).toContain('MM_SQLSETTINGS_DATASOURCE');
    expect(`${err.message} ${err.fix} ${reporter.lines.join('\n')}`).not.toContain(wrong);
    expect(`${err.message} ${err.fix}`).not.toContain(password);
  });
});

test('an unreachable server is DB_UNREACHABLE with host:port', async () => {
  const err = await expectRejects(driver.dump(myConn(source, { port: 1 }), recordingReporter()), 'DB_UNREACHABLE');
  expect(err.message).toContain('127.0.0.1:1');
});

test('abort() stops the dump tool, releases the snapshot and rejects finished with ABORTED', async () => {
  const db = fresh('myabort');
  await createMySample(db, 300_000);
  const dump = await driver.dump(myConn(db), recordingReporter());
  await new Promise((r) => setTimeout(r, 300)); // the tool is now blocked on its full stdout pipe
  dump.abort();
  await expectRejects(dump.finished, 'ABORTED');
  await expectRejects(listAll(dump.referencedFiles), 'ABORTED');
  const sessions = async () =>
    withMy(undefined, async (c) => (await c.query<RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?', [db]))[0]);
  for (let i = 0; i < 50 && (await sessions()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await sessions()).toEqual([]);
});

test('dropDatabase refuses an empty name and system databases', async () => {
  await expectRejects(driver.dropDatabase(myConn('')), 'INVALID_DATABASE_NAME');
  await expectRejects(driver.dropDatabase(myConn('mysql')), 'INVALID_DATABASE_NAME');
});
