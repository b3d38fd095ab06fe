import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateConfigDir } from '../demo/generate-config-dir';
import type { LoadedSettings } from './load';
import { settingsReloader, watchSettings, type SettingsWatcher } from './watch';

const DSN = 'postgres://mmuser:s3cret@127.0.0.1:5432/mattermost?sslmode=disable';
let dir: string;
let watcher: SettingsWatcher | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmb-watch-'));
});
afterEach(async () => {
  watcher?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function editPluginSettings(file: string, section: Record<string, unknown>): Promise<void> {
  const config = JSON.parse(await readFile(file, 'utf8'));
  config.PluginSettings.Plugins['backup-dr'] = section;
  await writeFile(file, JSON.stringify(config, null, 2));
}

function nextChange(): { promise: Promise<[LoadedSettings, LoadedSettings | undefined]>; onChange: (n: LoadedSettings, p: LoadedSettings | undefined) => void } {
  let resolve!: (v: [LoadedSettings, LoadedSettings | undefined]) => void;
  const promise = new Promise<[LoadedSettings, LoadedSettings | undefined]>((r) => (resolve = r));
  return { promise, onChange: (n, p) => resolve([n, p]) };
}

test('a change in config.json is noticed within the interval, and a bad cron keeps the one in force', async () => {
  const { configFile } = await generateConfigDir(dir, { dataSource: DSN, backupPluginSettings: { backupschedule: '0 3 * * *' } });
  const reload = settingsReloader({ source: configFile, env: {} }, {});
  const initial = await reload(undefined);
  let change = nextChange();
  const problems: unknown[] = [];
  watcher = watchSettings({ reload, initial, intervalMs: 100, onChange: (n, p) => change.onChange(n, p), onProblem: (e) => problems.push(e) });

  const started = Date.now();
  await editPluginSettings(configFile, { backupschedule: '0 5 * * *' });
  const [next, previous] = await change.promise;
  expect(Date.now() - started).toBeLessThan(1000);
  expect(previous?.effective.backupSchedule).toBe('0 3 * * *');
  expect(next.effective.backupSchedule).toBe('0 5 * * *');

  change = nextChange();
  await editPluginSettings(configFile, { backupschedule: 'every night' });
  const [bad] = await change.promise;
  expect(bad.effective.backupSchedule).toBe('0 5 * * *');
  expect(bad.problems).toEqual([{ key: 'BackupSchedule', message: expect.stringContaining('5 fields') }]);
  expect(problems).toEqual([]);
});

test('a config that cannot be read is reported once, the settings in force stay, and recovery is noticed', async () => {
  const { configFile } = await generateConfigDir(dir, { dataSource: DSN });
  const reload = settingsReloader({ source: configFile, env: {} }, {});
  const initial = await reload(undefined);
  const problems: unknown[] = [];
  const changes: LoadedSettings[] = [];
  watcher = watchSettings({ reload, initial, intervalMs: 10_000, onChange: (n) => changes.push(n), onProblem: (e) => problems.push(e) });
  const text = await readFile(configFile, 'utf8');
  await writeFile(configFile, text.slice(0, 100)); // a half-written file
  await watcher.check();
  await watcher.check();
  expect(problems).toHaveLength(1);
  expect(String(problems[0])).toMatch(/not valid JSON/);
  expect(watcher.current()).toBe(initial);
  await writeFile(configFile, text);
  await watcher.check();
  expect(changes).toEqual([]); // same settings as before the failure
  await editPluginSettings(configFile, { RpoHours: 6 });
  await watcher.check();
  expect(changes.map((c) => c.effective.rpoHours)).toEqual([6]);
});

test('stop() ends polling', async () => {
  let calls = 0;
  const reload = async () => {
    calls++;
    throw new Error('x');
  };
  watcher = watchSettings({ reload, intervalMs: 20, onChange: () => {}, onProblem: () => {} });
  await new Promise((r) => setTimeout(r, 90));
  watcher.stop();
  const seen = calls;
  expect(seen).toBeGreaterThanOrEqual(2);
  await new Promise((r) => setTimeout(r, 80));
  expect(calls).toBe(seen);
});
