/**
 * mmbackup: the command line (DESIGN section 4). Exit codes: 0 success, 1 the operation failed, 2 bad
 * usage or configuration, 3 repository locked, 4 wrong key. With --json, stdout carries one JSON document
 * and nothing else; progress and logs go to stderr.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, MmBackupError, asMmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import { keepHeapsSmall } from '../common/heap-growth';
import { TOOL_VERSION } from '../engine/version';
import { addRetentionOptions } from './retention-flags';
import { wasReportedOnStdout, type GlobalOptions } from './context';

/** The sealing workers boot while a backup or restore loads its modules (../repository/workers/pool.ts). */
function startWorkers(): void {
  (require('../repository/workers/pool') as typeof import('../repository/workers/pool')).sealingPool().start();
}

/**
 * Each command's module is loaded when that command runs: `serve` alone pulls in the HTTP server, the
 * scheduler and the logger, `demo` the data generators, none of which a cron job's backup needs.
 */
function program(signal: AbortSignal): Command {
  const cli = new Command('mmbackup')
    .description('Backup & disaster recovery for Mattermost: database, config and file store')
    .version(TOOL_VERSION)
    .option('--mattermost-config <path|dsn>', "Mattermost's config.json or config database DSN (default $MM_CONFIG, else /opt/mattermost/config/config.json)")
    .option('--repo <url>', 'repository: a path, file:///path or s3://bucket/prefix?endpoint=...&region=... (default $MMBACKUP_REPO)')
    .option('--passphrase-file <file>', 'file holding the repository passphrase ($MMBACKUP_PASSPHRASE)')
    .option('--key-file <file>', 'repository key file ($MMBACKUP_KEY_FILE); init generates it when missing')
    .option('--json', 'print one JSON document on stdout and nothing else')
    .showHelpAfterError()
    .exitOverride();
  const globals = (cmd: Command) => cmd.optsWithGlobals() as GlobalOptions & Record<string, any>;

  cli
    .command('init')
    .description('create a repository (passphrase, or a generated key file)')
    .option('--pack-size <MiB>', 'target size of the pack files blobs are stored in, 1 to 64 MiB (default 8)')
    .action(async (_o, cmd) => (await import('./commands/init')).initCommand(globals(cmd)));
  cli
    .command('backup')
    .description('back up the database, config and file store')
    .option('--only <components>', 'comma-separated subset of db,config,files')
    .option('--tag <tag>', 'label the snapshot (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (_o, cmd) => {
      startWorkers();
      return (await import('./commands/backup')).backupCommand(globals(cmd), signal);
    });
  cli.command('list').description('snapshots, newest first').action(async (_o, cmd) => (await import('./commands/list')).listCommand(globals(cmd)));
  cli
    .command('show <id>')
    .description('details of one snapshot ("latest" or an id prefix)')
    .option('--env', "print the MM_* environment overrides the server ran with (they may hold secrets)")
    .action(async (id, _o, cmd) => (await import('./commands/show')).showCommand(id, globals(cmd)));
  cli
    .command('verify [id]')
    .description('check that snapshots are complete; --read-data reads every object; --drill restores into scratch targets')
    .option('--read-data', 'read, decrypt and check every object')
    .option('--drill', 'restore the snapshot into a scratch database and directory, compare, and drop them')
    .option('--db <dsn>', 'database server for the drill (default: the Mattermost database server); a password in it shows in `ps`: prefer --db-file or $MMBACKUP_DRILL_DB')
    .option('--db-file <file>', 'file holding the DSN of the database server for the drill ($MMBACKUP_DRILL_DB)')
    .option('--mattermost-binary <path>', 'boot this Mattermost on the drill\'s restored data (default <install dir>/bin/mattermost, $MMBACKUP_MATTERMOST_BINARY)')
    .option('--no-boot', 'restore and compare only; do not boot Mattermost on the drill\'s data')
    .action(async (id, _o, cmd) => (await import('./commands/verify')).verifyCommand(id, globals(cmd)));
  cli
    .command('restore <id>')
    .description('restore a snapshot onto this server or a new one')
    .option('--only <components>', 'comma-separated subset of db,config,files')
    .option('--db <dsn>', 'target database (default: the one in the Mattermost config); a password in it shows in `ps`: prefer --db-file or $MMBACKUP_RESTORE_DB')
    .option('--db-file <file>', 'file holding the target database DSN ($MMBACKUP_RESTORE_DB)')
    .option('--config-dir <dir>', 'target config directory')
    .option('--files-dir <dir>', 'target file store directory')
    .option('--install-dir <dir>', 'target Mattermost install dir, for plugins/ and client/plugins/ (default: parent of --config-dir)')
    .option('--dry-run', 'print what would happen and change nothing')
    .option('--yes', 'replace existing data (a safety snapshot of it is taken first)')
    .option('--mattermost-binary <path>', 'the Mattermost that will run the restored data, checked against the backup\'s version (default <install dir>/bin/mattermost, $MMBACKUP_MATTERMOST_BINARY)')
    .action(async (id, _o, cmd) => {
      const options = globals(cmd);
      if (!options.dryRun) startWorkers();
      return (await import('./commands/restore')).restoreCommand(id, options);
    });
  addRetentionOptions(
    cli
      .command('prune')
      .description('apply the retention policy and reclaim objects no snapshot references')
      .option('--dry-run', 'show each snapshot with the rule that keeps it or why it would go; change nothing'),
  ).action(async (_o, cmd) => (await import('./commands/prune')).pruneCommand(globals(cmd)));
  cli
    .command('copy')
    .description('copy snapshots to a second repository (off-site) that does not have them yet')
    .requiredOption('--to <repo-url>', 'the other repository: a path, file:///path or s3://bucket/prefix')
    .option('--to-passphrase-file <file>', "the other repository's passphrase, when it is created by this copy or uses its own key entry")
    .option('--to-key-file <file>', "the other repository's key file")
    .option('--verify', 'read back and authenticate every copied object')
    .action(async (_o, cmd) => (await import('./commands/copy')).copyCommand(globals(cmd), signal));
  cli
    .command('unlock')
    .description('remove stale repository locks')
    .option('--force', 'remove every lock, also live ones')
    .action(async (_o, cmd) => (await import('./commands/unlock')).unlockCommand(globals(cmd)));
  cli
    .command('serve')
    .description('run the bridge: scheduled backups, drills and retention, the HTTP API, /backup, alerts, metrics')
    .option('--install-dir <dir>', 'the Mattermost install dir, when the config lives in the database (default $MM_INSTALL_DIR or /opt/mattermost)')
    .action(async (_o, cmd) => (await import('./commands/serve')).serveCommand(globals(cmd), signal));
  cli
    .command('demo')
    .description('build a sample Mattermost under ./demo, back it up, verify, restore it elsewhere and compare')
    .option('--dir <dir>', 'where the demo lives', 'demo')
    .action(async (_o, cmd) => (await import('./commands/demo')).demoCommand(globals(cmd)));
  return cli;
}

function reportFailure(err: MmBackupError, json: boolean): void {
  if (json && !wasReportedOnStdout(err)) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
  process.stderr.write(`mmbackup: ${redact(err.describe())}\n`);
}

export async function main(argv: string[]): Promise<void> {
  keepHeapsSmall();
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`mmbackup: ${signal} received, stopping and cleaning up (send again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const json = argv.includes('--json');
  try {
    await program(controller.signal).parseAsync(argv, { from: 'user' });
    process.exitCode = ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    const failure = asMmBackupError(err, 'mmbackup');
    reportFailure(failure, json);
    if (process.env.MMBACKUP_DEBUG && failure.cause) process.stderr.write(`${redact(String((failure.cause as Error).stack ?? failure.cause))}\n`);
    process.exitCode = failure.exitCode;
  }
}
