/** driverFor maps a connection to its driver, and refuses what it does not know. */
import { driverFor } from './drivers';
import { myConn, pgConn } from './testing/fixtures';

test('postgres and mysql have drivers', () => {
  expect(driverFor(pgConn('x')).name).toBe('postgres');
  expect(driverFor(myConn('x')).name).toBe('mysql');
});

test('an unknown driver is a configuration error (exit code 2)', () => {
  expect(() => driverFor({ ...pgConn('x'), driver: 'sqlite' as never })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_DRIVER', exitCode: 2 }));
});
