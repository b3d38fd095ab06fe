/**
 * The last step of a drill: boot the real Mattermost on what the drill restored, and read a known post and a
 * known file through its API. A backup whose database Mattermost will not open (a missing migration row, a
 * lost sequence or index, a config it rejects) fails here, with Mattermost's own last log lines.
 *
 * Isolation (./drill-config.ts): a scratch copy of the snapshot's config, pointed at the scratch database and
 * files, on a free loopback port, with email, push, webhooks, cluster, jobs and plugins off.
 * Access: the drill needs a session to read a file, and must hold no credential of the real server. It
 * switches on local mode (a unix socket in its 0700 scratch directory, the way `mmctl --local` works), makes
 * a short-lived system admin with a random password through it, and logs in over HTTP like any user. That
 * user lives only in the scratch database, which the drill drops afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import { registerSecret } from '../common/redact';
import { findMattermostBinary, inspectMattermostBinary, type MattermostBinary } from '../mattermost/server-binary';
import { freePort } from '../common/free-port';
import { startMattermost } from '../mattermost/server-process';
import type { DbConnection } from '../mattermost/types';
import type { Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import { isolateConfig } from './drill-config';
import { findKnownItems, type KnownItems } from './drill-known-items';
import { restoreTree } from './restore-tree';
import type { DrillReport } from './drill';
import { makeScratchDirectory } from './drill-scratch';
import { judge } from './version-safety';

export interface BootReport {
  mattermostVersion: string;
  binary: string;
  /** From starting the process to the first healthy ping (database OK). */
  bootMs: number;
  postChecked?: string;
  fileChecked?: { id: string; size: number; sha256: string };
}

export interface BootInput {
  repository: Repository;
  snapshot: SnapshotManifest;
  binary: MattermostBinary;
  db: DbConnection;
  /** Where the drill restored the file store (data root); undefined when the snapshot has none. */
  filesDir?: string;
  scratchDir: string;
  reporter: Reporter;
}

export interface DrillBootOptions {
  /** --mattermost-binary (else $MMBACKUP_MATTERMOST_BINARY, else <install dir>/bin/mattermost). */
  mattermostBinary?: string;
  /** Where Mattermost is installed on this host (default: the install dir the snapshot recorded). */
  installDir?: string;
  /** false: restore and compare only (verify --drill --no-boot). */
  boot?: boolean;
}

/**
 * The drill's boot step: boots Mattermost when its binary is on this host, and records the recovery time
 * (restore plus boot to healthy) in the report; says why when it does not boot.
 */
export async function bootIfInstalled(input: { repository: Repository; snapshot: SnapshotManifest; db?: DbConnection; filesDir?: string; reporter: Reporter; report: DrillReport; options: DrillBootOptions }): Promise<void> {
  const { snapshot, report, reporter, options } = input;
  if (options.boot === false) return void (report.bootSkipped = 'not asked to boot (--no-boot)');
  if (!input.db) return void (report.bootSkipped = 'the snapshot has no database to boot on');
  const installDir = options.installDir ?? snapshot.mattermost.installDir;
  const binaryPath = await findMattermostBinary({ explicit: options.mattermostBinary, installDir });
  if (!binaryPath) {
    report.bootSkipped = `no Mattermost binary at ${installDir}/bin/mattermost (pass --mattermost-binary to boot the restored data)`;
    reporter.info(`the drill did not boot Mattermost: ${report.bootSkipped}`);
    return;
  }
  const binary = await inspectMattermostBinary(binaryPath);
  // A binary older than the backup could not run it: the drill says so the way a restore would.
  judge({ version: snapshot.mattermost.version, schemaVersion: snapshot.mattermost.schemaVersion }, binary, input.db.driver);
  // Named like the drill's own scratch directory, so the next drill removes it if this one is killed.
  const scratchDir = await makeScratchDirectory();
  try {
    report.boot = await bootRestoredServer({ repository: input.repository, snapshot, binary, db: input.db, filesDir: input.filesDir, scratchDir, reporter });
    report.recoveryMs = report.restoreDurationMs + report.boot.bootMs;
  } finally {
    await fs.rm(scratchDir, { recursive: true, force: true });
  }
}

