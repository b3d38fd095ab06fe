/**
 * Small real images made in code, for attachments Mattermost must decode to make its thumbnails and
 * previews: a truecolour PNG (zlib + CRC32, both in Node) whose pixels depend on a seed, so every upload
 * has its own bytes and its own thumbnail.
 */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A width x height RGB PNG with a gradient and stripes picked by `seed`. */
export function makePng(width: number, height: number, seed: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0 (none), then the pixels
    for (let x = 0; x < width; x++) {
      const stripe = ((x + seed * 7) >> 3) % 2 === 0;
      row[1 + x * 3] = (x * 255) / width + seed * 40;
      row[2 + x * 3] = stripe ? (y * 255) / height : 255 - (y * 255) / height;
      row[3 + x * 3] = (seed * 53 + x * y) & 0xff;
    }
    rows.push(row);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
