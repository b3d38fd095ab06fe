/** Temporary credential files: private, removed, and written so the tools read the password back exactly. */
import { readFile, stat } from 'node:fs/promises';
import { writeDefaultsFile } from '../mysql/connection';
import { writePgPass } from '../postgres/connection';
import { myConn, pgConn } from '../testing/fixtures';
import { liveSecretFiles, writeSecretFile } from './secret-file';

test('a secret file is 0600 in a private directory and gone after remove()', async () => {
  const file = await writeSecretFile('x', 'secret');
  expect((await stat(file.path)).mode & 0o777).toBe(0o600);
  expect(liveSecretFiles()).toHaveLength(1);
  await file.remove();
  await file.remove();
  await expect(stat(file.path)).rejects.toThrow(/ENOENT/);
  expect(liveSecretFiles()).toEqual([]);
});

test('pgpass escapes backslash and colon, and matches any host/port/database/user', async () => {
  const file = await writePgPass(pgConn('db', { password: 'a:b\\c' }));
  expect(await readFile(file!.path, 'utf8')).toBe('*:*:*:*:a\\:b\\\\c\n');
  await file!.remove();
  expect(await writePgPass(pgConn('db'))).toBeUndefined();
});

test('the MySQL option file quotes the password so # ; " \\ and spaces survive', async () => {
  const file = await writeDefaultsFile(myConn('db', { user: 'mm', password: 'p#1; "q" \\z' }), true);
  expect(await readFile(file.path, 'utf8')).toBe('[client]\nuser="mm"\npassword="p#1; \\"q\\" \\\\z"\nhost="127.0.0.1"\nport=3306\nprotocol=TCP\n');
  await file.remove();
});
