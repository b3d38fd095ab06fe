/**
 * A tree listing's entries (docs/repository-format.md): one JSON line per path, in a stable depth-first
 * order. Built here, on whichever thread walks (./workers/list-tree.ts for what a walk knows at once, the
 * engine for a file it has just read), so that a line is written the same way, key for key, by either.
 */
import type { BlobRef } from './blobs';
import type { WalkedEntry } from './workers/jobs';

export type TreeEntry =
  | { p: string; t: 'd'; m: number; mt: number; u: number; g: number; c?: number; i?: number }
  | { p: string; t: 'f'; m: number; mt: number; u?: number; g?: number; s: number; i?: number; e?: string; b: BlobRef }
  | { p: string; t: 'l'; l: string; u: number; g: number };

export type FileEntry = Extract<TreeEntry, { t: 'f' }>;

/** A listing line. */
export function treeLine(entry: TreeEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/**
 * A directory's entry. Its ctime and inode are kept only when the ctime is before `settledBefore`: a change
 * made after the directory was read then moves its ctime past the one kept (../engine/tree.ts, SETTLE_MS).
 */
export function dirEntry(walked: WalkedEntry, settledBefore: number): TreeEntry {
  const { rel, mode, mtimeMs, uid, gid, ctimeMs, ino } = walked;
  if (ctimeMs >= settledBefore) return { p: rel, t: 'd', m: mode & 0o7777, mt: mtimeMs, u: uid, g: gid };
  return { p: rel, t: 'd', m: mode & 0o7777, mt: mtimeMs, u: uid, g: gid, c: ctimeMs, i: ino };
}

export function linkEntry(walked: WalkedEntry): TreeEntry {
  return { p: walked.rel, t: 'l', l: walked.link!, u: walked.uid, g: walked.gid };
}

/** A file's entry without its content: every key of its line but the last, `b`, in their order. */
function fileFields(walked: WalkedEntry): Omit<FileEntry, 'b'> {
  const { rel, mode, mtimeMs, uid, gid, size, ino } = walked;
  return { p: rel, t: 'f', m: mode & 0o7777, mt: mtimeMs, u: uid, g: gid, s: size, i: ino };
}

/** A file's entry, its content stored as `b`. */
export function fileEntry(walked: WalkedEntry, b: BlobRef): FileEntry {
  return { ...fileFields(walked), b };
}

/** Same size, mtime and inode as in the previous listing: its content is taken from there, not read again. */
export function sameFile(walked: WalkedEntry, previous: TreeEntry | undefined): previous is FileEntry {
  return previous?.t === 'f' && previous.b !== undefined && previous.s === walked.size && previous.mt === walked.mtimeMs && previous.i === walked.ino;
}

/**
 * A file's line up to its content: `{"p":…,"i":<inode>,"b":`. A previous line that starts with it is the
 * file's line again, content and all, without being parsed: everything else in it is the same.
 */
export function fileLineStart(walked: WalkedEntry): string {
  return `${JSON.stringify(fileFields(walked)).slice(0, -1)},"b":`;
}

/**
 * Only a file's line has the key "b", and a key is the one place `"b":` can appear in a line: a quote inside
 * a JSON string is escaped. So a line without it is not a file's, and need not be parsed to know.
 */
export const FILE_KEY = '"b":';

/** A line starts with its path, then its type: `{"p":"<path>","t":"<type>"`, as treeLine() writes it. */
const PATH_START = '{"p":"';
const TYPE_KEY = '","t":"';

/** A listing line's path and type, read without parsing the whole line when it is as treeLine() writes it. */
export function pathAndType(line: string): { p: string; t: string } {
  const typeAt = line.indexOf(TYPE_KEY);
  if (line.startsWith(PATH_START) && typeAt > 0) {
    const raw = line.slice(PATH_START.length, typeAt);
    // A path with a quote or a backslash is escaped: JSON.parse reads it. Without, the raw text is the path.
    if (!raw.includes('"') && !raw.includes('\\')) return { p: raw, t: line[typeAt + TYPE_KEY.length] };
  }
  const entry = JSON.parse(line) as TreeEntry;
  return { p: entry.p, t: entry.t };
}

/** Whether a directory's line kept its ctime (`c`): a quote in a name is escaped, so `"c":` is only ever a key. */
export function settled(dirLine: string): boolean {
  return dirLine.includes('"c":');
}

/**
 * The line of a file the same as in the previous listing (size, mtime and inode), with its content's chunk
 * count; undefined when it must be read. Its previous line is parsed only when its mode or owner changed.
 */
export function unchangedFile(entry: WalkedEntry, before: string | undefined): { text: string; chunks: number } | undefined {
  if (before === undefined) return undefined;
  const chunks = before.startsWith(fileLineStart(entry)) ? lineChunks(before) : undefined;
  if (chunks) return { text: before, chunks: chunks.length };
  const parsed = JSON.parse(before) as TreeEntry;
  return sameFile(entry, parsed) ? { text: treeLine(fileEntry(entry, parsed.b)), chunks: parsed.b.chunks.length } : undefined;
}

/** A file line's `"chunks":[…]`: only a key can spell it unescaped, as FILE_KEY. */
const CHUNKS = /"chunks":\[([^\]]*)\]/;

/**
 * The chunk ids a file's line names, read without parsing it: ids are hex, so each is a quoted string with
 * no comma inside. Undefined for a line that names none the way treeLine() writes them.
 */
export function lineChunks(line: string): string[] | undefined {
  const chunks = CHUNKS.exec(line);
  if (!chunks) return undefined;
  return chunks[1] === '' ? [] : chunks[1].split(',').map((quoted) => quoted.slice(1, -1));
}
