/**
 * Builds a Mattermost-shaped local file store (FileSettings.Directory) holding exactly the files the generated
 * FileInfo rows name, and the local plugin directories (PluginSettings.Directory / ClientDirectory).
 *
 * Content is deterministic for (seed, contentSeed, size): two stores generated with the same seed are
 * identical byte for byte and mode for mode, so a restored store can be compared with a fresh one. Binary
 * kinds are incompressible (an AES-CTR keystream behind the format's magic bytes), text kinds compress, like
 * real attachments. Beyond Mattermost's own layout the store carries what a faithful backup must keep:
 * 0600 files among 0644 ones, a symlink and an empty directory.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, writeFile, chmod, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { GeneratedFile } from './rows-content';
import { Rng } from './random';
import { MESSAGE_FRAGMENTS } from './text';

export interface FileStoreOptions {
  /** Must match the seed given to generateDatabase() for identical contents across runs; default 1. */
  seed?: number;
  /** Create the files of deleted FileInfo rows too (Mattermost leaves them on disk); default true. */
  includeDeleted?: boolean;
  /** Add a symlink, an empty directory and an uploaded plugin bundle; turn off for stores that cannot hold them (S3). Default true. */
  extras?: boolean;
  /** Called with (files written, files planned). */
  onProgress?(done: number, total: number): void;
}

export interface GeneratedTree {
  /** Paths of the regular files written, relative to the root, '/'-separated. */
  files: string[];
  /** Total bytes of those files. */
  bytes: number;
}

const MAGIC: Record<string, Buffer> = {
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  jpg: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  gif: Buffer.from('GIF89a'),
  pdf: Buffer.from('%PDF-1.7\n'),
  zip: Buffer.from([0x50, 0x4b, 0x03, 0x04]),
  docx: Buffer.from([0x50, 0x4b, 0x03, 0x04]),
};

/** `size` bytes: deterministic for (seed, key); incompressible unless `text`. */
export function fileContent(seed: number, key: string, size: number, text: boolean, extension = ''): Buffer {
  if (text) {
    const rng = Rng.stream(seed, `text:${key}`);
    const parts: string[] = [];
    let length = 0;
    while (length < size) {
      const line = `${rng.pick(MESSAGE_FRAGMENTS)}\n`;
      parts.push(line);
      length += Buffer.byteLength(line);
    }
    return Buffer.from(parts.join('')).subarray(0, size);
  }
  const k = createHash('sha256').update(`${seed}:${key}`).digest();
  const cipher = createCipheriv('aes-128-ctr', k.subarray(0, 16), k.subarray(16, 32));
  const out = Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
  MAGIC[extension]?.copy(out, 0, 0, Math.min(size, MAGIC[extension].length));
  return out;
}

/** Writes `data` at `path` (creating parents) and sets `mode` exactly, whatever the umask. */
async function put(path: string, data: Buffer | string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o750 });
  await writeFile(path, data);
  await chmod(path, mode);
}

/** Creates (or replaces, so a second run works) a relative symlink. */
async function relink(target: string, path: string): Promise<void> {
  await rm(path, { force: true });
  await symlink(target, path);
}

