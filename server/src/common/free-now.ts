/**
 * Freeing a buffer's memory as soon as its holder is done with it. Used on every path that moves GBs
 * through buffers: the sealing workers, the chunker, packs, a restore's HTTP bodies and a database feed.
 */

/** Whether `view` covers the whole of an ArrayBuffer, which can then be transferred or freed with it. */
export function ownsWholeBuffer(view: Uint8Array): view is Uint8Array<ArrayBuffer> {
  return view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
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

/** ArrayBuffer's ES2024 members (Node >= 21), not in the compiler's library yet. */
type Detachable = ArrayBuffer & { readonly detached: boolean; transfer(length: number): ArrayBuffer };
