/**
 * The sealing workers: a few worker threads (./worker.ts) that hash, compress, encrypt and open for the
 * main thread, and do the file-system work of a walk and a restore, so that a backup or restore uses every
 * core while the main thread compares, chunks and moves bytes. One pool per process, started on first use;
 * idle workers do not keep the process alive.
 *
 * Each worker gets at most JOBS_PER_WORKER jobs at once (the next one waits in its port, so it never
 * idles between jobs); the rest queue here in order. A worker that dies fails its jobs and is replaced on
 * the next job. A lane's jobs go to one worker, in order (jobs that keep state there between them).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DecryptError } from '../sealing';
import type { Job, JobFailure, JobResult, Ready, Reply, Request } from './jobs';

const JOBS_PER_WORKER = 2;
const YOUNG_GENERATION_MB = 1;

/**
 * One worker per core, at least two (so one reading a file from a cold disk does not stall the other) and
 * at most four: each is a V8 isolate of its own, and what it allocates stays in its own malloc arena (a
 * third worker on two cores was no faster and cost 50 MB more resident memory).
 */
export function defaultWorkerCount(): number {
  return Math.max(2, Math.min(4, os.availableParallelism()));
}

interface Pending {
  resolve: (result: JobResult) => void;
  reject: (err: Error) => void;
}

interface Queued extends Pending {
  job: Job;
  transfer: ArrayBuffer[];
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Pending>;
  /** it has loaded its modules (a worker boots in 0.1-0.3 s, on a busy machine more) */
  ready: boolean;
  /** jobs of its lanes waiting for room on it, in order */
  laneQueue: Queued[];
  /** lanes open on it */
  lanes: number;
  /** it died: its lanes' state went with it */
  stopped: boolean;
}

/** Jobs that run on one worker, one after the other in the order sent (SealingPool.lane()). */
export interface Lane {
  run<J extends Job>(job: J, transfer?: ArrayBuffer[]): Promise<Extract<JobResult, { op: J['op'] }>>;
  /** The caller sends no more jobs. */
  close(): void;
}

/**
 * Running from the TypeScript sources (the tests), the worker is a .ts file: it is loaded with the same
 * swc transform jest applies. Built, it is plain JavaScript beside this file.
 */
function workerEntry(): { file: string; execArgv: string[] } {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `worker${ext}`);
  if (ext !== '.ts') return { file, execArgv: [] };
  return { file, execArgv: ['--require', path.resolve(__dirname, '../../../test/support/swc-require.js')] };
}

function rebuild(failure: JobFailure): Error {
  const err: Error & { code?: string } = failure.name === 'DecryptError' ? new DecryptError(failure.message) : new Error(failure.message);
  if (failure.code) err.code = failure.code;
  return err;
}

