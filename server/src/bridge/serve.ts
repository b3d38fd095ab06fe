/**
 * `mmbackup serve`: assembles the bridge and keeps it running. Settings are polled and applied without a
 * restart (an invalid value keeps the last valid one and is reported; a new plugin secret takes effect on
 * the next request); scheduled jobs run on exactly one bridge of a cluster (database advisory locks); an
 * overdue check runs on its own timer (a dead man's switch: it alerts even when the scheduler itself never
 * fires), and so does a repository check (reachable, room for the next backup).
 *
 * Everything Mattermost should hear (job progress, alerts, /backup outcomes) goes onto the event stream the
 * plugin follows (GET /api/v1/events); the bridge itself makes no call to Mattermost.
 */
import type * as http from 'node:http';
import { AlertNotifier } from '../alerts/notifier';
import { EventHub } from '../api/events';
import { createApiServer, listenApiServer } from '../api/server';
import { redact, registerSecret } from '../common/redact';
import { loadInstallation, type LoadInstallationOptions } from '../mattermost/installation';
import type { Secret } from '../repository/keys';
import type { Repository } from '../repository/repository';
import { acquireJobLeadership } from '../schedule/leader';
import { Scheduler } from '../schedule/scheduler';
import { loadSettings, type LoadedSettings } from '../settings/load';
import { settingsReloader, watchSettings, type SettingsWatcher } from '../settings/watch';
import { Bridge } from './core';
import { bridgeEnvironment } from './environment';

/** The bridge's version, sent in the `hello` event. */
const VERSION: string = (require('../../package.json') as { version: string }).version;

export interface ServeOptions {
  repository: Repository;
  secret: Secret;
  installation: LoadInstallationOptions;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Test hooks: faster polling and checks. */
  settingsPollMs?: number;
  overdueCheckMs?: number;
  /** How often the repository is checked for reachability and free space. Default 5 minutes. */
  repositoryCheckMs?: number;
  /** Interval of `: ping` comments on event streams. Default 15 s. */
  pingMs?: number;
  /** Alert repeat period (default 6 hours), for tests. */
  alertRepeatMs?: number;
}

export interface RunningBridge {
  bridge: Bridge;
  /** http://host:port, or unix:/path for a socket. */
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

function sinksOf(notifier: AlertNotifier, loaded: LoadedSettings, log: (line: string) => void) {
  registerSecret(loaded.effective.heartbeatUrl);
  registerSecret(loaded.effective.bridgeSecret);
  return { notifier, heartbeatUrl: loaded.effective.heartbeatUrl || undefined, log };
}

export async function serve(options: ServeOptions): Promise<RunningBridge> {
  const { log, env } = options;
  const installation = await loadInstallation(options.installation);
  const settings = loadSettings({ installation, env });
  const environment = bridgeEnvironment(env);
  const events = new EventHub({ version: VERSION });
  const notifier = new AlertNotifier({ publish: (alert) => events.publish('alert', alert), repeatAfterMs: options.alertRepeatMs });
  const bridge = new Bridge({
    repository: options.repository,
    secret: options.secret,
    installation,
    settings,
    reloadInstallation: () => loadInstallation(options.installation),
    sinks: sinksOf(notifier, settings, log),
    events,
    log,
  });
  await bridge.refresh();

  const scheduler = new Scheduler({
    settings: settings.effective,
    tryLeadership: (job) => acquireJobLeadership(bridge.installation.database, job),
    isBusy: () => bridge.runner.isBusy(),
    onBackupDue: () => bridge.runScheduledBackup(),
    onDrillDue: () => bridge.runScheduledDrill(),
    onPruneDue: () => bridge.runScheduledPrune(),
    // The repository is the cluster's shared record: a slot another bridge already ran is not run again.
    lastRunAt: async (job) => {
      if (job === 'prune') return undefined; // runs under the repository lock and is idempotent: a repeat removes nothing
      await bridge.refresh().catch(() => {});
      return job === 'backup' ? bridge.lastBackupStartedAt() : bridge.lastDrillAt();
    },
    log,
  });
  bridge.scheduler = scheduler;

  const watcher: SettingsWatcher = watchSettings({
    reload: settingsReloader(options.installation, env),
    initial: settings,
    intervalMs: options.settingsPollMs,
    onChange: (next) => {
      void loadInstallation(options.installation).then((fresh) => {
        bridge.updateSettings(next, fresh);
        bridge.updateSinks(sinksOf(notifier, next, log));
        log(`settings changed${next.problems.length ? `; problems: ${next.problems.map((p) => `${p.key}: ${p.message}`).join('; ')}` : ''}`);
      }, (err) => log(`settings changed but the config could not be re-read: ${redact((err as Error).message)}`));
    },
    onProblem: (err) => log(`the Mattermost config could not be re-read (the last settings stay in force): ${redact((err as Error).message)}`),
  });

  // The dead man's switch: on its own timer, independent of the scheduler firing.
  const overdue = setInterval(() => void bridge.checkOverdue(new Date()), options.overdueCheckMs ?? 60_000);
  overdue.unref();
  const repositoryWatch = setInterval(() => void bridge.checkRepository(), options.repositoryCheckMs ?? 300_000);
  repositoryWatch.unref();
  void bridge.checkRepository();

  const server = createApiServer({
    core: bridge, secret: () => bridge.settingsInForce.effective.bridgeSecret, metricsToken: environment.metricsToken, log, heartbeatMs: options.pingMs,
  });
  const { url } = await listenApiServer(server, environment.listen);
  await scheduler.start();
  const secretNote = settings.effective.bridgeSecret ? '' : '; no plugin secret yet (enable the plugin, or set MMBACKUP_BRIDGE_SECRET): the plugin\'s requests are refused until there is one';
  log(`bridge listening on ${url}; repository ${options.repository.destination.location}${secretNote}`);

  return {
    bridge,
    url,
    server,
    async stop() {
      scheduler.stop();
      watcher.stop();
      clearInterval(overdue);
      clearInterval(repositoryWatch);
      bridge.runner.cancel();
      // Open streams (the plugin's events, the console's job logs) would keep close() waiting forever.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await new Promise<void>((resolve) => (bridge.runner.isBusy() ? bridge.runner.subscribe(bridge.runner.current()!.id, { end: () => resolve() }) ?? resolve() : resolve()));
    },
  };
}
