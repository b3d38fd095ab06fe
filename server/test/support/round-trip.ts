/**
 * The central promise, checked once per database: back up a whole installation, restore it onto "a new
 * server" (another database and directories), and find everything equal: every table's rows, sequences,
 * indexes, foreign keys; files and config byte-identical; config.json pointed at the new targets.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { compareDatabases, compareTrees } from '../../src/demo/compare';
import { LocalDestination } from '../../src/destinations/local';
import { passphraseSecret } from '../../src/repository/keys';
import { expectValidManifest } from '../../src/repository/manifest-schema.testkit';
import { Repository } from '../../src/repository/repository';
import { loadVerification } from '../../src/repository/verifications';
import { driverFor } from '../../src/sources/drivers';
import { allOutput, requireBuild, runCli } from './cli';
import { createInstallation, DB_PASSWORD, PASSPHRASE, SERVERS, uniqueName, type TestInstallation } from './installation';

export function describeRoundTrip(driver: 'postgres' | 'mysql'): void {
  describe(`backup and restore round trip on ${driver}`, () => {
    let inst: TestInstallation;
    const restoredDb = uniqueName('mmbackup_it_restored');
    const target = { ...SERVERS[driver], database: restoredDb, password: SERVERS[driver].password || undefined };
    let snapshotId: string;

    beforeAll(async () => {
      requireBuild();
      inst = await createInstallation(driver);
      const init = await runCli([...inst.args, 'init']);
      expect(init.code).toBe(0);
    });
    afterAll(async () => {
      await driverFor(target).dropDatabase(target).catch(() => {});
      await inst?.cleanup();
    });

    test('backup captures db, config and files with the database facts in the manifest', async () => {
      const result = await runCli([...inst.args, '--json', 'backup']);
      expect(result.code).toBe(0);
      const { snapshot } = result.json();
      snapshotId = snapshot.id;
      expectValidManifest(snapshot);
      expect(Object.keys(snapshot.components).sort()).toEqual(['config', 'db', 'files']);
      expect(snapshot.components.db.tables).toEqual(inst.db.tables);
      expect(snapshot.mattermost.version).toBe(inst.db.mattermostVersion);
      expect(snapshot.mattermost.schemaVersion).toBe(inst.db.schemaVersion);
      const liveFiles = inst.db.files.filter((f) => !f.deleted);
      expect(snapshot.components.db.referencedFiles.count).toBeGreaterThanOrEqual(liveFiles.length);
      expect(snapshot.components.files.roots.map((r: { name: string }) => r.name)).toEqual(['data', 'plugins', 'client-plugins']);
    });

    test('restore onto new targets gives identical data', async () => {
      const newInstall = path.join(inst.root, 'new-server');
      const result = await runCli([...inst.args, '--json', 'restore', snapshotId, '--db', dsnFor(driver, target), '--config-dir', path.join(newInstall, 'config'), '--install-dir', newInstall]);
      expect(result.code).toBe(0);
      expect(result.json().check.rowMismatches).toEqual([]);

      expect(await compareDatabases(driver, inst.connection, target)).toEqual([]);
      for (const sub of ['data', 'plugins', 'client/plugins']) {
        expect(await compareTrees(path.join(inst.installDir, sub), path.join(newInstall, sub))).toEqual([]);
      }
      for (const name of await fs.readdir(path.join(inst.installDir, 'config'))) {
        if (name === 'config.json') continue;
        const [a, b] = await Promise.all([fs.readFile(path.join(inst.installDir, 'config', name)), fs.readFile(path.join(newInstall, 'config', name))]);
        expect(b.equals(a)).toBe(true);
      }
      const before = JSON.parse(await fs.readFile(inst.configFile, 'utf8'));
      const after = JSON.parse(await fs.readFile(path.join(newInstall, 'config', 'config.json'), 'utf8'));
      expect(after.SqlSettings.DataSource).toContain(restoredDb);
      expect(path.resolve(newInstall, after.FileSettings.Directory)).toBe(path.join(newInstall, 'data'));
      after.SqlSettings.DataSource = before.SqlSettings.DataSource;
      after.FileSettings.Directory = before.FileSettings.Directory;
      expect(after).toEqual(before);
    });

    test('a second backup of the unchanged installation stores no file content again', async () => {
      const result = await runCli([...inst.args, '--json', 'backup', '--only', 'config,files']);
      expect(result.code).toBe(0);
      const { snapshot } = result.json();
      expect(snapshot.totals.bytesWritten).toBe(0);
      expect(snapshot.totals.chunksNew).toBe(0);
      const full = (await runCli([...inst.args, '--json', 'backup'])).json().snapshot;
      expect(full.totals.bytesWritten).toBeLessThan(full.components.db.dump.size / 2);
    });

    test('verify --read-data and a drill pass, and the drill leaves no scratch database', async () => {
      const verify = await runCli([...inst.args, '--json', 'verify', snapshotId, '--read-data', '--drill']);
      expect(verify.code).toBe(0);
      const report = verify.json();
      expect(report.problems).toEqual([]);
      expect(report.drill.check.rowMismatches).toEqual([]);
      expect(report.drill.check.filesMissing).toEqual([]);
      expect(report.drill.check.tablesCompared).toBe(Object.keys(inst.db.tables).length);
      const scratch = { ...target, database: report.drill.scratchDatabase };
      expect((await driverFor(scratch).inspect(scratch)).exists).toBe(false);
      // Both outcomes are in the repository for the System Console, with the drill's measured restore time.
      const repository = await Repository.open(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
      const record = await loadVerification(repository, snapshotId);
      expect(record).toMatchObject({ readData: true, drill: true, lastVerify: { ok: true }, lastDrill: { ok: true, restoreDurationMs: report.drill.restoreDurationMs } });
    });

    test('no secret appeared in any output', () => {
      const everything = allOutput.join('\n');
      expect(everything).not.toContain(PASSPHRASE);
      expect(everything).not.toContain(DB_PASSWORD);
    });
  });
}

export function dsnFor(driver: 'postgres' | 'mysql', c: { user: string; password?: string; host: string; port: number; database: string }): string {
  const auth = c.password ? `${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}` : encodeURIComponent(c.user);
  return driver === 'postgres' ? `postgres://${auth}@${c.host}:${c.port}/${c.database}?sslmode=disable` : `${c.user}${c.password ? `:${c.password}` : ''}@tcp(${c.host}:${c.port})/${c.database}?charset=utf8mb4,utf8`;
}
