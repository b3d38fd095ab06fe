/**
 * The repository's master keys are random and never change; what opens them is a passphrase or a key
 * file. Each way in is one "keys/<id>" entry: the master keys sealed with a key derived by scrypt from the
 * passphrase (or from the key file's contents). Trying every entry and failing all means the wrong key.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { ExitCode, MmBackupError, systemCode } from '../common/errors';
import { registerSecret } from '../common/redact';
import type { MasterKeys } from './crypto';

const KEY_FILE_HEADER = 'mmbackup-key-v1';

export type Secret = { kind: 'passphrase'; value: string } | { kind: 'key-file'; path: string; value: string };

/** scrypt's cost parameters: 128·N·r bytes of memory, N·r·p work. */
interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export interface KeyEntry {
  version: 1;
  created: string;
  host: string;
  /** What opens it: "passphrase" or "key-file" (informational). */
  kind: Secret['kind'];
  kdf: { name: 'scrypt'; salt: string } & ScryptCost;
  nonce: string;
  data: string;
}

/**
 * scrypt's cost makes guessing a passphrase slow: 32 MiB and about 0.1 s per try. A key file holds 256
 * random bits, which no number of tries finds, so its entries use a small N: opening one costs 1 MiB and
 * a few milliseconds, not 32 MiB and 0.1 s at the start of every command.
 */
const KDF_PARAMS: Record<Secret['kind'], ScryptCost> = {
  passphrase: { N: 32768, r: 8, p: 1 },
  'key-file': { N: 1024, r: 8, p: 1 },
};

