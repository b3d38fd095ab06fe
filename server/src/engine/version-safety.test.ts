import { MmBackupError } from '../common/errors';
import type { MattermostBinary } from '../mattermost/server-binary';
import { compareVersions } from '../mattermost/server-binary';
import { judge } from './version-safety';

const binary: MattermostBinary = { path: '/opt/mattermost/bin/mattermost', installDir: '/opt/mattermost', version: '11.4.0', migrations: { postgres: 150 } };

describe('judge: the backup against the binary that will run it', () => {
  test.each([
    ['same version and schema', { version: '11.4.0', schemaVersion: 150 }, 'same'],
    ['no Systems.Version (a new install of 11.x), same schema', { schemaVersion: 150 }, 'same'],
    ['older version and schema', { version: '11.3.0', schemaVersion: 149 }, 'newer-binary'],
    ['older schema only', { schemaVersion: 140 }, 'newer-binary'],
    ['older 10.x version', { version: '10.11.3', schemaVersion: 130 }, 'newer-binary'],
  ])('%s → %s', (_name, backup, verdict) => {
    expect(judge(backup, binary, 'postgres').verdict).toBe(verdict);
  });

  test.each([
    ['newer version', { version: '11.5.0', schemaVersion: 150 }, /taken from Mattermost 11\.5\.0/, /install Mattermost 11\.5\.0 or newer/],
    ['newer minor compared numerically', { version: '11.10.0' }, /11\.10\.0/, /install Mattermost 11\.10\.0 or newer/],
    ['newer schema, no version recorded', { schemaVersion: 151 }, /migration 151.*up to 150/, /newer than 11\.4\.0.*migration 151/],
  ])('%s is refused, naming what to install', (_name, backup, message, fix) => {
    let error: unknown;
    try {
      judge(backup, binary, 'postgres');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MmBackupError);
    expect(error).toMatchObject({ code: 'MATTERMOST_TOO_OLD', step: 'check-version', exitCode: 2 });
    expect((error as MmBackupError).message).toMatch(message);
    expect((error as MmBackupError).fix).toMatch(fix);
  });

  test('the newer binary says it migrates forward and which migrations', () => {
    expect(judge({ version: '11.3.0', schemaVersion: 148 }, binary, 'postgres').message).toMatch(/11\.4\.0 is newer than the backup's 11\.3\.0: it migrates the restored database forward on its first start \(schema migrations 149 to 150\)/);
  });
});

test('compareVersions orders numerically', () => {
  expect(compareVersions('11.10.0', '11.9.2')).toBeGreaterThan(0);
  expect(compareVersions('v9.11.1', '10.0.0')).toBeLessThan(0);
  expect(compareVersions('11.4.0', '11.4.0')).toBe(0);
});
