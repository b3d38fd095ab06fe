import { runDemo } from '../../demo/run-demo';
import { ExitCode, MmBackupError } from '../../common/errors';
import { emit, reporterFor, type GlobalOptions } from '../context';
import { formatBytes, formatDuration } from '../format';

export async function demoCommand(options: GlobalOptions & { dir?: string }): Promise<void> {
  const report = await runDemo(options.dir ?? 'demo', reporterFor(options));
  const rate = (bytes: number, ms: number) => `${formatBytes(bytes / Math.max(ms / 1000, 0.001))}/s`;
  const human = [
    '',
    'Demo report',
    `  snapshot          ${report.snapshot}: ${report.posts} posts, ${report.files} files`,
    `  backed up         ${formatBytes(report.backedUpBytes)} in ${formatDuration(report.backupMs)} (${rate(report.backedUpBytes, report.backupMs)}); ${formatBytes(report.newBytes)} new in the repository`,
    `  verified          every object read and authenticated in ${formatDuration(report.verifyMs)}`,
    `  restored          to a new database and directories in ${formatDuration(report.restoreMs)} (RTO for this size)`,
    `  RPO               the age of the last good backup: schedule backups (mmbackup serve) to bound it`,
    `  compared          ${report.differences.length === 0 ? 'database rows, sequences, indexes, foreign keys, files and config: identical' : `${report.differences.length} DIFFERENCES`}`,
    ...report.differences.map((d) => `    ${d}`),
  ].join('\n');
  emit(options, report, human);
  if (report.differences.length > 0) {
    throw new MmBackupError({ step: 'demo', code: 'DEMO_MISMATCH', message: 'the restored copy differs from the original', fix: 'see the differences listed above', exitCode: ExitCode.failed });
  }
}
