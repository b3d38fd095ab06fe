/**
 * The previous capture of a root, as a backup's walk uses it: its listing's lines, kept as they were
 * written (in a few large strings, as the blob's chunks decode: no object per line for the collector to
 * copy), and where each directory's subtree ends. Each listing job is given the lines of its own subtree
 * (./walk.ts), and compares and parses them on a worker: the main thread never parses a line it does not
 * change, and holds a string per entry, not an object.
 *
 * The listing is read while the walk runs: both go in the same depth-first order, and a job waits only
 * until the lines of its subtree are all in. The root's job, whose entries' lines are spread over the
 * whole listing, goes without them (`unchecked`), and its files are compared here as the reading reaches them.
 * Behind the walk, a large listing's pieces are released (release()), and ahead of it a large listing is
 * read only as far as READ_AHEAD_CHARS past what is released, unless the walk or the comparison waits for more.
 */
import { StringDecoder } from 'node:string_decoder';
import { readBlob, type BlobRef } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { FILE_KEY, lineChunks, pathAndType, treeLine, unchangedFile, type TreeEntry } from '../repository/tree-entry';
import type { ListingContext, WalkedEntry } from '../repository/workers/fs-jobs';
import { LineRows } from './line-rows';


/** `end` of a directory whose subtree is still being read. */
const OPEN = -1;
/**
 * A listing of more characters than this (or a blob of more bytes: known before it is read) releases the
 * pieces the new listing has passed (release()). Releasing reads each line once more, 5% of an unchanged
 * re-backup of 39,000 entries (10 MB of listing, 12 pairs); above this the memory it saves matters more.
 */
const RELEASE_ABOVE_CHARS = 16 * 1024 * 1024;
/**
 * Characters of a listing that releases (RELEASE_ABOVE_CHARS) read and not yet released, past which the
 * reading waits until something waits for more lines or pieces are released. Read as fast as it came, a
 * listing was nearly all held before the walk released much: 70 MB of strings for 300,000 files (157 M
 * characters of listing). With 16 M, 34 M were held at the peak: the first RELEASE_ABOVE_CHARS were read
 * freely while the size was not known yet; once it was known from the start, 21 M with 16 M, 7 M with 4 M,
 * which took no longer.
 */
const READ_AHEAD_CHARS = 4 * 1024 * 1024;

type Part = Omit<ListingContext, 'settledBefore'>;

export class PreviousListing {
  /** Runs of whole lines, newlines included, as decoded; undefined once released (release()). */
  private readonly pieces: (string | undefined)[] = [];
  /** Pieces before this one are released; so are the map entries of the lines before `releasedLines`. */
  private freed = 0;
  private releasedLines = 0;
  /**
   * Per line: its piece, where it starts in it and where its newline is (unless it was rewritten), and its
   * end: past the subtree of the directory on the line (OPEN while it is read), the next line for any other.
   */
  private readonly rows = new LineRows();
  private count = 0;
  /** Characters in the pieces so far, and in those released. */
  private chars = 0;
  private releasedChars = 0;
  /** The most characters held at once (for tests). */
  peakHeldChars = 0;
  /** Callers waiting for lines not read yet: the reading goes on for them whatever it holds. */
  private demands = 0;
  /** Set while the reading waits for room (roomToRead()). */
  private resumeReading?: () => void;
  /** The pieces are the listing's text exactly (not so when a newline had to be added at its end). */
  private exact = true;
  /** How far the new listing is the same text as this one (continues()): characters, and where that is in the pieces. */
  private matched = { chars: 0, piece: 0, at: 0 };
  /** Lines kept without their content (its chunks are gone), by line. */
  private readonly rewritten = new Map<number, string>();
  private readonly dirLine = new Map<string, number>();
  /**
   * The lines of the root's entries that are not directories, by name, for the root's files compared here
   * (copies, names and lines: they outlive the pieces).
   */
  private readonly rootFiles = new Map<string, string>();
  /**
   * matchedText() has given the text the new listing shares with this one: continues() is asked no more,
   * and what the walk has passed is released as it reaches each top-level directory (reached()).
   */
  private matchedTaken = false;
  /** The directories the listing is in, innermost last. */
  private readonly inside: { rel: string; at: number }[] = [];
  private done = false;
  private failure?: unknown;
  /** Callers waiting for more of the listing: each is woken when a subtree is complete, and once all is read. */
  private waiting: (() => void)[] = [];
  /** The names of the last directory asked for by name, each with its line. */
  private children?: { rel: string; lines: Map<string, number> };
  /**
   * The lines were out of depth-first order (each directory's line before its contents): what a job was
   * given may have missed names, so the capture is made again without this listing (./tree.ts).
   */
  outOfOrder = false;

