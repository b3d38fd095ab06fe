/**
 * Prompt release of large buffers that are already garbage. Backups and restores move their bytes in
 * buffers whose memory lives outside V8's heap: the JavaScript heap stays small, so V8 collects rarely,
 * and on each thread tens of MiB of dead buffers wait for it (measured: a 1 GiB restore peaked at 490 MB
 * resident, most of it dead buffers on the sealing workers). A young-generation collection, well under a
 * millisecond on these heaps, every RELEASE_EVERY bytes a thread is done with frees them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const RELEASE_EVERY = 16 * 1024 * 1024;

type Collect = (options: { type: 'minor' | 'major' }) => void;

let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      collect = null; // then memory is released only when V8 decides
    }
  }
  return collect;
}

let since = 0;

/** Counts bytes this thread is done with; collects young garbage every RELEASE_EVERY of them. */
export function doneWith(bytes: number): void {
  since += bytes;
  if (since < RELEASE_EVERY) return;
  since = 0;
  collector()?.({ type: 'minor' });
}