function scrypt(secret: string, salt: Buffer, params: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, 32, { ...params, maxmem: 256 * params.N * params.r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export function generateMasterKeys(): MasterKeys {
  return { encryption: randomBytes(32), id: randomBytes(32) };
}

export async function makeKeyEntry(keys: MasterKeys, secret: Secret): Promise<KeyEntry> {
  const salt = randomBytes(16);
  const params = KDF_PARAMS[secret.kind];
  const wrapping = await scrypt(secret.value, salt, params);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', wrapping, nonce);
  const plain = Buffer.from(JSON.stringify({ encryption: keys.encryption.toString('base64'), id: keys.id.toString('base64') }));
  const data = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    version: 1,
    created: new Date().toISOString(),
    host: os.hostname(),
    kind: secret.kind,
    kdf: { name: 'scrypt', ...params, salt: salt.toString('base64') },
    nonce: nonce.toString('base64'),
    data: data.toString('base64'),
  };
}

/**
 * Bounds on a key entry's scrypt parameters, checked before use: scrypt needs 128 * N * r bytes and
 * N * r * p work, so an entry with absurd values (damaged, or planted) would hang or exhaust memory. The
 * bounds leave 8 times the memory and 32 times the work of what mmbackup writes for a passphrase (N 32768,
 * r 8, p 1: 32 MiB, about 0.1 s), so a stronger entry made elsewhere still opens, in seconds.
 */
export const KDF_LIMITS = { maxN: 2 ** 20, maxR: 32, maxP: 16, maxMemory: 256 * 2 ** 20, maxWork: 2 ** 23 };

/** Parses and checks a stored key entry; throws an Error that says what is wrong with it. */
export function parseKeyEntry(data: Buffer): KeyEntry {
  let entry: KeyEntry;
  try {
    entry = JSON.parse(data.toString()) as KeyEntry;
  } catch {
    throw new Error(data.length === 0 ? 'it is empty' : 'it is not JSON');
  }
  const kdf = entry?.kdf;
  if (!kdf || kdf.name !== 'scrypt' || typeof entry.data !== 'string' || typeof entry.nonce !== 'string' || typeof kdf.salt !== 'string') {
    throw new Error('it is not an mmbackup key entry (kdf, salt, nonce or data missing)');
  }
  const { N, r, p } = kdf;
  const integer = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  if (!integer(N, KDF_LIMITS.maxN) || (N & (N - 1)) !== 0 || N < 2 || !integer(r, KDF_LIMITS.maxR) || !integer(p, KDF_LIMITS.maxP) || 128 * N * r > KDF_LIMITS.maxMemory || N * r * p > KDF_LIMITS.maxWork) {
    throw new Error(`its scrypt parameters N=${N} r=${r} p=${p} are outside what mmbackup accepts (N a power of two up to ${KDF_LIMITS.maxN}, r up to ${KDF_LIMITS.maxR}, p up to ${KDF_LIMITS.maxP}, 128·N·r up to 256 MiB, N·r·p up to 2^23)`);
  }
  return entry;
}

/** Opens one key entry; undefined when the secret does not fit it. */
export async function openKeyEntry(entry: KeyEntry, secret: Secret): Promise<MasterKeys | undefined> {
  const wrapping = await scrypt(secret.value, Buffer.from(entry.kdf.salt, 'base64'), entry.kdf);
  const data = Buffer.from(entry.data, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', wrapping, Buffer.from(entry.nonce, 'base64'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  try {
    const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
    const parsed = JSON.parse(plain.toString());
    return { encryption: Buffer.from(parsed.encryption, 'base64'), id: Buffer.from(parsed.id, 'base64') };
  } catch {
    return undefined;
  }
}

/** A new key file's contents: 32 random bytes, with a header so a stray file is not mistaken for one. */
export function newKeyFileContents(): string {
  return `${KEY_FILE_HEADER}:${randomBytes(32).toString('base64')}\n`;
}

export async function writeNewKeyFile(file: string): Promise<Secret> {
  const contents = newKeyFileContents();
  try {
    await fs.writeFile(file, contents, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (systemCode(err) === 'EEXIST') {
      throw new MmBackupError({
        step: 'init',
        code: 'KEY_FILE_EXISTS',
        message: `the key file ${file} already exists; init does not overwrite a key`,
        fix: 'choose a new --key-file path, or move the old file away if it belongs to no repository',
        exitCode: ExitCode.usage,
      });
    }
    throw err;
  }
  return keyFileSecret(file, contents);
}

function keyFileSecret(file: string, contents: string): Secret {
  const value = contents.trim();
  if (!value.startsWith(`${KEY_FILE_HEADER}:`)) {
    throw new MmBackupError({
      step: 'open-key',
      code: 'BAD_KEY_FILE',
      message: `${file} is not an mmbackup key file (it should start with "${KEY_FILE_HEADER}:")`,
      fix: 'pass the key file that mmbackup init wrote, or use --passphrase-file if the repository uses a passphrase',
      exitCode: ExitCode.usage,
    });
  }
  registerSecret(value);
  return { kind: 'key-file', path: file, value };
}

export async function readKeyFile(file: string): Promise<Secret> {
  let contents: string;
  try {
    contents = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new MmBackupError({
      step: 'open-key',
      code: 'KEY_FILE_UNREADABLE',
      message: `cannot read the key file ${file}: ${systemCode(err) ?? String(err)}`,
      fix: 'check the path given with --key-file or MMBACKUP_KEY_FILE, and that this user may read it',
      exitCode: ExitCode.usage,
      cause: err,
    });
  }
  return keyFileSecret(file, contents);
}

/** A passphrase; only a new one (init) must be long enough, an existing repository's is taken as it is. */
export function passphraseSecret(value: string, isNew = false): Secret {
  const trimmed = value.replace(/\r?\n$/, '');
  if (trimmed.length === 0 || (isNew && trimmed.length < 8)) {
    throw new MmBackupError({
      step: 'open-key',
      code: 'PASSPHRASE_TOO_SHORT',
      message: trimmed.length === 0 ? 'the passphrase is empty' : 'a new passphrase must have at least 8 characters',
      fix: 'use a long passphrase (a generated one is best), or let init generate a key file',
      exitCode: ExitCode.usage,
    });
  }
  registerSecret(trimmed);
  return { kind: 'passphrase', value: trimmed };
}