export async function bootRestoredServer(input: BootInput): Promise<BootReport> {
  const { snapshot, reporter, binary } = input;
  const configDir = path.join(input.scratchDir, 'config');
  const configRoot = snapshot.components.config?.directory ?? snapshot.components.config?.databaseConfig;
  let original: unknown = {};
  await fs.mkdir(configDir, { recursive: true, mode: 0o700 });
  if (configRoot) {
    await restoreTree(input.repository, configRoot, configDir, reporter);
    original = JSON.parse(await fs.readFile(path.join(configDir, 'config.json'), 'utf8').catch(() => '{}'));
  }
  const filesDir = input.filesDir ?? path.join(input.scratchDir, 'empty-files');
  await fs.mkdir(filesDir, { recursive: true });
  const port = await freePort();
  const config = isolateConfig(original, { db: input.db, port, filesDir, scratchDir: input.scratchDir });
  const configFile = path.join(configDir, 'config.json');
  await fs.writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const known = await findKnownItems(input.db);

  reporter.stepStarted('drill-boot', `starting Mattermost ${binary.version} on 127.0.0.1:${port}`);
  const server = await startMattermost({ binary, config: configFile, port }).catch((err) => {
    reporter.stepFinished('drill-boot', false);
    throw err;
  });
  try {
    reporter.info(`Mattermost ${binary.version} answered healthy with its database after ${server.bootMs} ms`);
    const report: BootReport = { mattermostVersion: binary.version, binary: binary.path, bootMs: server.bootMs };
    const token = await drillSession(config.ServiceSettings.LocalModeSocketLocation as string, server.url);
    await readKnownItems(server.url, token, known, input.filesDir, report);
    reporter.stepFinished('drill-boot', true);
    return report;
  } catch (err) {
    reporter.stepFinished('drill-boot', false);
    if (err instanceof MmBackupError) throw err;
    throw bootCheckFailed(`${(err as Error).message}; Mattermost's last log lines:\n${server.logTail().map((l) => `    ${l}`).join('\n')}`);
  } finally {
    await server.stop();
  }
}

function bootCheckFailed(message: string): MmBackupError {
  return new MmBackupError({ step: 'drill-boot', code: 'DRILL_BOOT_CHECK_FAILED', message: `the restored Mattermost started but ${message}`, fix: 'the restored data is not what Mattermost serves: restore the snapshot by hand onto a test server and read its log' });
}

/** A short-lived admin in the scratch database, made through local mode; returns its session token. */
async function drillSession(socket: string, url: string): Promise<string> {
  const suffix = randomBytes(6).toString('hex');
  // Long and of every character class, so any password policy of the restored config accepts it.
  const password = `${randomBytes(45).toString('base64url')}aA1!`;
  registerSecret(password);
  const username = `mmbackup-drill-${suffix}`;
  const user = await localCall(socket, 'POST', '/api/v4/users', { username, email: `${username}@drill.invalid`, password, disable_welcome_email: true });
  await localCall(socket, 'PUT', `/api/v4/users/${user.id}/roles`, { roles: 'system_user system_admin' });
  await localCall(socket, 'POST', `/api/v4/users/${user.id}/email/verify/member`, {});
  const res = await fetch(`${url}/api/v4/users/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest' }, body: JSON.stringify({ login_id: username, password }) });
  const token = res.headers.get('token');
  if (!res.ok || !token) throw new Error(`the drill's admin could not log in (HTTP ${res.status}: ${(await res.text()).slice(0, 200)})`);
  registerSecret(token);
  return token;
}

function localCall(socket: string, method: string, route: string, body: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request({ socketPath: socket, method, path: route, headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`local mode ${method} ${route} answered ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(text ? JSON.parse(text) : {});
      });
    });
    req.on('error', (err) => reject(new Error(`local mode socket ${socket}: ${err.message}`)));
    req.end(payload);
  });
}

async function readKnownItems(url: string, token: string, known: KnownItems, filesDir: string | undefined, report: BootReport): Promise<void> {
  const headers = { Authorization: `Bearer ${token}`, 'X-Requested-With': 'XMLHttpRequest' };
  if (known.postId) {
    const res = await fetch(`${url}/api/v4/posts/${known.postId}`, { headers });
    const post = (await res.json().catch(() => ({}))) as { id?: string };
    if (!res.ok || post.id !== known.postId) throw new Error(`post ${known.postId} could not be read through the API (HTTP ${res.status})`);
    report.postChecked = known.postId;
  }
  if (known.file && filesDir) {
    const res = await fetch(`${url}/api/v4/files/${known.file.id}`, { headers });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`file ${known.file.id} (${known.file.path}) could not be downloaded through the API (HTTP ${res.status})`);
    if (bytes.length !== known.file.size) throw new Error(`file ${known.file.id} came back with ${bytes.length} bytes, but Mattermost recorded ${known.file.size}`);
    report.fileChecked = { id: known.file.id, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
}
