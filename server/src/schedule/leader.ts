/**
 * Cluster election per job. Every Mattermost app node may run a bridge; all of them share Mattermost's
 * database, so a lock in that database decides which bridge runs a job: PostgreSQL's session advisory
 * lock (pg_try_advisory_lock) or MySQL's named lock (GET_LOCK). Both belong to a database session, so the
 * lock is held on a dedicated connection for as long as the job runs, and when the holder dies (process
 * killed, host gone, network cut) the server ends its session and the lock is free for another node.
 *
 * This elects who runs; the repository lock (../repository/lock.ts) still protects the repository itself.
 */
import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { MmBackupError } from '../common/errors';
import { redact, registerSecret } from '../common/redact';
import type { DbConnection } from '../mattermost/types';

/** The outcome of one attempt. When `held`, call release() when the job ends (idempotent). */
export interface LeadershipHandle {
  /** True while this node holds the job's lock; false if another node held it, or the session was lost. */
  readonly held: boolean;
  /** The database session id (PostgreSQL backend pid, MySQL connection id), for diagnostics. */
  readonly sessionId?: number;
  /** Releases the lock and closes the connection; never throws. */
  release(): Promise<void>;
}

interface LockSession {
  sessionId: number;
  tryLock(): Promise<boolean>;
  unlock(): Promise<void>;
  end(): Promise<void>;
  onLost(fn: () => void): void;
}

/** The lock's name: "mmbackup:" + job (MySQL takes names up to 64 characters). */
export function lockName(job: string): string {
  return `mmbackup:${job}`;
}

/** A stable signed 64-bit advisory lock key from the lock name (first 8 bytes of its SHA-256). */
export function advisoryKey(job: string): string {
  return createHash('sha256').update(lockName(job)).digest().readBigInt64BE(0).toString();
}

const CONNECT_TIMEOUT_MS = 10_000;

async function openPostgres(conn: DbConnection, job: string): Promise<LockSession> {
  const mode = conn.params.sslmode;
  const client = new PgClient({
    host: conn.host, port: conn.port, user: conn.user || undefined, password: conn.password, database: conn.database,
    ssl: !mode || ['disable', 'allow', 'prefer'].includes(mode) ? false : { rejectUnauthorized: mode !== 'require' },
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: `mmbackup-leader:${job}`,
  });
  const lost: Array<() => void> = [];
  client.on('error', () => lost.forEach((fn) => fn()));
  client.on('end', () => lost.forEach((fn) => fn()));
  await client.connect().catch(async (err) => {
    await client.end().catch(() => undefined);
    throw err;
  });
  const key = advisoryKey(job);
  const pid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  return {
    sessionId: pid,
    tryLock: async () => (await client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key])).rows[0].ok === true,
    unlock: async () => void (await client.query('SELECT pg_advisory_unlock($1::bigint)', [key])),
    end: () => client.end(),
    onLost: (fn) => lost.push(fn),
  };
}

async function openMysql(conn: DbConnection, job: string): Promise<LockSession> {
  const tls = conn.params.tls;
  const connection = await mysql.createConnection({
    ...(conn.socket ? { socketPath: conn.host } : { host: conn.host, port: conn.port }),
    user: conn.user, password: conn.password, database: conn.database,
    ssl: tls === 'true' ? { rejectUnauthorized: true } : tls === 'skip-verify' ? { rejectUnauthorized: false } : undefined,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  const lost: Array<() => void> = [];
  connection.on('error', () => lost.forEach((fn) => fn()));
  connection.on('end', () => lost.forEach((fn) => fn()));
  const name = lockName(job);
  return {
    sessionId: connection.threadId ?? 0,
    // GET_LOCK: 1 obtained, 0 held by another session, NULL on error (treated as not held).
    tryLock: async () => Number(((await connection.query('SELECT GET_LOCK(?, 0) AS ok', [name]))[0] as any[])[0].ok) === 1,
    unlock: async () => void (await connection.query('SELECT RELEASE_LOCK(?)', [name])),
    end: () => connection.end(),
    onLost: (fn) => lost.push(fn),
  };
}

/**
 * Tries once, without waiting, to become the node that runs `job`. Returns `held: false` when another
 * session holds the lock. Throws an MmBackupError (step 'leader', code LEADER_DB_UNREACHABLE) when the
 * database cannot be reached: the caller skips this run and says why.
 */
export async function acquireJobLeadership(conn: DbConnection, job: string): Promise<LeadershipHandle> {
  registerSecret(conn.password);
  let session: LockSession;
  try {
    session = await (conn.driver === 'postgres' ? openPostgres(conn, job) : openMysql(conn, job));
  } catch (err) {
    throw new MmBackupError({
      step: 'leader', code: 'LEADER_DB_UNREACHABLE', cause: err,
      message: `cannot connect to Mattermost's database to decide which bridge runs "${job}": ${redact(err instanceof Error ? err.message : String(err))}`,
      fix: 'check that the database is up; the run is skipped and tried again at the next scheduled time',
    });
  }
  let held = false;
  try {
    held = await session.tryLock();
  } finally {
    if (!held) await session.end().catch(() => undefined);
  }
  if (!held) return { held: false, sessionId: session.sessionId, release: async () => undefined };
  let released = false;
  session.onLost(() => (held = false));
  return {
    get held() {
      return held;
    },
    sessionId: session.sessionId,
    async release() {
      if (released) return;
      released = true;
      held = false;
      // Unlocking first frees the lock at once even if closing the connection lingers.
      await session.unlock().catch(() => undefined);
      await session.end().catch(() => undefined);
    },
  };
}
