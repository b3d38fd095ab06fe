/**
 * The previous capture of a root, as a backup's walk uses it: its listing's lines, kept as they were
 * written, and where each directory's subtree ends. Each listing job is given the lines of its own subtree
 * (./walk.ts), and compares and parses them on a worker: the main thread never parses a line it does not
 * change, and holds a string per entry, not an object.
 */
import { readBlobLines } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { pathAndType, treeLine, type TreeEntry } from '../repository/tree-entry';
import type { ListingContext, WalkedEntry } from '../repository/workers/fs-jobs';

/** Only a file's line has the key "b": a quote inside a JSON string is escaped, so `"b":` is never in one. */
const FILE_KEY = '"b":';
const CHUNKS = /"chunks":\[([^\]]*)\]/;

type Part = Omit<ListingContext, 'settledBefore'>;

export class PreviousListing {
  /** The names of the last large directory asked for in slices, each with its line. */
  private children?: { rel: string; lines: Map<string, number> };

  /** `end[i]`: past the subtree of the directory on line i; i + 1 for any other line. */
  private constructor(
    private readonly lines: string[],
    private readonly end: number[],
    private readonly dirLine: Map<string, number>,
  ) {}

  /**
   * Reads the listing of `root`. A file whose chunks are no longer all in the repository keeps its line
   * without its content, so that it is read again. A listing out of depth-first order (each directory's
   * line before its contents) is not used: its subtrees could not be cut out of it, and all is read again.
   */
  static async load(repository: Repository, root: TreeRoot | undefined): Promise<PreviousListing | undefined> {
    if (!root) return undefined;
    const lines: string[] = [];
    for await (const line of readBlobLines(repository, root.tree)) if (line) lines.push(line.includes(FILE_KEY) ? withStoredContent(repository, line) : line);
    return PreviousListing.of(lines);
  }

  /** The listing of these lines (without their newlines), or undefined when they are out of depth-first order. */
  static of(lines: string[]): PreviousListing | undefined {
    const end: number[] = [];
    const dirLine = new Map<string, number>();
    const inside: { rel: string; at: number }[] = []; // the directories the listing is in, innermost last
    for (let at = 0; at < lines.length; at++) {
      const { p, t } = pathAndType(lines[at]);
      const slash = p.lastIndexOf('/');
      while (inside.length > 0 && !(slash === inside[inside.length - 1].rel.length && p.startsWith(inside[inside.length - 1].rel))) end[inside.pop()!.at] = at;
      if (slash >= 0 && inside.length === 0) return undefined;
      end.push(at + 1);
      if (t !== 'd') continue;
      dirLine.set(p, at);
      inside.push({ rel: p, at });
    }
    for (const dir of inside) end[dir.at] = lines.length;
    return new PreviousListing(lines, end, dirLine);
  }

  /** The root's job: the whole listing, or with more than `limit` entries, the lines of the root's own. */
  forRoot(limit: number): Part {
    return this.lines.length <= limit ? { previous: this.text(0, this.lines.length) } : { previous: this.own(-1, this.lines.length), shallow: true };
  }

  /** The job of the subdirectory `entry`: its line and subtree, or with more than `limit` entries, its own entries' lines. */
  forDir(entry: WalkedEntry, limit: number): Part {
    const at = this.dirLine.get(entry.rel);
    if (at === undefined) return {};
    const self = entry.line;
    const end = this.end[at];
    return end - at <= limit + 1 ? { previous: this.text(at, end), self } : { previous: this.own(at, end), shallow: true, self };
  }

  /** A slice of a large directory's `names`: the lines of those of them the listing has. */
  forNames(rel: string, names: string[]): Part {
    if (this.children?.rel !== rel) this.children = { rel, lines: this.childLines(rel) };
    const { lines } = this.children;
    let text = '';
    for (const name of names) {
      const at = lines.get(name);
      if (at !== undefined) text += `${this.lines[at]}\n`;
    }
    return { previous: text };
  }

  private text(from: number, to: number): string {
    return `${this.lines.slice(from, to).join('\n')}\n`;
  }

  /** The line at `at` (none for the root: -1) and those of the directory's own entries, up to `end`. */
  private own(at: number, end: number): string {
    let text = at >= 0 ? `${this.lines[at]}\n` : '';
    for (let i = at + 1; i < end; i = this.end[i]) text += `${this.lines[i]}\n`;
    return text;
  }

  private childLines(rel: string): Map<string, number> {
    const at = rel === '' ? -1 : this.dirLine.get(rel);
    const byName = new Map<string, number>();
    if (at === undefined) return byName;
    const end = at < 0 ? this.lines.length : this.end[at];
    for (let i = at + 1; i < end; i = this.end[i]) byName.set(pathAndType(this.lines[i]).p.slice(rel ? rel.length + 1 : 0), i);
    return byName;
  }
}

/** A file's line, without its content when any of its chunks is no longer stored. */
function withStoredContent(repository: Repository, line: string): string {
  const chunks = line.includes(FILE_KEY) ? CHUNKS.exec(line) : null;
  if (chunks && (chunks[1] === '' || chunks[1].split(',').every((quoted) => repository.has(quoted.slice(1, -1))))) return line;
  const { b: _, ...rest } = JSON.parse(line) as Extract<TreeEntry, { t: 'f' }>;
  return treeLine(rest as TreeEntry).slice(0, -1);
}