export class SealingPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private seq = 0;

  constructor(private readonly size = defaultWorkerCount()) {}

  /** Runs a job on a worker. Buffers in `transfer` are moved to the worker: the caller must not use them again. */
  async run<J extends Job>(job: J, transfer: ArrayBuffer[] = []): Promise<Extract<JobResult, { op: J['op'] }>> {
    return checked(job, await new Promise<JobResult>((resolve, reject) => {
      this.queue.push({ job, transfer, resolve, reject });
      this.dispatch();
    }));
  }

  /**
   * A lane on the worker with the fewest lanes: for a stream's chunking, which that worker keeps between
   * the stream's jobs. Its jobs go before the shared queue's, so a stream being read is not held up by
   * the jobs its own chunks cause.
   */
  lane(): Lane {
    this.start();
    const slot = this.slots.reduce((best, s) => (s.lanes < best.lanes ? s : best));
    slot.lanes++;
    let open = true;
    return {
      run: async (job, transfer = []) => {
        if (slot.stopped) throw new Error('the sealing worker of this stream stopped; the operation cannot go on');
        return checked(job, await new Promise<JobResult>((resolve, reject) => {
          slot.laneQueue.push({ job, transfer, resolve, reject });
          this.dispatch();
        }));
      },
      close: () => {
        if (open) slot.lanes--;
        open = false;
      },
    };
  }

  /**
   * Whether workers were started and none has booted yet: until one has, a small job is better done by the
   * caller than waited for. A pool never started is not booting: its first job starts a worker.
   */
  get booting(): boolean {
    return this.slots.length > 0 && !this.slots.some((slot) => slot.ready);
  }

  /** Whether every worker has as many jobs as it takes and more wait their turn here. */
  get saturated(): boolean {
    return this.queue.length > 0;
  }

  /**
   * Starts every worker ahead of the first job: a worker boots in tens of milliseconds, which a command
   * about to back up or restore spends loading its own modules instead of waiting for the workers later.
   */
  start(): void {
    while (this.slots.length < this.size) this.spawn();
  }

  private dispatch(): void {
    for (const slot of this.slots) while (slot.laneQueue.length > 0 && slot.jobs.size < JOBS_PER_WORKER) this.post(slot, slot.laneQueue.shift()!);
    while (this.queue.length > 0) {
      const slot = this.freeSlot();
      if (!slot) return;
      this.post(slot, this.queue.shift()!);
    }
  }

  private post(slot: Slot, { job, transfer, resolve, reject }: Queued): void {
    const seq = ++this.seq;
    slot.jobs.set(seq, { resolve, reject });
    if (slot.jobs.size === 1) slot.worker.ref();
    slot.worker.postMessage({ seq, job } satisfies Request, transfer);
  }

  private freeSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || slot.jobs.size < best.jobs.size) best = slot;
    if (best && best.jobs.size === 0) return best;
    if (this.slots.length < this.size) return this.spawn();
    return best && best.jobs.size < JOBS_PER_WORKER ? best : undefined;
  }

  private spawn(): Slot {
    const { file, execArgv } = workerEntry();
    // A small young generation: what a job leaves behind is mostly buffers of MiBs held by small objects,
    // which a frequent, cheap scavenge frees. The default let each worker hold 60-80 MB of dead buffers.
    const worker = new Worker(file, { execArgv, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const slot: Slot = { worker, jobs: new Map(), ready: false, laneQueue: [], lanes: 0, stopped: false };
    slot.worker.unref();
    slot.worker.on('message', (reply: Reply | Ready) => {
      if ('ready' in reply) {
        slot.ready = true;
        // An idle worker must not keep the process alive: the unref() made before it was online does not hold.
        if (slot.jobs.size === 0) slot.worker.unref();
        return;
      }
      const pending = slot.jobs.get(reply.seq);
      if (!pending) return;
      slot.jobs.delete(reply.seq);
      if (slot.jobs.size === 0) slot.worker.unref();
      if (reply.failure) pending.reject(rebuild(reply.failure));
      else pending.resolve(reply.result!);
      this.dispatch();
    });
    const stopped = (why: string) => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.slots.splice(at, 1);
      slot.stopped = true;
      const failure = new Error(`a sealing worker stopped (${why}); the operation cannot go on`);
      for (const pending of [...slot.jobs.values(), ...slot.laneQueue.splice(0)]) pending.reject(failure);
      slot.jobs.clear();
      this.dispatch();
    };
    slot.worker.on('error', (err) => stopped(err.message));
    slot.worker.on('exit', (code) => stopped(`exit code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}

function checked<J extends Job>(job: J, result: JobResult): Extract<JobResult, { op: J['op'] }> {
  if (result.op !== job.op) throw new Error(`a sealing worker answered ${result.op} to ${job.op}`);
  return result as Extract<JobResult, { op: J['op'] }>;
}

let shared: SealingPool | undefined;

/** The process's pool. */
export function sealingPool(): SealingPool {
  shared ??= new SealingPool();
  return shared;
}
