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

/*
 * A baseline greyscale JPEG (ITU T.81): level shift, 8x8 forward DCT, quantization, zigzag, and Huffman
 * coding with the example tables of its Annex K, written with their DQT/SOF0/DHT/SOS segments. Small and
 * slow (a direct DCT), which is all a test image needs.
 */
const ZIGZAG: number[] = (() => {
  const order: number[] = [];
  for (let s = 0; s < 15; s++) {
    const rows = [];
    for (let r = Math.max(0, s - 7); r <= Math.min(s, 7); r++) rows.push(r);
    if (s % 2 === 0) rows.reverse();
    for (const r of rows) order.push(r * 8 + (s - r));
  }
  return order;
})();

const QUANT = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99];
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
// The AC symbols (run << 4 | size), most frequent first; the check below proves it holds each symbol once.
const AC_VALS = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
  0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
  0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
  0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];
{
  const needed = new Set([0x00, 0xf0]);
  for (let run = 0; run < 16; run++) for (let size = 1; size <= 10; size++) needed.add((run << 4) | size);
  if (AC_VALS.length !== needed.size || new Set(AC_VALS).size !== needed.size || !AC_VALS.every((v) => needed.has(v))) throw new Error('AC_VALS is not the set of AC symbols');
}

function huffmanCodes(bits: number[], vals: number[]): Map<number, { code: number; length: number }> {
  const codes = new Map<number, { code: number; length: number }>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]; i++) codes.set(vals[k++], { code: code++, length });
    code <<= 1;
  }
  return codes;
}

class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.acc = 0;
    this.count = 0;
  }
  finish(): void {
    while (this.count !== 0) this.write(1, 1);
  }
}

function category(v: number): number {
  let a = Math.abs(v);
  let size = 0;
  while (a > 0) {
    size++;
    a >>= 1;
  }
  return size;
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/** A width x height greyscale baseline JPEG with a pattern picked by `seed`. */
export function makeJpeg(width: number, height: number, seed: number): Buffer {
  const pixel = (x: number, y: number) => (((x + seed * 11) ^ (y * 3)) * 5 + Math.round(60 * Math.sin((x + y + seed) / 9))) & 0xff;
  const dc = huffmanCodes(DC_BITS, DC_VALS);
  const ac = huffmanCodes(AC_BITS, AC_VALS);
  const out = new BitWriter();
  const cos = Array.from({ length: 64 }, (_, i) => Math.cos(((2 * (i >> 3) + 1) * (i & 7) * Math.PI) / 16)); // [x][u]
  let previousDc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      const block = new Array<number>(64);
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = pixel(Math.min(bx + x, width - 1), Math.min(by + y, height - 1)) - 128;
      const q = new Array<number>(64);
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          let sum = 0;
          for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) sum += block[y * 8 + x] * cos[x * 8 + u] * cos[y * 8 + v];
          const cu = u === 0 ? Math.SQRT1_2 : 1;
          const cv = v === 0 ? Math.SQRT1_2 : 1;
          q[v * 8 + u] = Math.round((0.25 * cu * cv * sum) / QUANT[v * 8 + u]);
        }
      }
      const diff = q[0] - previousDc;
      previousDc = q[0];
      const dcSize = category(diff);
      const dcCode = dc.get(dcSize)!;
      out.write(dcCode.code, dcCode.length);
      if (dcSize > 0) out.write(diff < 0 ? diff + (1 << dcSize) - 1 : diff, dcSize);
      let run = 0;
      for (let k = 1; k < 64; k++) {
        const value = q[ZIGZAG[k]];
        if (value === 0) {
          run++;
          continue;
        }
        for (; run > 15; run -= 16) out.write(ac.get(0xf0)!.code, ac.get(0xf0)!.length);
        const size = category(value);
        const code = ac.get((run << 4) | size)!;
        out.write(code.code, code.length);
        out.write(value < 0 ? value + (1 << size) - 1 : value, size);
        run = 0;
      }
      if (run > 0) out.write(ac.get(0x00)!.code, ac.get(0x00)!.length);
    }
  }
  out.finish();
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF 1.1, no thumbnail
    ...segment(0xdb, [0x00, ...ZIGZAG.map((i) => QUANT[i])]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALS]),
    ...segment(0xc4, [0x10, ...AC_BITS, ...AC_VALS]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...out.bytes,
    0xff, 0xd9,
  ]);
}
