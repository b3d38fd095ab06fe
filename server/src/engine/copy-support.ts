/**
 * What both copy paths (loose objects, ./copy.ts; packs, ./copy-packs.ts) share: telling source damage from
 * target failures, and checked saves.
 */
import { MmBackupError } from '../common/errors';
import type { Destination } from '../destinations/destination';
import type { CopyState } from './copy';

/** A source object or manifest that cannot be read: fails one snapshot, not the whole copy. */
export class SourceUnreadable extends Error {}

/** Saves and checks the stored size; a wrong one is removed so that the next copy writes it again. */
export async function saveChecked(target: Destination, name: string, data: Buffer): Promise<void> {
  await target.save(name, data);
  const stored = await target.stat(name);
  if (stored.size === data.length) return;
  await target.remove(name).catch(() => {});
  throw new MmBackupError({
    step: 'copy',
    code: 'COPY_SIZE_MISMATCH',
    message: `${name} was stored in ${target.location} with ${stored.size} bytes instead of ${data.length}`,
    fix: 'check the target storage (a proxy or gateway that alters uploads?), then run the copy again: it resumes',
  });
}

/**
 * With `verify`: the copy must open in the target. When it does not, the bytes read back tell whose fault
 * it is: the same bytes as read from the source mean the source object is damaged (this snapshot fails),
 * other bytes mean the target altered them (the copy stops). Either way the bad copy is removed.
 */
export async function authenticateCopy(state: CopyState, name: string, data: Buffer, open: () => Promise<unknown>): Promise<void> {
  try {
    await open();
    return;
  } catch (err) {
    const back = await state.target.destination.load(name).catch(() => undefined);
    await state.target.destination.remove(name).catch(() => {});
    if (back?.equals(data)) throw new SourceUnreadable(`${name} is damaged in the source: ${(err as Error).message}`);
    throw new MmBackupError({
      step: 'copy',
      code: 'COPY_VERIFY_FAILED',
      message: `${name} does not read back intact from ${state.target.destination.location}: ${(err as Error).message}`,
      fix: 'check the target storage, then run the copy again: it resumes',
      cause: err,
    });
  }
}

export async function fromSource<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof MmBackupError || err instanceof SourceUnreadable) throw err;
    throw new SourceUnreadable(`${what} cannot be read from the source: ${(err as Error).message}`, { cause: err });
  }
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
