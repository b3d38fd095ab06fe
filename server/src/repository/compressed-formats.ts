/**
 * Formats whose content is always compressed already, recognized by their first bytes: most of a
 * Mattermost file store (photos, screenshots, videos, archives). zstd cannot shrink them, so sealing
 * skips even the sample compression that would find that out (./sealing.ts). Containers that may hold
 * stored, uncompressed members (zip, tar, PDF) are not listed: for them the sample decides.
 */
const SIGNATURES: Array<{ at: number; bytes: number[] }> = [
  { at: 0, bytes: [0xff, 0xd8, 0xff] }, // JPEG
  { at: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] }, // PNG
  { at: 0, bytes: [0x47, 0x49, 0x46, 0x38] }, // GIF8
  { at: 8, bytes: [0x57, 0x45, 0x42, 0x50] }, // RIFF....WEBP
  { at: 4, bytes: [0x66, 0x74, 0x79, 0x70] }, // ....ftyp: MP4, MOV, HEIC, AVIF
  { at: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3] }, // Matroska, WebM
  { at: 0, bytes: [0x1f, 0x8b] }, // gzip
  { at: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd] }, // zstd
  { at: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] }, // xz
  { at: 0, bytes: [0x42, 0x5a, 0x68] }, // bzip2
  { at: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] }, // 7z
];

/** Whether `data` starts like a format that is compressed already. */
export function isCompressedFormat(data: Uint8Array): boolean {
  return SIGNATURES.some(({ at, bytes }) => data.length >= at + bytes.length && bytes.every((b, i) => data[at + i] === b));
}
