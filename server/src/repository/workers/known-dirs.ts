/**
 * What an earlier walk saw of directories (KnownDir, ./jobs.ts), as a listing job carries it: one string, as
 * a string is copied to a worker whole, where thousands of small objects are each cloned field by field.
 * Fields and records are separated by NUL, which no path or name holds; a number's shortest decimal form
 * reads back as the same number.
 */
import type { KnownDir } from './jobs';

const SEP = '\0';

export function encodeKnownDirs(dirs: KnownDir[]): string {
  return dirs.map((dir) => [dir.rel, dir.ctimeMs ?? '', dir.ino ?? '', dir.names ?? ''].join(SEP)).join(SEP);
}

/** The records encodeKnownDirs() wrote, by path; only those with names (the others tell a walk nothing). */
export function decodeKnownDirs(text: string): Map<string, KnownDir> {
  const dirs = new Map<string, KnownDir>();
  if (!text) return dirs;
  const fields = text.split(SEP);
  for (let i = 0; i + 3 < fields.length; i += 4) {
    if (fields[i + 1] === '') continue;
    dirs.set(fields[i], { rel: fields[i], ctimeMs: Number(fields[i + 1]), ino: Number(fields[i + 2]), names: fields[i + 3] });
  }
  return dirs;
}
