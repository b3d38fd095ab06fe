/** Key entries are checked before any scrypt work: absurd parameters are refused in no time. */
import { generateMasterKeys, makeKeyEntry, newKeyFileContents, openKeyEntry, parseKeyEntry, passphraseSecret } from './keys';

const secret = passphraseSecret('key entry test passphrase');

test('an entry made by mmbackup passes the checks and opens', async () => {
  const entry = await makeKeyEntry(generateMasterKeys(), secret);
  const parsed = parseKeyEntry(Buffer.from(JSON.stringify(entry)));
  expect(await openKeyEntry(parsed, secret)).toBeDefined();
});

test("scrypt's cost where it slows guessing: a passphrase's entry N 32768, a key file's (256 random bits) N 1024", async () => {
  const keys = generateMasterKeys();
  const keyFile = { kind: 'key-file' as const, path: '/k', value: newKeyFileContents().trim() };
  const [byPassphrase, byKeyFile] = [await makeKeyEntry(keys, secret), await makeKeyEntry(keys, keyFile)];
  expect([byPassphrase.kdf.N, byKeyFile.kdf.N]).toEqual([32768, 1024]);
  expect((await openKeyEntry(byKeyFile, keyFile))!.encryption.equals(keys.encryption)).toBe(true);
  expect(await openKeyEntry(byKeyFile, { ...keyFile, value: newKeyFileContents().trim() })).toBeUndefined();
  expect(await openKeyEntry(byPassphrase, keyFile)).toBeUndefined();
});

test.each([
  ['N not a power of two', { N: 30000 }, /N=30000 r=8 p=1 are outside/],
  ['N too large', { N: 2 ** 30 }, /N=1073741824/],
  ['N of 1', { N: 1 }, /N=1 r=8/],
  ['r too large', { r: 1024 }, /r=1024/],
  ['p too large', { p: 1000 }, /p=1000/],
  ['too much memory (N 2^20, r 8: 1 GiB)', { N: 2 ** 20, r: 8 }, /outside what mmbackup accepts/],
  ['too much work (N 2^20, r 2, p 16)', { N: 2 ** 20, r: 2, p: 16 }, /outside what mmbackup accepts/],
  ['not a number', { N: '32768' }, /outside what mmbackup accepts/],
])('%s is refused before use', async (_name, kdf, message) => {
  const entry = await makeKeyEntry(generateMasterKeys(), secret);
  const started = Date.now();
  expect(() => parseKeyEntry(Buffer.from(JSON.stringify({ ...entry, kdf: { ...entry.kdf, ...kdf } })))).toThrow(message);
  expect(Date.now() - started).toBeLessThan(100);
});

test.each([
  ['empty', '', /it is empty/],
  ['not JSON', '{"version":', /it is not JSON/],
  ['without kdf', '{"version":1,"data":"x","nonce":"y"}', /not an mmbackup key entry/],
  ['JSON null', 'null', /not an mmbackup key entry/],
])('an entry that is %s is refused with what is wrong', (_name, text, message) => {
  expect(() => parseKeyEntry(Buffer.from(text))).toThrow(message);
});
