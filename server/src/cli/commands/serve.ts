import { serve } from '../../bridge/serve';
import { openDestination } from '../../destinations/open';
import { Repository } from '../../repository/repository';
import { mattermostConfigSource, repoUrl, reporterFor, resolveSecret, type GlobalOptions } from '../context';

/** Runs the bridge until SIGINT/SIGTERM: scheduler, HTTP API, /backup, alerts, metrics. */
export async function serveCommand(options: GlobalOptions & { installDir?: string }, signal: AbortSignal): Promise<void> {
  const reporter = reporterFor(options);
  const secret = await resolveSecret(options);
  const repository = await Repository.open(openDestination(repoUrl(options), { onRetry: (line) => reporter.warn(line) }), secret, { warn: (line) => reporter.warn(line) });
  const running = await serve({
    repository,
    secret,
    installation: { source: mattermostConfigSource(options), env: process.env, installDir: options.installDir },
    env: process.env,
    log: (line) => reporter.info(line),
  });
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  reporter.info('stopping: the running job is cancelled and leaves no snapshot');
  await running.stop();
}