/** Runs `work` over items with at most `limit` in flight: files are small, so latency dominates. */
async function eachLimit<T>(items: readonly T[], limit: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The files of one FileInfo row: the upload itself, and for images the thumbnail and preview JPEGs. */
function planFile(seed: number, f: GeneratedFile): Array<{ path: string; data: () => Buffer; mode: number }> {
  const key = String(f.contentSeed);
  // Every seventh upload is 0600, so that a restore which loses permission bits is caught.
  const mode = f.contentSeed % 7 === 3 ? 0o600 : 0o644;
  const plan = [{ path: f.path, data: () => fileContent(seed, `${key}:${f.size}`, f.size, f.text, f.extension), mode }];
  if (f.thumbnailPath) {
    const rng = Rng.stream(seed, `thumb:${key}`);
    const thumb = 1000 + rng.int(7000);
    const preview = 10_000 + rng.int(70_000);
    plan.push({ path: f.thumbnailPath, data: () => fileContent(seed, `thumb:${key}`, thumb, false, 'jpg'), mode });
    plan.push({ path: f.previewPath, data: () => fileContent(seed, `preview:${key}`, preview, false, 'jpg'), mode });
  }
  return plan;
}

/** A symlink, an empty directory, a branding image and an uploaded plugin bundle, where Mattermost keeps them. */
async function writeStoreExtras(dir: string, seed: number, tree: GeneratedTree): Promise<void> {
  const brand = fileContent(seed, 'brand', 24_000, false, 'png');
  const bundle = gzipSync(fileContent(seed, 'bundle', 30_000, true));
  await put(join(dir, 'brand/image.png'), brand);
  await put(join(dir, 'plugins/com.example.demo.tar.gz'), bundle);
  tree.files.push('brand/image.png', 'plugins/com.example.demo.tar.gz');
  tree.bytes += brand.length + bundle.length;
  await relink('image.png', join(dir, 'brand/current.png'));
  await mkdir(join(dir, 'import'), { recursive: true });
  await chmod(join(dir, 'import'), 0o750);
}

/**
 * Writes the files named by `files` (FileInfo rows from generateDatabase) under `dir`, which may exist.
 * Resolves with what was written; rejects on the first filesystem error.
 */
export async function generateFileStore(dir: string, files: readonly GeneratedFile[], opts: FileStoreOptions = {}): Promise<GeneratedTree> {
  const seed = opts.seed ?? 1;
  const chosen = files.filter((f) => opts.includeDeleted !== false || !f.deleted);
  const plan = chosen.flatMap((f) => planFile(seed, f));
  const tree: GeneratedTree = { files: [], bytes: 0 };
  await mkdir(dir, { recursive: true });
  let done = 0;
  await eachLimit(plan, 8, async (item) => {
    const data = item.data();
    await put(join(dir, item.path), data, item.mode);
    tree.bytes += data.length;
    opts.onProgress?.(++done, plan.length);
  });
  tree.files.push(...plan.map((p) => p.path));
  if (opts.extras !== false) await writeStoreExtras(dir, seed, tree);
  return tree;
}

/** Where generatePluginDirs() puts things, relative to the install dir (Mattermost's defaults). */
export interface PluginDirsOptions {
  serverDirectory?: string;
  clientDirectory?: string;
  seed?: number;
}

const PLUGIN_ID = 'com.example.demo';

/**
 * Creates a server plugin (`plugins/com.example.demo/`: plugin.json, a 0755 executable, a symlink to it, a 0600
 * state file, an empty directory) and its webapp bundle (`client/plugins/com.example.demo/main.js`).
 */
export async function generatePluginDirs(installDir: string, opts: PluginDirsOptions = {}): Promise<GeneratedTree> {
  const seed = opts.seed ?? 1;
  const server = join(installDir, opts.serverDirectory ?? 'plugins', PLUGIN_ID);
  const client = join(installDir, opts.clientDirectory ?? 'client/plugins', PLUGIN_ID);
  const manifest = JSON.stringify({
    id: PLUGIN_ID, name: 'Demo plugin', version: '1.2.3', min_server_version: '9.0.0',
    server: { executables: { 'linux-amd64': 'server/dist/plugin-linux-amd64' } }, webapp: { bundle_path: 'webapp/dist/main.js' },
  }, null, 2);
  const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), fileContent(seed, 'plugin-binary', 40_000, false)]);
  const files: Array<[string, Buffer | string, number]> = [
    [join(server, 'plugin.json'), manifest, 0o644],
    [join(server, 'server/dist/plugin-linux-amd64'), binary, 0o755],
    [join(server, 'assets/icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>\n', 0o644],
    [join(server, 'local-state.json'), '{"token":"not-a-real-secret"}\n', 0o600],
    [join(client, 'main.js'), `/* ${PLUGIN_ID} webapp bundle */\nwindow.registerPlugin('${PLUGIN_ID}', {initialize() {}});\n`, 0o644],
  ];
  for (const [path, data, mode] of files) await put(path, typeof data === 'string' ? Buffer.from(data) : data, mode);
  await relink('plugin-linux-amd64', join(server, 'server/dist/plugin'));
  await mkdir(join(server, 'public'), { recursive: true });
  return {
    files: files.map(([path]) => path.slice(installDir.length).replace(/^[\\/]+/, '').split('\\').join('/')),
    bytes: files.reduce((n, [, data]) => n + Buffer.byteLength(data), 0),
  };
}
