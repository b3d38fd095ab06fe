/**
 * The backup history: verification and drill outcomes per snapshot, and restore lines that the real CLI
 * accepts. A config-only backup of a generated Mattermost config goes into a real local repository whose
 * path has a space in it; each restore line is then run (as a dry run) through the CLI's own main().
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter } from '../common/reporter';
import { generateConfigDir } from '../demo/generate-config-dir';
import { LocalDestination } from '../destinations/local';
import { runBackup } from '../engine/backup';
import { loadInstallation } from '../mattermost/installation';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import { main } from '../cli/main';
import { backupSummaries, repositoryArgument, restoreCommands } from './history';

const PASSPHRASE = 'history test passphrase that must not leak';
let root: string;
let repo: Repository;
let snapshot: SnapshotManifest;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup history '));
  const config = await generateConfigDir(path.join(root, 'mattermost', 'config'), { dataSource: 'postgres://mmuser:db-secret-pw@127.0.0.1:5432/mattermost?sslmode=disable' });
  repo = await Repository.init(new LocalDestination(path.join(root, "repo o'hara")), passphraseSecret(PASSPHRASE));
  const installation = await loadInstallation({ source: config.configFile, env: {} });
  snapshot = await runBackup({ installation, repository: repo, components: ['config'], reporter: silentReporter });
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

/** Splits a line as a POSIX shell would, for what restoreCommands writes: words, '...' and \x escapes. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') {
      word = (word ?? '') + line[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  return word === undefined ? words : [...words, word];
}

/** Runs the CLI in this process and returns its exit code and stdout. */
async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number | undefined; stdout: string }> {
  const names = ['MM_CONFIG', ...Object.keys(env)];
  const saved = names.map((n) => [n, process.env[n]] as const);
  const exitCode = process.exitCode;
  let stdout = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  delete process.env.MM_CONFIG;
  Object.assign(process.env, env);
  try {
    await main(argv);
    return { code: process.exitCode as number | undefined, stdout };
  } finally {
    write.mockRestore();
    quiet.mockRestore();
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
    process.exitCode = exitCode;
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
  }
}

test('one line for all components, then one per component held; the CLI takes each as written', async () => {
  const lines = restoreCommands(snapshot, repo.destination.location);
  expect(lines).toEqual([
    `mmbackup restore ${snapshot.id} --repo '${repo.destination.location.replace(/'/g, `'\\''`)}'`,
    `mmbackup restore ${snapshot.id} --only config --repo '${repo.destination.location.replace(/'/g, `'\\''`)}'`,
  ]);
  for (const line of lines) {
    const [command, ...argv] = shellWords(line);
    expect(command).toBe('mmbackup');
    const target = await fs.mkdtemp(path.join(root, 'restore-target-'));
    const run = await cli([...argv, '--config-dir', target, '--dry-run', '--json'], { MMBACKUP_PASSPHRASE: PASSPHRASE });
    expect(run).toEqual({ code: 0, stdout: expect.any(String) });
    expect(JSON.parse(run.stdout)).toMatchObject({ snapshot: snapshot.id, dryRun: true, actions: [{ component: 'config', target, replaces: false }] });
    expect(line).not.toContain(PASSPHRASE);
  }
});

test('an S3 repository is named by $MMBACKUP_REPO; a plain path stays plain', () => {
  expect(repositoryArgument('s3://backups/mattermost (minio.internal:9000)')).toBe('"$MMBACKUP_REPO"');
  expect(repositoryArgument('/backup/mattermost')).toBe('/backup/mattermost');
  const full = { ...snapshot, components: { db: {}, config: {}, files: {} } } as unknown as SnapshotManifest;
  expect(restoreCommands(full, 's3://backups/mm (AWS)')).toEqual([
    `mmbackup restore ${snapshot.id} --repo "$MMBACKUP_REPO"`,
    `mmbackup restore ${snapshot.id} --only db --repo "$MMBACKUP_REPO"`,
    `mmbackup restore ${snapshot.id} --only config --repo "$MMBACKUP_REPO"`,
    `mmbackup restore ${snapshot.id} --only files --repo "$MMBACKUP_REPO"`,
  ]);
});

test('each summary carries its last verify and drill, passed or failed, and when it last passed', () => {
  const at = (h: number) => new Date(Date.UTC(2026, 0, 10, h)).toISOString();
  const [summary] = backupSummaries([snapshot], [{
    snapshot: snapshot.id, readData: true, drill: false, at: at(1),
    lastVerify: { ok: true, at: at(1), readData: true, jobId: 'verify-1' },
    lastDrill: { ok: false, at: at(2), restoreDurationMs: null, message: 'row counts differ', fix: '' },
  }], repo.destination.location);
  expect(summary).toMatchObject({
    id: snapshot.id, components: ['config'], verifiedAt: at(1),
    verification: { ok: true, at: at(1), readData: true },
    drill: { ok: false, at: at(2), restoreDurationMs: null },
  });
  expect(Object.keys(summary.verification!)).toEqual(['ok', 'at', 'readData']);
  const [never] = backupSummaries([snapshot], [], repo.destination.location);
  expect(never).toMatchObject({ verifiedAt: null, verification: null, drill: null });
  expect(JSON.stringify(summary)).not.toContain('db-secret-pw');
});
