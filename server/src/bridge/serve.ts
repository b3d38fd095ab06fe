/**
 * `mmbackup serve`: assembles the bridge and keeps it running. Settings are polled and applied without a
 * restart (an invalid value keeps the last valid one and is reported); scheduled jobs run on exactly one
 * bridge of a cluster (database advisory locks); an overdue check runs on its own timer (a dead man's
 * switch: it alerts even when the scheduler itself never fires), and so does a repository check (reachable,
 * room for the next backup); /backup is kept registered on every team.
 */
import type * as http from 'node:http';
import { createApiServer, listenApiServer } from '../api/server';
import { AlertNotifier } from '../alerts/notifier';
import { MmBackupError } from '../common/errors';
import { redact, registerSecret } from '../common/redact';
import { loadInstallation, type LoadInstallationOptions } from '../mattermost/installation';
import { MattermostApi } from '../mattermost-api/client';
import type { Secret } from '../repository/keys';
import type { Repository } from '../repository/repository';
import { acquireJobLeadership } from '../schedule/leader';
import { Scheduler } from '../schedule/scheduler';
import { loadSettings, type LoadedSettings } from '../settings/load';
import { settingsReloader, watchSettings, type SettingsWatcher } from '../settings/watch';
import { ensureSlashCommands, tokensOf } from '../slash/registration';
import { describeUntrustedConnectionHint, needsUntrustedConnectionAllowance } from '../slash/untrusted';
import { Bridge } from './core';
import { bridgeEnvironment, type BridgeEnvironment } from './environment';
import type { SlashState } from './slash-deps';

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
  slashRefreshMs?: number;
  /** How often Mattermost's AllowedUntrustedInternalConnections is re-read for the slash URL. Default 1 minute. */
  allowanceCheckMs?: number;
}

export interface RunningBridge {
  bridge: Bridge;
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

function notifierFor(api: MattermostApi | undefined, loaded: LoadedSettings, log: (line: string) => void): AlertNotifier | undefined {
  const { opsTeam, opsChannel } = loaded.effective;
  if (!api || !opsTeam || !opsChannel) return undefined;
  return new AlertNotifier({ api, team: opsTeam, channel: opsChannel, log });
}

async function registerSlash(bridge: Bridge, api: MattermostApi | undefined, env: BridgeEnvironment, state: SlashState, log: (line: string) => void): Promise<void> {
  if (!api || !env.slashUrl) return;
  try {
    const report = await ensureSlashCommands(api, { url: env.slashUrl, trigger: 'backup', displayName: 'Backup', description: 'Backups of this Mattermost server', autocompleteHint: '[now|status|list|verify|help]' });
    state.tokens = tokensOf(report);
    const failed = report.teams.filter((t) => t.outcome === 'failed');
    if (failed.length > 0) bridge.problems.set('slash', `/backup could not be registered on ${failed.map((t) => t.teamName).join(', ')}: ${failed[0].error?.message}`);
    else bridge.problems.delete('slash');
  } catch (err) {
    bridge.problems.set('slash', `/backup could not be registered: ${redact((err as Error).message)}`);
    log(`slash registration failed: ${redact((err as Error).message)}`);
  }
}

/**
 * Whether Mattermost, as its config is now (re-read, overrides applied), refuses to call the slash command
 * URL (../slash/untrusted.ts). Checked at start and every minute, so an allowance the admin adds clears the
 * problem within a minute.
 */
async function checkSlashAllowance(bridge: Bridge, env: BridgeEnvironment, source: LoadInstallationOptions): Promise<void> {
  if (!env.slashUrl) return;
  const installation = await loadInstallation(source).catch(() => bridge.installation);
  const allowed = String(installation.config?.ServiceSettings?.AllowedUntrustedInternalConnections ?? '');
  if (await needsUntrustedConnectionAllowance(env.slashUrl, allowed)) bridge.problems.set('slash-untrusted', describeUntrustedConnectionHint(env.slashUrl));
  else bridge.problems.delete('slash-untrusted');
}

export async function serve(options: ServeOptions): Promise<RunningBridge> {
  const { log, env } = options;
  const installation = await loadInstallation(options.installation);
  const settings = loadSettings({ installation, env });
  const environment = bridgeEnvironment(installation, settings.effective, env);
  registerSecret(settings.effective.heartbeatUrl);
  const api = environment.botToken && environment.siteUrl ? new MattermostApi({ siteUrl: environment.siteUrl, botToken: environment.botToken }) : undefined;
  const slash: SlashState = { api, tokens: [] };
  const bridge = new Bridge({
    repository: options.repository,
    secret: options.secret,
    installation,
    settings,
    reloadInstallation: () => loadInstallation(options.installation),
    sinks: { notifier: notifierFor(api, settings, log), heartbeatUrl: settings.effective.heartbeatUrl || undefined, log },
    slash,
    log,
  });
  if (!api) bridge.problems.set('bot', 'no bot token (MMBACKUP_BOT_TOKEN) or site URL (MMBACKUP_SITE_URL / ServiceSettings.SiteURL): no alerts and no /backup');
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
        bridge.updateSinks({ notifier: notifierFor(api, next, log), heartbeatUrl: next.effective.heartbeatUrl || undefined, log });
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

  await registerSlash(bridge, api, environment, slash, log);
  // Without a bot there is no command for Mattermost to call, so nothing to allow.
  const checkAllowance = () => (api ? checkSlashAllowance(bridge, environment, options.installation) : Promise.resolve());
  await checkAllowance();
  const slashTimer = setInterval(() => void registerSlash(bridge, api, environment, slash, log), options.slashRefreshMs ?? 3_600_000);
  slashTimer.unref();
  const allowanceTimer = setInterval(() => void checkAllowance(), options.allowanceCheckMs ?? 60_000);
  allowanceTimer.unref();

  const server = createApiServer({ core: bridge, auth: { api: api ?? unauthenticated() }, metricsToken: environment.metricsToken, basePath: settings.effective.bridgePath, log });
  const { url } = await listenApiServer(server, environment.listenPort, environment.listenHost);
  await scheduler.start();
  log(`bridge listening on ${url} (proxy ${settings.effective.bridgePath} to it); repository ${options.repository.destination.location}`);

  return {
    bridge,
    url,
    server,
    async stop() {
      scheduler.stop();
      watcher.stop();
      clearInterval(overdue);
      clearInterval(repositoryWatch);
      clearInterval(slashTimer);
      clearInterval(allowanceTimer);
      bridge.runner.cancel();
      // Open log streams (the System Console follows jobs live) would keep close() waiting forever.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await new Promise<void>((resolve) => (bridge.runner.isBusy() ? bridge.runner.subscribe(bridge.runner.current()!.id, { end: () => resolve() }) ?? resolve() : resolve()));
    },
  };
}

/** Without a bot token nobody can be authenticated: every admin request is refused with a clear cause. */
function unauthenticated(): Pick<MattermostApi, 'sessionUser'> {
  return {
    sessionUser: async () => {
      throw new MmBackupError({ step: 'auth', code: 'MM_UNAUTHORIZED', message: 'the bridge has no bot token, so it cannot check Mattermost sessions', fix: 'set MMBACKUP_BOT_TOKEN and MMBACKUP_SITE_URL in the bridge environment and restart it' });
    },
  };
}
