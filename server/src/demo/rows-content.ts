/**
 * Posts, reactions and file attachments generated in JavaScript: the posts that carry attachments (with their
 * FileInfo rows, which the file-store generator must create on disk), and, for MySQL, the bulk of the posts.
 * PostgreSQL builds its bulk posts server-side instead (postgres-posts.ts) following the same plan: post `i`
 * is created at EPOCH_MS + i * step, every fifth post (5, 10, ...) starts a thread that the 3rd and 4th post
 * after it reply to, and a thread's channel is a hash of its root's number.
 */
import { Rng } from './random';
import type { Row } from './row-writer';
import { type DemoChannel, type DemoDirectory, DAY_MS, EPOCH_MS } from './rows-people';
import { EMOJI_NAMES, FILE_KINDS, FILE_NAME_STEMS, type FileKind, MESSAGE_FRAGMENTS } from './text';

/** One FileInfo row as the file-store generator needs it. Paths are relative to the file store root. */
export interface GeneratedFile {
  id: string;
  postId: string;
  channelId: string;
  creatorId: string;
  path: string;
  /** '' when the file has none (only images get a thumbnail and a preview). */
  thumbnailPath: string;
  previewPath: string;
  name: string;
  extension: string;
  mimeType: string;
  size: number;
  /** FileInfo.DeleteAt > 0: the post was deleted; Mattermost keeps the file on disk. */
  deleted: boolean;
  createAt: number;
  /** Files with equal contentSeed and size have identical bytes (Mattermost users upload the same file twice). */
  contentSeed: number;
  /** Text-like content, which compresses; other kinds are incompressible bytes. */
  text: boolean;
}

/** History spans one year from EPOCH_MS whatever the number of posts. */
export function postStep(posts: number): number {
  return Math.max(1, Math.floor((365 * DAY_MS) / Math.max(1, posts)));
}

/** The post a bulk post `i` replies to (itself when it is a root). */
export function threadRoot(i: number): number {
  return i % 5 >= 3 && i > 5 ? i - (i % 5) : i;
}

/** The channel index of bulk post `i`: a multiplicative hash of its thread root, so replies share the channel. */
export function bulkChannelIndex(i: number, channels: number): number {
  return Number((BigInt(threadRoot(i)) * 2654435761n) % 4294967296n) % channels;
}

function reactionRows(rng: Rng, post: Row, channel: DemoChannel): Row[] {
  const first = rng.int(EMOJI_NAMES.length);
  return Array.from({ length: 1 + rng.int(3) }, (_, k) => ({
    UserId: rng.pick(channel.members), PostId: post.Id, EmojiName: EMOJI_NAMES[(first + k) % EMOJI_NAMES.length],
    CreateAt: (post.CreateAt as number) + 1000 * (k + 1), UpdateAt: (post.CreateAt as number) + 1000 * (k + 1),
    DeleteAt: 0, RemoteId: null, ChannelId: channel.id,
  }));
}

function message(rng: Rng): string {
  const n = 1 + rng.int(8); // about 300 bytes, like the PostgreSQL loader
  return Array.from({ length: n }, () => rng.pick(MESSAGE_FRAGMENTS)).join(' ');
}

function postRow(rng: Rng, id: string, at: number, channel: DemoChannel, userId: string, rootId: string, msg: string, deleteChance = 0.012): Row {
  const deleted = rng.chance(deleteChance);
  const edited = rng.chance(0.08);
  const editAt = edited ? at + 60_000 : 0;
  const deleteAt = deleted ? at + 120_000 : 0;
  return {
    Id: id, CreateAt: at, UpdateAt: Math.max(at, editAt, deleteAt), EditAt: editAt, DeleteAt: deleteAt, IsPinned: rng.chance(0.004),
    UserId: userId, ChannelId: channel.id, RootId: rootId, OriginalId: '', Message: msg, Type: '',
    Props: rng.chance(0.06) ? '{"disable_group_highlight":true,"note":"ünïcødé ✓ \\"quoted\\""}' : '{}',
    Hashtags: rng.chance(0.05) ? '#release #backup' : '', Filenames: '[]', FileIds: '[]',
    HasReactions: rng.chance(0.08), RemoteId: rng.chance(0.02) ? rng.id() : null,
  };
}

export interface BulkPostBatch {
  posts: Row[];
  reactions: Row[];
}

/**
 * Bulk posts `from`..`to` (1-based, inclusive) for the MySQL loader, in batches. Deterministic for the seed and
 * the whole range, because a single stream runs through all posts in order.
 */
