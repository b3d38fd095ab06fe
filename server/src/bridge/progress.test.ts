/**
 * Progress for the console: byte estimates reach the running job (and never override the engine's own),
 * the walk of a directory tree, the database's size on the real PostgreSQL, and the backup plan against the
 * steps a real backup job (engine backup, then prune) actually reports.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateConfigDir } from '../demo/generate-config-dir';
import { LocalDestination } from '../destinations/local';
import { loadInstallation } from '../mattermost/installation';
import type { MattermostInstallation } from '../mattermost/types';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import { JobRunner } from '../schedule/runner';
import { defaultSettings } from '../settings/schema';
import { backupJob } from './jobs';
import { backupEstimates, backupPlan, bytesUnder, estimatingReporter, type StepEstimates } from './progress';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-progress-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('estimatingReporter on the JobRunner', () => {
  async function withJob(estimates: StepEstimates, body: (reporter: ReturnType<typeof estimatingReporter>, runner: JobRunner) => Promise<void>): Promise<void> {
    const runner = new JobRunner();
    await runner.run('backup', async (_signal, reporter) => body(estimatingReporter(reporter, estimates), runner));
  }

  test('a step without a total gets the estimate once it is known', async () => {
    const size = deferred<number | undefined>();
    await withJob(new Map([['dump-db', size.promise]]), async (reporter, runner) => {
      reporter.stepStarted('dump-db');
      expect(runner.current()?.bytesTotal).toBeUndefined();
      size.resolve(5000);
      await tick();
      expect(runner.current()?.bytesTotal).toBe(5000);
    });
  });

  test('the engine\'s own total wins, whether given at the start or later', async () => {
    await withJob(new Map([['verify', Promise.resolve(1)], ['dump-db', Promise.resolve(2)]]), async (reporter, runner) => {
      reporter.stepStarted('verify', undefined, 900);
      await tick();
      expect(runner.current()?.bytesTotal).toBe(900);
      reporter.stepStarted('dump-db');
      reporter.expectBytes!(700);
      await tick();
      expect(runner.current()?.bytesTotal).toBe(700);
    });
  });

  test('an estimate that arrives after its step ended is dropped; unknown (undefined) stays unknown', async () => {
    const late = deferred<number | undefined>();
    await withJob(new Map([['files', late.promise], ['config', Promise.resolve(undefined)]]), async (reporter, runner) => {
      reporter.stepStarted('files');
      reporter.stepStarted('write-manifest');
      late.resolve(123);
      await tick();
      expect(runner.current()?.bytesTotal).toBeUndefined();
      reporter.stepStarted('config');
      await tick();
      expect(runner.current()?.bytesTotal).toBeUndefined();
    });
  });
});

test('bytesUnder sums the regular files of several trees; a missing tree counts nothing', async () => {
  const a = path.join(root, 'walk', 'a');
  await fs.mkdir(path.join(a, 'deep', 'er'), { recursive: true });
  await fs.writeFile(path.join(a, 'one'), Buffer.alloc(100));
  await fs.writeFile(path.join(a, 'deep', 'er', 'two'), Buffer.alloc(250));
  await fs.symlink(path.join(a, 'one'), path.join(a, 'link')); // not a regular file: not counted twice
  expect(await bytesUnder([a, path.join(root, 'walk', 'missing')])).toBe(350);
});

describe('backupEstimates', () => {
  const installation = (dataDir: string): MattermostInstallation => ({
    configSource: { kind: 'file', path: '/x/config.json' } as MattermostInstallation['configSource'],
    installDir: root,
    database: { driver: 'postgres', host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', params: {} },
    fileStore: { driver: 'local', directory: dataDir } as MattermostInstallation['fileStore'],
    pluginDirs: { server: path.join(root, 'no-plugins'), client: path.join(root, 'no-client-plugins') },
    envOverrides: {},
    config: {},
  });

  test('first backup: the database\'s size on the real server, and a walk of the file store', async () => {
    const data = path.join(root, 'store');
    await fs.mkdir(data, { recursive: true });
    await fs.writeFile(path.join(data, 'f'), Buffer.alloc(4096));
    const estimates = backupEstimates(installation(data), ['db', 'config', 'files'], []);
    expect(await estimates.get('dump-db')).toBeGreaterThan(1_000_000); // pg_database_size of an empty database is several MB
    expect(await estimates.get('files')).toBe(4096);
    expect(estimates.has('config')).toBe(false); // the config step reports no bytes
  });

  test('later backups: the newest earlier dump and file store sizes', async () => {
    const previous = { components: { db: { dump: { size: 777 } }, files: { roots: [{ bytes: 10 }, { bytes: 5 }] } } } as unknown as SnapshotManifest;
    const onlyConfig = { components: { config: {} } } as unknown as SnapshotManifest;
    const estimates = backupEstimates(installation('/nonexistent'), ['db', 'files'], [onlyConfig, previous]);
    expect(await estimates.get('dump-db')).toBe(777);
    expect(await estimates.get('files')).toBe(15);
  });

  test('an unreachable database gives no estimate rather than an error', async () => {
    const inst = installation('/nonexistent');
    inst.database = { ...inst.database, port: 1 };
    expect(await backupEstimates(inst, ['db'], []).get('dump-db')).toBeUndefined();
  });
});

test('the backup plan follows the steps a real backup job reports: every step has a phase, in order, ending at the last', async () => {
  const config = await generateConfigDir(path.join(root, 'mm', 'config'), { dataSource: 'postgres://mmuser:pw@127.0.0.1:5432/mattermost?sslmode=disable' });
  const installation = await loadInstallation({ source: config.configFile, env: {} });
  const secret = passphraseSecret('progress passphrase');
  const repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), secret);
  const settings = { ...defaultSettings(), components: ['config' as const], pruneSchedule: '' };
  const plan = backupPlan(['config'], { offsite: false, prune: true });
  const runner = new JobRunner();
  const seen: Array<[string, number | undefined]> = [];
  await runner.run('backup', (signal, reporter, jobId) => {
    const watching = { ...reporter, stepStarted: (step: string, detail?: string, total?: number) => {
      reporter.stepStarted(step, detail, total);
      seen.push([step, runner.current()!.stepIndex]);
    } };
    return backupJob({ repository, secret, installation, settings, reporter: watching, signal, jobId }, ['config']);
  }, { plan });
  expect(seen.map(([step]) => step)).toEqual(expect.arrayContaining(['preflight', 'lock', 'index', 'config', 'write-manifest', 'prune', 'plan', 'remove-objects']));
  const indexes = seen.map(([, i]) => i);
  expect(indexes.every((i) => i !== undefined)).toBe(true);
  expect([...indexes].sort((x, y) => x! - y!)).toEqual(indexes);
  expect(indexes[indexes.length - 1]).toBe(plan.length);
});
