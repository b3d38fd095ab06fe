import { bridgeLogger } from '../../bridge/log';
import { serve } from '../../bridge/serve';
import { openDestination } from '../../destinations/open';
import { Repository } from '../../repository/repository';
import { mattermostConfigSource, repoUrl, reporterFor, resolveSecret, type GlobalOptions } from '../context';

/**
 * Runs the bridge until SIGINT/SIGTERM: scheduler, HTTP API, /backup, alerts, metrics. Once started, it logs
 * structured lines on stdout (one JSON object each, jobs' lines with their id), which journald keeps; what
 * goes wrong before that (no repository, a wrong key) is the CLI's usual error on stderr.
 */
export async function serveCommand(options: GlobalOptions & { installDir?: string }, signal: AbortSignal): Promise<void> {
  const reporter = reporterFor(options);
  const logger = bridgeLogger();
  const secret = await resolveSecret(options);
  const repository = await Repository.open(openDestination(repoUrl(options), { onRetry: (line) => reporter.warn(line) }), secret, { warn: (line) => reporter.warn(line) });
  const running = await serve({
    repository,
    secret,
    installation: { source: mattermostConfigSource(options), env: process.env, installDir: options.installDir },
    env: process.env,
    log: (line) => logger.info(line),
    logger,
  });
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  logger.info('stopping: the running job is cancelled and leaves no snapshot');
  await running.stop();
}
