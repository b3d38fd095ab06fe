/**
 * A ~1 GB file store shaped like Mattermost's local one, for the files benchmark (sized in bytes) and the
 * S3 one (sized in files: 10,000 by default, 1,093 MiB): uploads under
 * `YYYYMMDD/teams/<team>/channels/<channel>/users/<user>/<file id>/<name>`, images with their `_thumb.jpg`
 * and `_preview.jpg` beside them. Sizes are log-uniform (many small files, a few large ones) so that both
 * per-file overhead and streaming throughput count; most kinds are incompressible like real photos and
 * PDFs, text kinds compress. The demo's generator only writes the files of generated FileInfo rows (a few
 * hundred), so this one makes its own, deterministically, and caches them: a marker file beside the store
 * records the parameters and is written last.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileContent } from '../demo/generate-file-store';
import { Rng } from '../demo/random';

const GENERATOR_VERSION = 1;
const KINDS = [
  { ext: 'jpg', weight: 35, text: false, image: true },
  { ext: 'png', weight: 20, text: false, image: true },
  { ext: 'pdf', weight: 12, text: false, image: false },
  { ext: 'txt', weight: 10, text: true, image: false },
  { ext: 'log', weight: 8, text: true, image: false },
  { ext: 'zip', weight: 8, text: false, image: false },
  { ext: 'docx', weight: 7, text: false, image: false },
] as const;
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2024, 0, 1);

export interface FileStore {
  dir: string;
  reused: boolean;
  files: number;
  bytes: number;
}

export interface Planned {
  path: string;
  size: number;
  text: boolean;
  ext: string;
}

type Log = (line: string) => void;

/** Log-uniform in [min, max]: as many files between 4 and 8 KiB as between 128 and 256 KiB. */
function logUniform(rng: Rng, min: number, max: number): number {
  return Math.round(min * Math.exp((rng.next() / 0x100000000) * Math.log(max / min)));
}

function pickKind(rng: Rng): (typeof KINDS)[number] {
  let r = rng.int(100);
  for (const kind of KINDS) {
    if (r < kind.weight) return kind;
    r -= kind.weight;
  }
  return KINDS[0];
}

/** One upload and, for images, its thumbnail and preview: the files Mattermost writes for one attachment. */
function planUpload(rng: Rng, n: number): Planned[] {
  const kind = pickKind(rng);
  // 3% large (1-16 MiB: videos, archives, scans), the rest 4-256 KiB.
  const size = rng.chance(0.03) ? logUniform(rng, 1 << 20, 16 << 20) : logUniform(rng, 4 << 10, 256 << 10);
  const day = new Date(FIRST_DAY + rng.int(365) * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  const dir = `${day}/teams/team${rng.int(3)}${rng.token(21)}/channels/ch${rng.int(30)}${rng.token(22)}/users/${rng.token(26)}/${rng.id()}`;
  const name = `upload-${n}`;
  const out: Planned[] = [{ path: `${dir}/${name}.${kind.ext}`, size, text: kind.text, ext: kind.ext }];
  if (kind.image) {
    out.push({ path: `${dir}/${name}_thumb.jpg`, size: rng.range(1000, 8000), text: false, ext: 'jpg' });
    out.push({ path: `${dir}/${name}_preview.jpg`, size: rng.range(10_000, 80_000), text: false, ext: 'jpg' });
  }
  return out;
}

/** How big a store to make: about this many bytes, or exactly this many files (the sizes then fall as they may). */
export type StoreTarget = { bytes: number } | { files: number };

/** Uploads until the target is reached; deterministic for a seed. */
export function planStore(target: StoreTarget, seed: number): Planned[] {
  const rng = Rng.stream(seed, 'bench-file-store');
  const plan: Planned[] = [];
  let bytes = 0;
  const reached = () => ('bytes' in target ? bytes >= target.bytes : plan.length >= target.files);
  for (let n = 0; !reached(); n++) {
    for (const file of planUpload(rng, n)) {
      plan.push(file);
      bytes += file.size;
    }
  }
  return 'files' in target ? plan.slice(0, target.files) : plan;
}

export function plannedBytes(plan: readonly Planned[]): number {
  return plan.reduce((sum, f) => sum + f.size, 0);
}

async function writePlanned(dir: string, plan: readonly Planned[], seed: number, log: Log): Promise<void> {
  let last = Date.now();
  let next = 0;
  // A few writers at once: small files are dominated by mkdir/open latency, not bandwidth.
  const worker = async () => {
    while (next < plan.length) {
      const i = next++;
      const f = plan[i];
      await fs.mkdir(dirname(join(dir, f.path)), { recursive: true });
      await fs.writeFile(join(dir, f.path), fileContent(seed, f.path, f.size, f.text, f.ext));
      if (Date.now() - last > 10_000) {
        last = Date.now();
        log(`  wrote ${i + 1} of ${plan.length} files`);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

/**
 * Reuses the store at `dir` when its marker matches `target`, else writes it afresh. `temporary`: the
 * caller removes it after use, so the log does not promise a cache.
 */
export async function ensureFileStore(dir: string, target: StoreTarget, log: Log, options: { temporary?: boolean } = {}): Promise<FileStore> {
  const marker = `${dir}.json`;
  // The byte-sized store keeps its original marker, so an existing cache stays valid.
  const params = 'bytes' in target ? { generator: GENERATOR_VERSION, targetBytes: target.bytes, seed: 1 } : { generator: GENERATOR_VERSION, targetFiles: target.files, seed: 1 };
  const previous = await fs.readFile(marker, 'utf8').then((t) => JSON.parse(t) as { params: unknown; files: number; bytes: number }, () => undefined);
  if (previous && JSON.stringify(previous.params) === JSON.stringify(params)) {
    return { dir, reused: true, files: previous.files, bytes: previous.bytes };
  }
  const plan = planStore(target, params.seed);
  const bytes = plannedBytes(plan);
  log(`generating a file store of ${plan.length} files, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${dir}${options.temporary ? '' : ' (once; cached for later runs)'}`);
  await fs.rm(marker, { force: true });
  await fs.rm(dir, { recursive: true, force: true });
  await writePlanned(dir, plan, params.seed, log);
  await fs.writeFile(marker, `${JSON.stringify({ params, files: plan.length, bytes })}\n`);
  return { dir, reused: false, files: plan.length, bytes };
}
