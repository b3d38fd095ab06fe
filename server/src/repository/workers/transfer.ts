/**
 * Moving bytes between threads: only an ArrayBuffer can be transferred, whole. A view of part of one (or
 * of Node's shared pool of small buffers) would send, or detach, all of it, so such a view is copied.
 */
import { freeNow, ownsWholeBuffer } from '../../common/free-now';

/** `view` in a buffer of its own: itself when it covers one whole, else a copy. */
export function owning(view: Uint8Array): Uint8Array<ArrayBuffer> {
  return ownsWholeBuffer(view) ? view : copyOf(view);
}

/** A copy of `view` in a buffer of its own. */
export function copyOf(view: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy;
}

/**
 * freeNow() for a view of part of a buffer the caller knows nothing else uses: a zlib or cipher output,
 * which Node hands out as a view into a buffer allocated for that one call. A buffer no larger than Node's
 * pool of small buffers could be that pool, and is left to the collector.
 */
export function freeBacking(view: Uint8Array): void {
  if (!(view.buffer instanceof ArrayBuffer) || view.buffer.byteLength <= Buffer.poolSize) return;
  freeNow(new Uint8Array(view.buffer));
}
