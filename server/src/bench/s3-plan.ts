/**
 * How big the S3 case can be on this disk. Pure, so the rule is tested without a disk to fill.
 *
 * At its peak the case holds the generated store, the raw upload's parts and the object MinIO assembles
 * from them (its CompleteMultipartUpload copies the parts into one file before removing them): three times
 * the store. The raw object is deleted before mmbackup writes its repository, about one more store's worth
 * at most; the fourth share is that margin. Below that the store is scaled down by file count, and the
 * report says so; below MIN_FILES the case would measure little but startup, so it is refused instead.
 */
import { ExitCode, MmBackupError } from '../common/errors';

export const DISK_FACTOR = 4;
export const MIN_FILES = 1_000;

export interface S3CaseSize {
  files: number;
  /** Set when the store is smaller than asked, saying why, for the report. */
  scaledDown?: string;
}

const GIB = 2 ** 30;

function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

/**
 * `files` as asked when `freeBytes` in `dir` holds DISK_FACTOR times `plannedBytes` (what those files
 * weigh), else proportionally fewer files.
 */
export function fitToDisk(files: number, plannedBytes: number, freeBytes: number, dir: string): S3CaseSize {
  const needed = plannedBytes * DISK_FACTOR;
  if (freeBytes >= needed) return { files };
  const fitting = Math.floor((files * freeBytes) / needed);
  if (fitting < MIN_FILES) {
    throw new MmBackupError({ step: 'bench-s3', code: 'BENCH_S3_NO_ROOM', exitCode: ExitCode.usage,
      message: `the S3 case needs about ${gib(needed)} free in ${dir} for ${files.toLocaleString('en-US')} files, and ${gib(freeBytes)} is free`,
      fix: 'free some space there, point TMPDIR at a larger disk, lower BENCH_S3_FILES, or set BENCH_S3=0 to skip the S3 case' });
  }
  return {
    files: fitting,
    scaledDown: `scaled down from ${files.toLocaleString('en-US')} to ${fitting.toLocaleString('en-US')} files: ${gib(freeBytes)} free in ${dir}, ${gib(needed)} needed for the full case`,
  };
}
