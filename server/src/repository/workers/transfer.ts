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
