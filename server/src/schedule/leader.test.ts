// Against the machine's real PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306).
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { myConn, pgConn, uniqueName } from '../sources/testing/fixtures';
import type { DbConnection } from '../mattermost/types';
import { acquireJobLeadership, advisoryKey, type LeadershipHandle } from './leader';

/** Ends another session from outside, as the server does when its holder's host dies. */
async function killSession(conn: DbConnection, sessionId: number): Promise<void> {
  if (conn.driver === 'postgres') {
    const admin = new PgClient({ host: conn.host, port: conn.port, user: conn.user, database: conn.database });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [sessionId]);
    await admin.end();
  } else {
    const admin = await mysql.createConnection({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database });
    await admin.query(`KILL ${Number(sessionId)}`);
    await admin.end();
  }
}

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each([
  ['PostgreSQL', pgConn('postgres')],
  ['MariaDB', myConn('mysql')],
])('%s', (_name, conn) => {
  const handles: LeadershipHandle[] = [];
  const take = async (job: string) => {
    const h = await acquireJobLeadership(conn, job);
    handles.push(h);
    return h;
  };
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.release()));
  });

  test('two bridges asking for the same job: exactly one holds it, until it releases', async () => {
    const job = uniqueName('backup');
    const [a, b] = await Promise.all([take(job), take(job)]);
    expect([a.held, b.held].filter(Boolean)).toHaveLength(1);
    const holder = a.held ? a : b;
    expect((await take(job)).held).toBe(false);
    await holder.release();
    expect(holder.held).toBe(false);
    expect((await take(job)).held).toBe(true);
  });

  test('different jobs do not block each other', async () => {
    const base = uniqueName('job');
    expect((await take(`${base}-backup`)).held).toBe(true);
    expect((await take(`${base}-drill`)).held).toBe(true);
  });

  test('when the holder\'s session dies, another node takes over', async () => {
    const job = uniqueName('drill');
    const holder = await take(job);
    expect(holder.held).toBe(true);
    expect((await take(job)).held).toBe(false);
    await killSession(conn, holder.sessionId!);
    await eventually(async () => (await take(job)).held);
    await eventually(async () => !holder.held);
    await holder.release(); // after a lost session: still no throw
  });

  test('an unreachable database is a clear error', async () => {
    await expect(acquireJobLeadership({ ...conn, port: 1 }, 'backup')).rejects.toMatchObject({ step: 'leader', code: 'LEADER_DB_UNREACHABLE' });
  });
});

test('the advisory key is stable and differs per job', () => {
  expect(advisoryKey('backup')).toBe(advisoryKey('backup'));
  expect(advisoryKey('backup')).not.toBe(advisoryKey('drill'));
  expect(BigInt(advisoryKey('prune'))).toBeGreaterThanOrEqual(-(2n ** 63n));
});
