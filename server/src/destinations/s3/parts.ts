/**
 * Multipart upload sizing. S3 allows at most 10,000 parts per object, parts of 5 MiB to 5 GiB (the last
 * may be smaller) and objects up to 5 TiB. Repository objects (packs of about 8 MiB) go up as one PUT;
 * the rule still holds for anything larger, so no upload can fail at part 10,001.
 */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * 1024 * 1024;

/**
 * Objects up to this size go up as one PUT: a pack (8 MiB and up to one chunk more) is then one request
 * and its ETag is its MD5, so no HEAD is needed to check what was stored.
 */
export const SINGLE_PUT_MAX = 16 * 1024 * 1024;

/** The part size for an object of `size` bytes: max(5 MiB, ceil(size / 10,000)). Throws above 5 TiB. */
export function partSizeFor(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid object size ${size}`);
  if (size > MAX_OBJECT_SIZE) throw new RangeError(`an object of ${size} bytes exceeds S3's limit of 5 TiB`);
  return Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));
}