export function* bulkPostBatches(seed: number, dir: DemoDirectory, total: number, batchSize: number): Generator<BulkPostBatch> {
  const rng = Rng.stream(seed, 'bulk-posts');
  const step = postStep(total);
  const ids = new Map<number, string>(); // thread roots still awaiting replies
  let batch: BulkPostBatch = { posts: [], reactions: [] };
  for (let i = 1; i <= total; i++) {
    const channel = dir.channels[bulkChannelIndex(i, dir.channels.length)];
    const root = threadRoot(i);
    const id = rng.id();
    if (root === i) ids.set(i, id);
    ids.delete(i - 5);
    const post = postRow(rng, id, EPOCH_MS + i * step, channel, rng.pick(channel.members), root === i ? '' : ids.get(root) ?? '', message(rng));
    batch.posts.push(post);
    if (post.HasReactions) batch.reactions.push(...reactionRows(rng, post, channel));
    if (batch.posts.length >= batchSize) {
      yield batch;
      batch = { posts: [], reactions: [] };
    }
  }
  if (batch.posts.length > 0) yield batch;
}

/** Every 25th upload (from the 8th) is empty: empty files are where copy tools slip. */
function fileSize(rng: Rng, kind: FileKind, index: number): number {
  if (index % 25 === 7) return 0;
  const u = rng.next() / 0x100000000;
  return 1 + Math.floor(kind.maxSize * u * u); // most attachments are small, a few are large
}

function yyyymmdd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

function fileFor(rng: Rng, post: Row, channel: DemoChannel, index: number, earlier: GeneratedFile[]): GeneratedFile {
  const dup = earlier.length > 0 && rng.chance(0.1) ? rng.pick(earlier) : undefined;
  const kind = dup ? FILE_KINDS.find((k) => k.extension === dup.extension)! : rng.pick(FILE_KINDS);
  const stem = rng.pick(FILE_NAME_STEMS);
  const name = kind.extension ? `${stem}.${kind.extension}` : stem;
  const id = rng.id();
  const at = post.CreateAt as number;
  const base = `${yyyymmdd(at)}/teams/${channel.teamId || 'noteam'}/channels/${channel.id}/users/${post.UserId}/${id}/`;
  return {
    id, postId: post.Id as string, channelId: channel.id, creatorId: post.UserId as string, path: base + name,
    thumbnailPath: kind.image ? `${base}${stem}_thumb.jpg` : '', previewPath: kind.image ? `${base}${stem}_preview.jpg` : '',
    name, extension: kind.extension, mimeType: kind.mimeType, size: dup ? dup.size : fileSize(rng, kind, index),
    deleted: (post.DeleteAt as number) > 0, createAt: at, contentSeed: dup ? dup.contentSeed : index, text: kind.text,
  };
}

function fileInfoRow(rng: Rng, f: GeneratedFile, deleteAt: number): Row {
  const image = f.thumbnailPath !== '';
  return {
    Id: f.id, CreatorId: f.creatorId, PostId: f.postId, ChannelId: f.channelId, CreateAt: f.createAt, UpdateAt: f.createAt,
    DeleteAt: deleteAt, Path: f.path, ThumbnailPath: f.thumbnailPath, PreviewPath: f.previewPath, Name: f.name,
    Extension: f.extension, Size: f.size, MimeType: f.mimeType, Width: image ? rng.range(16, 4000) : 0,
    Height: image ? rng.range(16, 3000) : 0, HasPreviewImage: image, MiniPreview: image ? rng.bytes(80 + rng.int(60)) : null,
    Content: f.text ? rng.pick(MESSAGE_FRAGMENTS) : '', RemoteId: null, Archived: false,
  };
}

export interface Attachments {
  posts: Row[];
  reactions: Row[];
  fileInfo: Row[];
  files: GeneratedFile[];
}

/**
 * `files` attachments on at most `maxPosts` posts (1 to 3 files each), spread over the history. When the
 * posts run out, the remaining files are uploads never posted (PostId ''), which Mattermost also has.
 */
export function generateAttachments(seed: number, dir: DemoDirectory, files: number, maxPosts: number): Attachments {
  const rng = Rng.stream(seed, 'attachments');
  const out: Attachments = { posts: [], reactions: [], fileInfo: [], files: [] };
  while (out.files.length < files) {
    const channel = rng.pick(dir.channels);
    const at = EPOCH_MS + rng.int(365 * DAY_MS);
    const posted = out.posts.length < maxPosts;
    // Every tenth attachment post (from the third) is deleted, so deleted FileInfo rows, whose files stay on
    // disk, exist even in a tiny installation.
    const deleteChance = posted && out.posts.length % 10 === 2 ? 1 : 0;
    const post = postRow(rng, posted ? rng.id() : '', at, channel, rng.pick(channel.members), '', rng.chance(0.5) ? '' : message(rng), deleteChance);
    const batch: GeneratedFile[] = [];
    for (let k = 0, n = Math.min(1 + rng.int(3), files - out.files.length); k < n; k++) {
      batch.push(fileFor(rng, post, channel, out.files.length + k, out.files));
    }
    out.files.push(...batch);
    out.fileInfo.push(...batch.map((f) => fileInfoRow(rng, f, post.DeleteAt as number)));
    if (!posted) continue;
    post.FileIds = JSON.stringify(batch.map((f) => f.id));
    out.posts.push(post);
    if (post.HasReactions) out.reactions.push(...reactionRows(rng, post, channel));
  }
  return out;
}