  /**
   * `ref`: the listing's blob, which a new listing of the same text is stored as; `reread` reads its bytes
   * again; `releaseAbove`: the characters above which passed pieces are released.
   */
  private constructor(
    private readonly entries: number,
    readonly ref: BlobRef | undefined,
    private readonly reread: () => AsyncIterable<Buffer> | Iterable<Buffer>,
    private readonly releaseAbove: number,
    private readonly readAhead = READ_AHEAD_CHARS,
  ) {}

  /**
   * Starts reading the listing of `root`. A file whose chunks are no longer all in the repository keeps its
   * line without its content, so that it is read again. (A test may lower `releaseAbove` and `readAhead`.)
   */
  static load(repository: Repository, root: TreeRoot | undefined, releaseAbove = RELEASE_ABOVE_CHARS, readAhead = READ_AHEAD_CHARS): PreviousListing | undefined {
    if (!root) return undefined;
    const listing = new PreviousListing(root.files + root.dirs, root.tree, () => readBlob(repository, root.tree), releaseAbove, readAhead);
    void listing.read(readBlob(repository, root.tree), (line) => (line.includes(FILE_KEY) ? withStoredContent(repository, line) : line));
    return listing;
  }

  /**
   * The listing of these lines (without their newlines), all read, as a blob `ref` of them would be; its
   * bytes come in pieces of `chunkBytes`, as a blob's chunks do, cut anywhere. Passed pieces are released
   * whatever the size.
   */
  static async of(lines: string[], ref?: BlobRef, chunkBytes = Infinity): Promise<PreviousListing> {
    const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''));
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += chunkBytes) chunks.push(bytes.subarray(at, at + chunkBytes));
    const listing = new PreviousListing(lines.length, ref, () => chunks, 0, Infinity);
    await listing.read(chunks, (line) => line);
    return listing;
  }

  /** Reads the listing's bytes, cut at the last newline of each chunk: a line (and a character) never spans two pieces. */
  private async read(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, kept: (line: string) => string): Promise<void> {
    try {
      let carry: Buffer = Buffer.alloc(0);
      for await (const chunk of chunks) {
        let from = 0;
        if (carry.length > 0) {
          // The line the last chunk ended in: its own small piece, so that the chunk is not copied whole.
          const first = chunk.indexOf(0x0a);
          if (first < 0) {
            carry = Buffer.concat([carry, chunk]);
            continue;
          }
          if (!this.addPiece(Buffer.concat([carry, chunk.subarray(0, first + 1)]).toString('utf8'), kept)) break;
          from = first + 1;
        }
        const last = chunk.lastIndexOf(0x0a);
        if (last >= from && !this.addPiece(chunk.toString('utf8', from, last + 1), kept)) break;
        carry = chunk.subarray(Math.max(from, last + 1));
        await this.roomToRead();
      }
      if (carry.length > 0 && !this.outOfOrder) {
        this.exact = false;
        this.addPiece(`${carry.toString('utf8')}\n`, kept);
      }
    } catch (err) {
      this.failure = err;
    }
    for (const dir of this.inside) this.setEnd(dir.at, this.count);
    this.inside.length = 0;
    this.done = true;
    this.wake();
  }

  /** Resolves once the reading may go on: the listing releases nothing, holds little, or a caller waits for more. */
  private async roomToRead(): Promise<void> {
    // The callers the last piece woke take their turn first: one satisfied still counts in `demands` until
    // then, and the next chunk was read for nobody.
    await Promise.resolve();
    while (this.releases() && this.chars - this.releasedChars > this.readAhead && this.demands === 0) {
      await new Promise<void>((resolve) => (this.resumeReading = resolve));
    }
  }

  private resume(): void {
    const resume = this.resumeReading;
    this.resumeReading = undefined;
    resume?.();
  }

  /** Adds the lines of a piece; false when one is out of order. */
  private addPiece(text: string, kept: (line: string) => string): boolean {
    const index = this.pieces.push(text) - 1;
    this.chars += text.length;
    this.peakHeldChars = Math.max(this.peakHeldChars, this.chars - this.releasedChars);
    for (let from = 0; from < text.length; ) {
      const to = text.indexOf('\n', from);
      const line = text.slice(from, to);
      if (line && !this.add(line, kept(line), index, from, to)) return false;
      from = to + 1;
    }
    this.wake(); // for lineRanges()
    return true;
  }

  /** Adds the next line, `line` as read and `kept` as kept; false when it is out of order. */
  private add(line: string, kept: string, piece: number, start: number, stop: number): boolean {
    const at = this.count;
    const { p, t } = pathAndType(line);
    const slash = p.lastIndexOf('/');
    const { inside } = this;
    let closed = false;
    while (inside.length > 0 && !(slash === inside[inside.length - 1].rel.length && p.startsWith(inside[inside.length - 1].rel))) {
      this.setEnd(inside.pop()!.at, at);
      closed = true;
    }
    if (slash >= 0 && inside.length === 0) {
      this.outOfOrder = true;
      return false;
    }
    this.rows.set(at, piece, start, stop, t === 'd' ? OPEN : at + 1);
    this.count++;
    if (kept !== line) this.rewritten.set(at, kept);
    if (t === 'd') {
      this.dirLine.set(p, at);
      inside.push({ rel: p, at });
    }
    if (slash < 0 && t !== 'd') this.rootFiles.set(Buffer.from(p).toString(), Buffer.from(kept).toString());
    if (closed) this.wake();
    return true;
  }

  private end(at: number): number {
    return this.rows.end(at);
  }

  private setEnd(at: number, end: number): void {
    this.rows.setEnd(at, end);
  }

  /** Line `at`; undefined once its piece is released (no job asks for it then: see release()). */
  private line(at: number): string | undefined {
    if (at < this.releasedLines) return undefined;
    const { rows } = this;
    return this.rewritten.get(at) ?? this.pieces[rows.piece(at)]?.slice(rows.start(at), rows.stop(at));
  }

  /** line(), for the lines of a job: one released would be a walk out of order, which must not pass unseen. */
  private jobLine(at: number): string {
    const line = this.line(at);
    if (line === undefined) throw new Error(`line ${at + 1} of the previous listing was asked for after the walk had passed it`);
    return line;
  }

  private wake(): void {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * Resolves once `ready()` holds or all is read; rejects if the listing could not be read. A caller that
   * does not `demand` the lines (a job asked for ahead of the walk, the cold-cache prefetch) takes them as
   * they come, without reading ahead.
   */
  private async until(ready: () => boolean, demand = true): Promise<void> {
    while (!this.done && !ready()) {
      if (demand) {
        this.demands++;
        this.resume();
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (demand) this.demands--;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** The lines as they are read, as [from, to) ranges of line numbers, one per piece (for ./cold-prefetch.ts). */
  async *lineRanges(): AsyncGenerator<[number, number]> {
    for (let at = 0; ; ) {
      await this.until(() => this.count > at, false);
      if (this.count <= at) return;
      yield [at, (at = this.count)];
    }
  }

  /** The path on line `at` (one lineRanges() gave), unless released. */
  pathAt(at: number): string | undefined {
    const line = this.line(at);
    return line === undefined ? undefined : pathAndType(line).p;
  }

  /** Resolves once all is read; rejects if the listing could not be read. */
  finished(): Promise<void> {
    return this.until(() => false);
  }

  /** The lines of the directory `rel` and its subtree, when they are all read already. */
  sizeOf(rel: string): number | undefined {
    const at = this.dirLine.get(rel);
    return at === undefined || this.end(at) === OPEN ? undefined : this.end(at) - at;
  }

  /**
   * Whether the reading has passed where the path `rel` is or would be: the last line read is at it or after
   * it in the walk's order. A path not read by then is not in the listing.
   */
  private passed(rel: string): boolean {
    const last = this.count > 0 ? this.pathAt(this.count - 1) : undefined;
    return last !== undefined && (last === rel || afterInWalk(last, rel));
  }

  /**
   * Whether the subtree of the directory `rel` is all read, or the listing has none: a new directory was
   * otherwise waited for until all was read, and all of it was held.
   */
  private complete(rel: string): boolean {
    const at = this.dirLine.get(rel);
    return at === undefined ? this.passed(rel) : this.end(at) !== OPEN;
  }

  /**
   * The root's job: the whole listing when it is small, read first; else nothing (`unchecked`), at once: its
   * own entries' lines are spread over the whole listing, which is read while the walk goes on.
   */
  async forRoot(limit: number): Promise<Part> {
    if (this.entries > limit) return { unchecked: true, shallow: true };
    await this.finished();
    if (this.outOfOrder) return { unchecked: true };
    const lines = this.count;
    return lines <= limit ? { previous: this.text(0, lines) } : { previous: this.own(-1, lines), shallow: true };
  }

  /**
   * The job of the subdirectory `entry`: its line and subtree, or with more than `limit` entries, its own
   * entries' lines. Jobs are asked for ahead of the walk: this waits for the lines as they are read, and
   * need() asks for them once the walk has reached the job.
   */
  async forDir(entry: WalkedEntry, limit: number): Promise<Part> {
    await this.until(() => this.complete(entry.rel) || this.pastLimit(entry.rel, limit), false);
    const at = this.dirLine.get(entry.rel);
    if (at === undefined || this.outOfOrder) return {};
    const self = entry.line;
    const end = this.end(at);
    // More than a job's lines and still being read: its own entries' lines are spread over its subtree, and
    // waiting for them meant holding all of it (a month's directory of day directories: 16 M characters).
    if (end === OPEN) return { unchecked: true, shallow: true, self };
    return end - at <= limit + 1 ? { previous: this.text(at, end), self } : { previous: this.own(at, end), shallow: true, self };
  }

  /**
   * The walk waits for the job of the directory `rel` (and those before it): its lines are read now, whatever
   * is held, as far as forDir() waits for them.
   */
  async need(rel: string, limit: number): Promise<void> {
    await this.until(() => this.complete(rel) || this.pastLimit(rel, limit));
  }

  /** Whether more than a job's `limit` lines of the directory `rel` and its subtree are read, and it goes on. */
  private pastLimit(rel: string, limit: number): boolean {
    const at = this.dirLine.get(rel);
    return at !== undefined && this.end(at) === OPEN && this.count - at > limit + 1;
  }

  /**
   * A slice of a large directory's `names` (of `total`): the lines of those of them the listing has. The
   * root's slices go without them (`unchecked`), as the root's own job does: the root's entries are spread
   * over the whole listing, and a Mattermost file store's root holds a directory per day, more than a job's
   * limit after a few years. Waiting for them all meant holding the whole listing. So do the slices of a
   * directory with more lines in its subtree than names (`users/`, a directory per user): its entries' lines
   * are spread over its subtree. (Its files, if any, are compared as they come, once its subtree is read.)
   */
  async forNames(rel: string, names: string[], total: number): Promise<Part> {
    if (rel === '') return { unchecked: true };
    await this.until(() => this.complete(rel) || this.pastLimit(rel, total));
    if (!this.complete(rel)) return { unchecked: true };
    const lines = await this.childLines(rel);
    let text = '';
    for (const name of names) {
      const at = lines.get(name);
      if (at !== undefined) text += `${this.jobLine(at)}\n`;
    }
    return { previous: text };
  }

  /** The line of a file the root's job gave `unchecked`, if it is the same as in the listing: it is not read again. */
  async unchangedFile(entry: WalkedEntry): Promise<{ text: string; chunks: number } | undefined> {
    const slash = entry.rel.lastIndexOf('/');
    if (slash < 0) {
      const line = await this.rootLine(entry.rel);
      return line === undefined ? undefined : unchangedFile(entry, `${line}\n`);
    }
    const at = (await this.childLines(entry.rel.slice(0, slash))).get(entry.rel.slice(slash + 1));
    return at === undefined ? undefined : unchangedFile(entry, `${this.jobLine(at)}\n`);
  }

  /**
   * The line of the root's entry `name`, once the listing is read as far as it, not further: the walk
   * reaches a top-level file where the listing has it, so the lines read meanwhile are what the walk has
   * passed or is about to. (A listing in another order only loses the comparison: the file is read again.)
   */
  private async rootLine(name: string): Promise<string | undefined> {
    await this.until(() => this.rootFiles.has(name) || this.passed(name));
    return this.outOfOrder ? undefined : this.rootFiles.get(name);
  }

  /**
   * Whether the new listing goes on with `text` as this one does, at the point the text compared before
   * reached: an unchanged store's listing is the same text, and is stored as the same blob (./tree.ts).
   */
  async continues(text: string): Promise<boolean> {
    const { pieces } = this;
    await this.until(() => this.chars >= this.matched.chars + text.length);
    let { piece: index, at } = this.matched;
    for (let from = 0; from < text.length; ) {
      const piece = pieces[index];
      if (piece === undefined) return false;
      const n = Math.min(piece.length - at, text.length - from);
      if (!piece.startsWith(from === 0 && n === text.length ? text : text.slice(from, from + n), at)) return false;
      from += n;
      at += n;
      if (at === piece.length) {
        index++;
        at = 0;
      }
    }
    this.matched = { chars: this.matched.chars + text.length, piece: index, at };
    if (this.releases()) this.release(index);
    return true;
  }

  /** Whether passed pieces are released: the listing is large, as its blob's size says before it is read. */
  private releases(): boolean {
    return this.chars > this.releaseAbove || (this.ref?.size ?? 0) > this.releaseAbove;
  }

  /**
   * Releases the pieces before `upTo`, which the new listing has gone past: the walk has too, and it asks
   * for a subtree's lines before it lists the subtree, so no job asks for theirs again. The listing's text
   * is then no longer held whole (75 MB for 300,000 entries); matchedText() reads it again if the new
   * listing turns out to differ. A directory's path in dirLine is a slice of its piece: it goes too.
   */
  private release(upTo: number): void {
    if (upTo <= this.freed) return;
    const { rows } = this;
    for (; this.releasedLines < this.count && rows.piece(this.releasedLines) < upTo; this.releasedLines++) {
      const at = this.releasedLines;
      const { p, t } = pathAndType(this.line(at)!);
      if (t === 'd' && this.dirLine.get(p) === at) this.dirLine.delete(p);
      this.rewritten.delete(at);
    }
    rows.freeBefore(this.releasedLines);
    for (; this.freed < upTo; this.freed++) {
      this.releasedChars += this.pieces[this.freed]!.length;
      this.pieces[this.freed] = undefined;
    }
    this.resume();
  }

  /** Pieces released so far (for tests). */
  get releasedPieces(): number {
    return this.freed;
  }

  /** Whether the new listing, having ended where continues() reached, is all of this one, to the byte. */
  async same(): Promise<boolean> {
    await this.finished();
    return this.exact && !this.outOfOrder && this.matched.chars === this.chars;
  }

  /**
   * This listing's text up to where continues() reached: the start of a new listing that then differs. Read
   * again from the blob once pieces were released.
   */
  async *matchedText(): AsyncGenerator<string> {
    try {
      yield* this.textBeforeDifference();
    } finally {
      this.matchedTaken = true;
    }
  }

  /**
   * The walk has reached the top-level directory `rel`. Once the new listing differs from this one, the
   * walk's progress is what releases, not continues(): a change near the start (a retention policy deleting
   * the oldest files) otherwise held all the rest of the listing. Nothing before the line of a top-level
   * directory the walk is at is asked for again: jobs go in order, and the root's files' lines are kept
   * apart. Deeper directories do not release: one whose names come in slices asks for its entries' lines
   * until its last slice.
   */
  reached(rel: string): void {
    if (!this.matchedTaken || !this.releases() || rel.includes('/')) return;
    const at = this.dirLine.get(rel);
    if (at !== undefined) this.release(this.rows.piece(at));
  }

  private async *textBeforeDifference(): AsyncGenerator<string> {
    const { piece, at, chars } = this.matched;
    if (this.freed === 0) {
      yield* this.pieces.slice(0, piece) as string[];
      if (at > 0) yield this.pieces[piece]!.slice(0, at);
      return;
    }
    const decoder = new StringDecoder('utf8');
    let left = chars;
    for await (const chunk of this.reread()) {
      const text = decoder.write(chunk);
      if (text.length >= left) return void (yield text.slice(0, left));
      left -= text.length;
      yield text;
    }
    const end = `${decoder.end()}${this.exact ? '' : '\n'}`; // read() added a newline the blob's text lacks
    if (end.length < left) throw new Error(`the previous listing read back ${left - end.length} characters shorter than it was read before`);
    yield end.slice(0, left);
  }

  /** Lines from `from` to `to`, each with its newline: one slice of a piece when they are in one and none was rewritten. */
  private text(from: number, to: number): string {
    const { rows } = this;
    const piece = from < this.releasedLines ? undefined : this.pieces[rows.piece(from)];
    if (piece !== undefined && rows.piece(from) === rows.piece(to - 1) && this.rewritten.size === 0) return piece.slice(rows.start(from), rows.stop(to - 1) + 1);
    let text = '';
    for (let at = from; at < to; at++) text += `${this.jobLine(at)}\n`;
    return text;
  }

  /** The line at `at` (none for the root: -1) and those of the directory's own entries, up to `end`. */
  private own(at: number, end: number): string {
    let text = at >= 0 ? `${this.jobLine(at)}\n` : '';
    for (let i = at + 1; i < end; i = this.end(i)) text += `${this.jobLine(i)}\n`;
    return text;
  }

  /** The lines of the entries of the directory `rel` (not the root: rootLine()), by name, once they are all read. */
  private async childLines(rel: string): Promise<Map<string, number>> {
    if (this.children?.rel === rel) return this.children.lines;
    await this.until(() => this.complete(rel));
    const at = this.dirLine.get(rel);
    const byName = new Map<string, number>();
    if (at !== undefined && !this.outOfOrder) {
      const end = this.end(at);
      for (let i = at + 1; i < end; i = this.end(i)) byName.set(pathAndType(this.jobLine(i)).p.slice(rel.length + 1), i);
    }
    this.children = { rel, lines: byName };
    return byName;
  }
}

/** Whether path `a` comes after path `b` in a walk's order: depth-first, each directory's names sorted. */
export function afterInWalk(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return x.length > y.length;
}

/** A file's line, without its content when any of its chunks is no longer stored. */
function withStoredContent(repository: Repository, line: string): string {
  if (lineChunks(line)?.every((id) => repository.has(id))) return line;
  const { b: _, ...rest } = JSON.parse(line) as Extract<TreeEntry, { t: 'f' }>;
  return treeLine(rest as TreeEntry).slice(0, -1);
}
