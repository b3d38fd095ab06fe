import type { ChunkCutter } from './chunker';

/** Every chunk of a stream given in `parts`, its last one included. */
export function cutAll(cutter: ChunkCutter, parts: Buffer[]): Buffer[] {
  const chunks = parts.flatMap((part) => cutter.cut(part));
  const last = cutter.finish();
  return last ? [...chunks, last] : chunks;
}
