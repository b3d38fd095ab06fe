/**
 * The recovery benchmark's server: a real Mattermost (the pinned build from build/ensure-mattermost.sh) on a
 * database with the real schema, which `mattermost db migrate` creates, then filled in bulk: posts with
 * word-like messages (so Mattermost's full-text index has real work on restore), spread over channels and
 * users. The schema is Mattermost's own, so the restored database is one it boots on; only the bulk rows
 * are written by SQL (making a million posts through the API would take hours). Cached in
 * `mmbackup_bench_mm` and `.bench/recovery/` with a marker row; rebuilt when the post count changes.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import { mattermostDataSource, openPostgres } from '../demo/db-endpoint';
import { dropScratchDatabase, databaseSize } from './bench-database';
import type { BenchSettings } from './settings';

type Log = (line: string) => void;

export const RECOVERY_DATABASE = 'mmbackup_bench_mm';
const MARKER = 'mmbackup_bench_recovery_posts';

export interface RecoveryInstall {
  /** The built Mattermost: bin/mattermost, i18n/, templates/, fonts/. */
  build: string;
  installDir: string;
  configFile: string;
  posts: number;
  sizeBytes: number;
  reused: boolean;
}

/** The built Mattermost, or undefined with the reason (no Go to build it). */
export function mattermostBuild(settings: BenchSettings, log: Log): { build?: string; reason?: string } {
  try {
    return { build: execFileSync(path.join(settings.repoRoot, 'build/ensure-mattermost.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60_000 }).trim() };
  } catch (err) {
    const said = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop();
    log(`no Mattermost build, so no recovery figure: ${said}`);
    return { reason: said };
  }
}

/** An install dir whose bin/ and assets link to the build; config.json points at `database`. */
export async function makeInstallDir(dir: string, build: string, dataSource: string): Promise<string> {
  await fs.rm(dir, { recursive: true, force: true });
  for (const sub of ['bin', 'config', 'data', 'plugins', 'client/plugins']) await fs.mkdir(path.join(dir, sub), { recursive: true });
  await fs.symlink(path.join(build, 'bin', 'mattermost'), path.join(dir, 'bin', 'mattermost'));
  for (const assets of ['i18n', 'templates', 'fonts']) await fs.symlink(path.join(build, assets), path.join(dir, assets));
  const config = {
    SqlSettings: { DriverName: 'postgres', DataSource: dataSource },
    FileSettings: { DriverName: 'local', Directory: './data/' },
    LogSettings: { EnableConsole: true, ConsoleJson: true, ConsoleLevel: 'INFO', EnableFile: false, EnableDiagnostics: false },
    EmailSettings: { SendEmailNotifications: false, SendPushNotifications: false, PushNotificationServer: '' },
    PluginSettings: { Enable: false },
    ServiceSettings: { EnableSecurityFixAlert: false },
    AnnouncementSettings: { AdminNoticesEnabled: false, UserNoticesEnabled: false },
  };
  const configFile = path.join(dir, 'config', 'config.json');
  await fs.writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  return configFile;
}

async function withDb<T>(settings: BenchSettings, database: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = await openPostgres({ ...settings.server, database });
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function cachedPosts(settings: BenchSettings): Promise<number | undefined> {
  try {
    return await withDb(settings, RECOVERY_DATABASE, async (c) => Number((await c.query(`SELECT value FROM systems WHERE name = '${MARKER}'`)).rows[0]?.value) || undefined);
  } catch {
    return undefined;
  }
}

/** Mattermost reads these rows into Go structs that take no NULL: every column left out gets its zero value. */
async function zeroNulls(c: Client, tables: string[]): Promise<void> {
  const zero: Record<string, string> = { 'character varying': "''", text: "''", bigint: '0', integer: '0', smallint: '0', boolean: 'false', jsonb: "'{}'" };
  for (const table of tables) {
    const columns = (await c.query('SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1', [table])).rows;
    // Columns under a unique index stay NULL (users.authdata: NULL is how Mattermost says "none").
    const unique = new Set((await c.query('SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisunique', [table])).rows.map((r) => r.attname));
    const sets = columns.filter((col) => zero[col.data_type] && !unique.has(col.column_name)).map((col) => `"${col.column_name}" = COALESCE("${col.column_name}", ${zero[col.data_type]})`);
    if (sets.length > 0) await c.query(`UPDATE ${table} SET ${sets.join(', ')}`);
  }
}

/** Bulk rows in Mattermost's own tables: 200 users, 50 channels, `posts` posts (one in five a reply). */
async function fill(c: Client, posts: number): Promise<void> {
  const id = (expr: string) => `substr(md5(${expr}), 1, 26)`;
  await c.query(`INSERT INTO teams (id, createat, updateat, deleteat, displayname, name, email, type, allowopeninvite, groupconstrained)
    VALUES (${id("'team'")}, 1700000000000, 1700000000000, 0, 'Bench', 'bench', 'bench@example.com', 'O', true, false)`);
  await c.query(`INSERT INTO users (id, createat, updateat, deleteat, username, password, email, emailverified, roles, locale, notifyprops, props, timezone)
    SELECT ${id("'user' || u")}, 1700000000000, 1700000000000, 0, 'bench' || u, '', 'bench' || u || '@example.com', true, 'system_user', 'en', '{}', '{}', '{}' FROM generate_series(1, 200) u`);
  await c.query(`INSERT INTO channels (id, createat, updateat, deleteat, teamid, type, displayname, name, header, purpose, lastpostat, totalmsgcount, creatorid)
    SELECT ${id("'channel' || ch")}, 1700000000000, 1700000000000, 0, ${id("'team'")}, 'O', 'Channel ' || ch, 'channel-' || ch, '', '', 0, 0, ${id("'user1'")} FROM generate_series(1, 50) ch`);
  await c.query(`INSERT INTO posts (id, createat, updateat, editat, deleteat, ispinned, userid, channelid, rootid, originalid, message, type, props, hashtags, filenames, fileids, hasreactions, remoteid)
    SELECT ${id("'post' || i")}, 1700000000000 + i * 1000, 1700000000000 + i * 1000, 0, 0, false,
      ${id("'user' || (i % 200 + 1)")}, ${id("'channel' || (i % 50 + 1)")},
      CASE WHEN i % 5 = 0 THEN ${id("'post' || (i - 1)")} ELSE '' END, '',
      'status update ' || i || ': the ' || (ARRAY['deploy','review','backup','release','meeting'])[i % 5 + 1] || ' of ' || md5(i::text) || ' went ' || (ARRAY['well','late','sideways','fine'])[i % 4 + 1] || ', see the notes',
      '', '{}', '', '[]', '[]', false, ''
    FROM generate_series(1, ${posts}) i`);
  await zeroNulls(c, ['teams', 'users', 'channels']);
  await c.query(`INSERT INTO systems (name, value) VALUES ('${MARKER}', '${posts}')`);
  await c.query('ANALYZE');
}

/**
 * The benchmark's Mattermost with its database: reused when the marker says it holds `posts` posts; else
 * the schema is made by `mattermost db migrate`, the rows are filled, and Mattermost is left to finish its
 * first-start data migrations on its own first boot (which the benchmark does before backing up).
 */
export async function ensureRecoveryInstall(settings: BenchSettings, build: string, posts: number, log: Log): Promise<RecoveryInstall> {
  const installDir = path.join(settings.benchDir, 'recovery', 'source');
  const dataSource = mattermostDataSource('postgres', { ...settings.server, database: RECOVERY_DATABASE });
  const configFile = await makeInstallDir(installDir, build, dataSource);
  const reused = (await cachedPosts(settings)) === posts;
  if (!reused) {
    log(`building ${RECOVERY_DATABASE}: Mattermost's schema by "mattermost db migrate", then ${posts.toLocaleString('en-US')} posts`);
    await dropScratchDatabase(settings, RECOVERY_DATABASE);
    await withDb(settings, settings.server.database ?? 'postgres', (c) => c.query(`CREATE DATABASE "${RECOVERY_DATABASE}" TEMPLATE template0 ENCODING 'UTF8'`));
    execFileSync(path.join(installDir, 'bin', 'mattermost'), ['db', 'migrate', '--config', configFile], { cwd: installDir, env: { PATH: process.env.PATH, HOME: installDir }, stdio: 'ignore', timeout: 10 * 60_000 });
    await withDb(settings, RECOVERY_DATABASE, (c) => fill(c, posts));
  }
  return { build, installDir, configFile, posts, sizeBytes: await databaseSize(settings, RECOVERY_DATABASE), reused };
}
