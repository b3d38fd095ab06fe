/**
 * compareTrees(): are two directory trees the same? Same entries (files, directories including empty ones,
 * symlinks), same types, same permission bits, same symlink targets, same bytes. Contents are compared by
 * streaming SHA-256, so trees of any size can be compared in constant memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface CompareTreesOptions {
  /** Also compare modification times (whole milliseconds); default false. */
  mtimes?: boolean;
  /** Paths ('/'-separated, relative to the roots) to leave out, with everything below them. */
  ignore?: (relativePath: string) => boolean;
}

interface Entry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits (mode & 0o7777); 0 for symlinks, whose own mode means nothing on Linux. */
  mode: number;
  size: number;
  mtimeMs: number;
  target?: string;
}

async function walk(root: string, opts: CompareTreesOptions, rel = '', out = new Map<string, Entry>()): Promise<Map<string, Entry>> {
  const names = (await readdir(join(root, rel))).sort();
  for (const name of names) {
    const path = rel ? `${rel}/${name}` : name;
    if (opts.ignore?.(path)) continue;
    const st = await lstat(join(root, path));
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    out.set(path, {
      type, mode: type === 'symlink' ? 0 : st.mode & 0o7777, size: st.size, mtimeMs: Math.floor(st.mtimeMs),
      target: type === 'symlink' ? await readlink(join(root, path)) : undefined,
    });
    if (type === 'dir') await walk(root, opts, path, out);
  }
  return out;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/** The differences between two entries of the same path, content excepted. */
function describe(path: string, a: Entry, b: Entry, opts: CompareTreesOptions): string[] {
  if (a.type !== b.type) return [`type differs: ${path} (${a.type} in A, ${b.type} in B)`];
  const out: string[] = [];
  if (a.mode !== b.mode) out.push(`mode differs: ${path} (${octal(a.mode)} in A, ${octal(b.mode)} in B)`);
  if (a.target !== b.target) out.push(`symlink target differs: ${path} (${a.target} in A, ${b.target} in B)`);
  if (a.type === 'file' && a.size !== b.size) out.push(`content differs: ${path} (${a.size} bytes in A, ${b.size} in B)`);
  if (opts.mtimes && a.type !== 'symlink' && a.mtimeMs !== b.mtimeMs) {
    out.push(`mtime differs: ${path} (${new Date(a.mtimeMs).toISOString()} in A, ${new Date(b.mtimeMs).toISOString()} in B)`);
  }
  return out;
}

/**
 * Compares the trees under dirA and dirB (the roots themselves are not compared). Returns one line per
 * difference, sorted by path; empty when the trees are equal. Rejects when a root cannot be read.
 */
export async function compareTrees(dirA: string, dirB: string, opts: CompareTreesOptions = {}): Promise<string[]> {
  const [a, b] = await Promise.all([walk(dirA, opts), walk(dirB, opts)]);
  const out: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const ea = a.get(path);
    const eb = b.get(path);
    if (!ea || !eb) {
      out.push(`only in ${ea ? 'A' : 'B'}: ${path} (${(ea ?? eb)!.type})`);
      continue;
    }
    const found = describe(path, ea, eb, opts);
    out.push(...found);
    const sameSizedFiles = ea.type === 'file' && eb.type === 'file' && ea.size === eb.size;
    if (sameSizedFiles && (await sha256(join(dirA, path))) !== (await sha256(join(dirB, path)))) {
      out.push(`content differs: ${path} (same size ${ea.size}, different bytes)`);
    }
  }
  return out;
}
