/**
 * Test helpers for the database drivers (used only by *.test.ts): connections to the machine's real
 * PostgreSQL and MariaDB, unique database names, a small Mattermost-shaped data set, and a reporter that
 * records every line so tests can assert that no secret leaks.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Reporter } from '../../common/reporter';
import type { DbConnection } from '../../mattermost/types';
import type { DatabaseDriver, DumpInfo } from '../database';

export function uniqueName(prefix: string): string {
  return `mmbt_${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function pgConn(database: string, over: Partial<DbConnection> = {}): DbConnection {
  return { driver: 'postgres', host: '127.0.0.1', port: 5432, user: 'postgres', database, params: { sslmode: 'disable' }, ...over };
}

export function myConn(database: string, over: Partial<DbConnection> = {}): DbConnection {
  return { driver: 'mysql', host: '127.0.0.1', port: 3306, user: 'root', password: '', database, params: {}, ...over };
}

export interface RecordingReporter extends Reporter {
  lines: string[];
}

export function recordingReporter(): RecordingReporter {
  const lines: string[] = [];
  return {
    lines,
    stepStarted: (step, detail) => lines.push(`start ${step} ${detail ?? ''}`),
    bytes: () => undefined,
    info: (line) => lines.push(`info ${line}`),
    warn: (line) => lines.push(`warn ${line}`),
    stepFinished: (step, ok) => lines.push(`finish ${step} ${ok}`),
  };
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export interface DumpResult {
  sql: Buffer;
  files: string[];
  info: DumpInfo;
}

/** Runs a whole dump the way the engine does: the file list first, then the SQL, then `finished`. */
export async function dumpAll(driver: DatabaseDriver, conn: DbConnection, reporter: Reporter): Promise<DumpResult> {
  const dump = await driver.dump(conn, reporter);
  const files: string[] = [];
  for await (const f of dump.referencedFiles) files.push(f);
  const sql = await collect(dump.sql);
  const info = await dump.finished;
  return { sql, files, info };
}

export async function listAll(files: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const f of files) out.push(f);
  return out.sort();
}

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(26 - prefix.length, '0')}`;

/** Mattermost-shaped rows: 26-character ids, epoch-millisecond times, unicode text. */
export function sampleData() {
  const t0 = 1_700_000_000_000;
  const users = [1, 2, 3].map((n) => ({ id: id('u', n), username: `user${n}`, createat: t0 + n, props: JSON.stringify({ n, lang: 'ja', note: 'ünïcødé ✓' }) }));
  const channels = [1, 2].map((n) => ({ id: id('c', n), name: `town-square-${n}`, displayname: `Town Square ${n} — 日本語 🎉` }));
  const posts = Array.from({ length: 12 }, (_, i) => ({
    id: id('p', i),
    userid: users[i % 3].id,
    channelid: channels[i % 2].id,
    message: `post ${i}: héllo wörld ✓ 你好 🙂 'quote' "dq" \\ back\\slash\ttab`,
    createat: t0 + 1000 * i,
  }));
  const fileinfo = Array.from({ length: 8 }, (_, i) => {
    const base = `20240101/teams/${id('t', 1)}/channels/${channels[0].id}/users/${users[0].id}/${id('f', i)}`;
    return {
      id: id('f', i),
      creatorid: users[0].id,
      postid: posts[i].id,
      path: `${base}/image ${i}.jpg`,
      thumbnailpath: i % 3 === 2 ? '' : `${base}/image ${i}_thumb.jpg`,
      previewpath: i % 3 === 2 ? '' : `${base}/image ${i}_preview.jpg`,
      deleteat: i === 5 ? t0 : 0,
    };
  });
  const systems = [
    { name: 'Version', value: '9.11.0' },
    { name: 'AdvancedPermissionsMigrationComplete', value: 'true' },
  ];
  const migrations = Array.from({ length: 5 }, (_, i) => ({ version: 120 + i, name: `migration_${120 + i}` }));
  return { users, channels, posts, fileinfo, systems, migrations };
}

/** The paths a dump of sampleData() must list. */
export function expectedFiles(): string[] {
  return sampleData()
    .fileinfo.filter((f) => f.deleteat === 0)
    .flatMap((f) => [f.path, f.thumbnailpath, f.previewpath])
    .filter((p) => p !== '')
    .sort();
}
