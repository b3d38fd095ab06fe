/**
 * Moving bytes between threads: only an ArrayBuffer can be transferred, whole. A view of part of one (or
 * of Node's shared pool of small buffers) would send, or detach, all of it, so such a view is copied.
 */

/** Whether `view` covers the whole of an ArrayBuffer, which can then be transferred or freed with it. */
export function ownsWholeBuffer(view: Uint8Array): view is Uint8Array<ArrayBuffer> {
  return view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}

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
 * Frees a buffer its holder is done with, now, instead of at a collection. V8 counts the buffers a thread
 * allocates or receives against a budget, and every few tens of MB of them it runs a full collection:
 * a backup moves GBs through buffers (121 full collections on the main thread for 1 GiB of files), and a
 * worker held 50-80 MB of dead ones. Only a view of a whole buffer is freed, since anything else may
 * share it (Node's pool of small buffers); one moved on already is skipped. Every view of it becomes empty:
 * call it only on a buffer nothing else still reads.
 */
export function freeNow(view: Uint8Array): void {
  if (!ownsWholeBuffer(view)) return;
  const buffer = view.buffer as Detachable;
  if (buffer.detached) return;
  try {
    buffer.transfer(0);
  } catch {
    // a buffer Node keeps for itself cannot be detached: the collector frees it
  }
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

/** ArrayBuffer's ES2024 members (Node >= 21), not in the compiler's library yet. */
type Detachable = ArrayBuffer & { readonly detached: boolean; transfer(length: number): ArrayBuffer };
