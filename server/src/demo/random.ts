/**
 * Deterministic randomness for the generators: the same seed always yields the same installation, so two
 * generated databases (or file stores) can be compared byte for byte, and a failing test can be replayed.
 * Nothing here is suitable for secrets.
 */
import { createHash } from 'node:crypto';

/** Mattermost's id alphabet (base32 of 16 random bytes without padding gives 26 characters). */
export const ID_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** Matches a Mattermost id. */
export const ID_PATTERN = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{26}$/;

/** 32-bit FNV-1a of a string: turns a stream label into seed material. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32: spreads a weak seed (0, 1, 2, ...) into well-mixed state words. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * sfc32, a small fast generator with a 128-bit state. Each table gets its own stream (`Rng.stream(seed,
 * 'users')`) so that adding a table or a column to one generator does not change every other table.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const mix = splitmix32(seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** An independent stream for one purpose, derived from the installation seed and a label. */
  static stream(seed: number, label: string): Rng {
    return new Rng((fnv1a(label) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0);
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** k distinct items (k is capped at the number of items), in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice();
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.int(copy.length - i);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, n);
  }

  /** A Mattermost-style id: 26 characters of ID_ALPHABET. */
  id(): string {
    let out = '';
    for (let i = 0; i < 26; i++) out += ID_ALPHABET[this.next() & 31];
    return out;
  }

  /** n characters of ID_ALPHABET (tokens, salts, invite ids). */
  token(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += ID_ALPHABET[this.next() & 31];
    return out;
  }

  /** n pseudo-random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/**
 * The id the PostgreSQL bulk loader gives post `i` (see postgres-posts.ts): md5 hex digits mapped onto the
 * first 16 letters of ID_ALPHABET. Kept here so JavaScript can name a server-generated post when needed.
 */
export function hashedId(seed: number, label: string, i: number): string {
  const hex = createHash('md5').update(`${seed}:${label}:${i}`).digest('hex');
  let out = '';
  for (let k = 0; k < 26; k++) out += ID_ALPHABET[parseInt(hex[k], 16)];
  return out;
}
