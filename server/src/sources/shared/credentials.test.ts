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

test('credential files of a process killed with SIGKILL are removed by the next process that writes one', async () => {
  // A real process writes a pgpass through this module and is killed before it can clean up.
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', `
    const { writeSecretFile } = require(${JSON.stringify(require.resolve('../../../dist/sources/shared/secret-file.js'))});
    writeSecretFile('pgpass', '*:*:*:*:killed-password\\n').then((f) => { process.stdout.write(f.path + '\\n'); setInterval(() => {}, 1000); });
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const leftover = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(d.toString().trim())));
  expect(await readFile(leftover, 'utf8')).toContain('killed-password');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  expect((await stat(leftover)).isFile()).toBe(true); // SIGKILL runs no exit hook

  const next = await writeSecretFile('x', 'secret'); // the first file of this process cleans up
  await expect(stat(leftover)).rejects.toThrow(/ENOENT/);
  expect((await stat(next.path)).mode & 0o777).toBe(0o600);
  await next.remove();
});

test('a directory of a process in another pid namespace is left alone, and a parent that is not private is refused', async () => {
  const { mkdir, rm, chmod } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { removeLeftoverSecretFiles, secretFilesParent } = await import('./secret-file');
  const foreign = join(secretFilesParent(), 'abcdefabcdef-999999-0011223344');
  await mkdir(foreign, { recursive: true });
  await removeLeftoverSecretFiles();
  expect((await stat(foreign)).isDirectory()).toBe(true);
  await rm(foreign, { recursive: true });

  await chmod(secretFilesParent(), 0o755);
  await expect(writeSecretFile('x', 'secret')).rejects.toMatchObject({ code: 'CREDENTIAL_DIR_UNSAFE' });
  await chmod(secretFilesParent(), 0o700);
});
