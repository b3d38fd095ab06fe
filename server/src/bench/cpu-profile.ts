/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and lists where the time went: self time per
 * function, largest first. `(idle)` is time the main thread waited (on pg_dump's output, on the disk, on
 * the sealing workers), `(garbage collector)` is GC, `(program)` is native work outside JavaScript.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  selfMs: number;
  percent: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  // Paths inside the project or Node's own modules are shortest from their last two segments.
  const where = url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
  return `${name} ${where}:${lineNumber + 1}`;
}

/** Self time per function of one profile, the `top` largest first. */
export function hotFunctions(profile: CpuProfile, top = 12): HotFunction[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, label(n)]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const name = byId.get(id) ?? '(unknown)';
    self.set(name, (self.get(name) ?? 0) + us);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: total ? Math.round((1000 * us) / total) / 10 : 0 }));
}

/** The hot functions of the single profile written into `dir`. */
export async function summarizeProfileDir(dir: string, top = 12): Promise<{ file: string; hot: HotFunction[] }> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.cpuprofile')).sort();
  if (names.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  const file = path.join(dir, names[names.length - 1]);
  return { file, hot: hotFunctions(JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile, top) };
}
