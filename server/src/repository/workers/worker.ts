/**
 * A sealing worker: runs jobs (./jobs.ts) one at a time with the synchronous functions of ../sealing.ts.
 * Hashing, compression, encryption and file-system calls (a walk's listing, a restore's writes) block this
 * thread, not the main one, which keeps comparing, chunking and writing packs. Results go back as
 * transferred buffers: no copy on the way out.
 */
import { chmodSync, closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, mkdirSync, openSync as openFile, utimesSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { freeNow } from '../../common/free-now';
import { contentId, idHmac, openSync, sealFileSync, sealSync, sha256 } from '../sealing';
import type { FileTarget, Job, JobResult, Ready, Reply, Request } from './jobs';
import { chunkStream } from './chunk-sessions';
import { listTree, statNames } from './list-tree';
import { freeBacking, owning } from './transfer';

function run(job: Job): JobResult {
  switch (job.op) {
    case 'contentId':
      return { op: 'contentId', id: contentId(job.keys, job.data), sha256: job.sha256 ? sha256(job.data) : undefined };
    case 'seal': {
      const [header, body] = sealSync(job.keys, job.name, job.data, job.level, job.version);
      return { op: 'seal', header: owning(header), body: owning(body) };
    }
    case 'open': {
      // A decompressed plaintext is a view into zlib's output buffer: sent as a copy, the buffer freed.
      const plaintext = openSync(job.keys, job.name, job.sealed, job.checkId);
      const sent = owning(plaintext);
      if (sent !== plaintext) freeBacking(plaintext);
      return { op: 'open', plaintext: sent };
    }
    case 'checkBlob': {
      const plaintext = openSync(job.keys, job.id, job.sealed, job.id);
      const size = plaintext.length;
      freeBacking(plaintext);
      return { op: 'checkBlob', size };
    }
    case 'sealFile': {
      const file = sealFileSync(job.keys, job.data, job.level, job.version);
      const [header, body] = file.sealed;
      return { op: 'sealFile', size: file.size, sha256: file.sha256, id: file.id, header: owning(header), body: owning(body) };
    }
    case 'writeFiles': {
      let bytes = 0;
      let files = 0;
      for (const blob of job.blobs) {
        const at = blob.offset - job.spanStart;
        const plaintext = openSync(job.keys, blob.id, job.span.subarray(at, at + blob.length), blob.id);
        for (const file of blob.files) {
          writeWhole(file, plaintext);
          bytes += file.size;
          files++;
        }
        freeBacking(plaintext);
      }
      return { op: 'writeFiles', bytes, files };
    }
    case 'hashPack': {
      const id = idHmac(job.keys);
      const md5 = job.checksum === 'md5' ? createHash('md5') : undefined;
      let crc32 = job.checksum === 'crc32' ? 0 : undefined;
      for (const part of job.parts) {
        id.update(part);
        md5?.update(part);
        if (crc32 !== undefined) crc32 = zlibCrc32(part, crc32);
      }
      return { op: 'hashPack', id: id.digest('hex'), md5: md5?.digest('hex'), crc32, parts: job.parts };
    }
    case 'writeChunk': {
      const plaintext = openSync(job.keys, job.id, job.sealed, job.id);
      writeAll(job.fd, plaintext);
      const size = plaintext.length;
      freeBacking(plaintext);
      return { op: 'writeChunk', size };
    }
    case 'chunkStream':
      return chunkStream(job);
    case 'makeDirs':
      for (const path of job.paths) mkdirSync(path, { recursive: true, mode: 0o700 });
      return { op: 'makeDirs' };
    case 'setMetadata':
      for (const target of job.targets) {
        if (target.owner) lchownSync(target.path, target.owner.uid, target.owner.gid);
        chmodSync(target.path, target.mode);
        utimesSync(target.path, target.mtimeMs / 1000, target.mtimeMs / 1000);
      }
      return { op: 'setMetadata' };
    case 'listTree':
      return { op: 'listTree', listings: job.dirs.map((dir) => listTree(job.root, dir.rel, job.limit, dir.backup)) };
    case 'statNames':
      return { op: 'statNames', ...statNames(job.root, job.rel, job.names, job.backup) };
  }
}

/** Writes a file's whole content, then its owner, mode and time: through one descriptor, no path lookups. */
function writeWhole(file: FileTarget, content: Buffer): void {
  if (content.length !== file.size) throw new Error(`${file.path}: its blob holds ${content.length} bytes; the listing says ${file.size}`);
  const fd = openFile(file.path, 'w', 0o600);
  try {
    writeAll(fd, content);
    if (file.owner) fchownSync(fd, file.owner.uid, file.owner.gid);
    fchmodSync(fd, file.mode);
    futimesSync(fd, file.mtimeMs / 1000, file.mtimeMs / 1000);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, content: Buffer): void {
  for (let at = 0; at < content.length; ) at += writeSync(fd, content, at);
}

/**
 * The buffers a job brought (moved here by the main thread) and is done with: freed once it answered. A
 * stream's pieces are not among them: its chunking holds their tails and frees each itself.
 */
function inputs(job: Job): Uint8Array[] {
  switch (job.op) {
    case 'contentId':
    case 'seal':
    case 'sealFile':
      return [job.data];
    case 'open':
    case 'checkBlob':
    case 'writeChunk':
      return [job.sealed];
    case 'writeFiles':
      return [job.span];
    default:
      return [];
  }
}

function transferables(result: JobResult): ArrayBuffer[] {
  const values = result.op === 'chunkStream' ? result.chunks.map((chunk) => chunk.data) : Object.values(result).flat();
  const views = values.filter((v): v is Uint8Array => v instanceof Uint8Array);
  return views.map((v) => v.buffer as ArrayBuffer);
}

parentPort!.on('message', ({ seq, job }: Request) => {
  let reply: Reply;
  try {
    reply = { seq, result: run(job) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = { seq, failure: { name: e.name ?? 'Error', message: e.message ?? String(err), code: e.code } };
  }
  parentPort!.postMessage(reply, reply.result ? transferables(reply.result) : []);
  for (const input of inputs(job)) freeNow(input);
});
parentPort!.postMessage({ ready: true } satisfies Ready);
