/**
 * Notices settings changes without a restart. Mattermost's config can change in its file (System Console
 * save, an editor, a config-management tool) or in the database (config in the Configurations table), and
 * fs.watch misses renames by editors and changes on network or container volumes, so this polls: reload,
 * compare the result as JSON, report differences. Polls never overlap, and the timer is unref'd so a
 * watcher never keeps the process alive.
 */
import { loadInstallation, type LoadInstallationOptions } from '../mattermost/installation';
import { loadSettings, type LoadedSettings } from './load';

export const DEFAULT_SETTINGS_POLL_MS = 10_000;

export interface WatchSettingsOptions {
  /** Loads the settings again; receives the ones in force, so that invalid values keep them. */
  reload: (current: LoadedSettings | undefined) => Promise<LoadedSettings>;
  /** The settings already in force; without it the first successful poll is reported as a change. */
  initial?: LoadedSettings;
  intervalMs?: number;
  /** The effective settings, their locks, or the list of problems changed. */
  onChange: (next: LoadedSettings, previous: LoadedSettings | undefined) => void;
  /**
   * reload() failed (config unreadable, invalid JSON, database down): the settings in force stay. Called once
   * per distinct failure, not at every poll; a later success ends the failure.
   */
  onProblem: (err: unknown) => void;
}

export interface SettingsWatcher {
  /** The settings in force. */
  current(): LoadedSettings | undefined;
  /** Polls now (also used by tests); resolves when done. */
  check(): Promise<void>;
  stop(): void;
}

/** Stable JSON: Infinity (unlimited) survives as text, so "unlimited" → 5 is a change. */
export function fingerprint(loaded: LoadedSettings): string {
  return JSON.stringify(loaded, (_key, value) => (value === Infinity ? 'Infinity' : value));
}

/** Starts polling; the first poll happens after `intervalMs`. */
export function watchSettings(options: WatchSettingsOptions): SettingsWatcher {
  const intervalMs = options.intervalMs ?? DEFAULT_SETTINGS_POLL_MS;
  let current = options.initial;
  let lastFailure: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> | undefined;

  async function poll(): Promise<void> {
    let next: LoadedSettings;
    try {
      next = await options.reload(current);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      if (text !== lastFailure) options.onProblem(err);
      lastFailure = text;
      return;
    }
    lastFailure = undefined;
    if (stopped) return;
    if (current && fingerprint(current) === fingerprint(next)) return;
    const previous = current;
    current = next;
    options.onChange(next, previous);
  }

  function check(): Promise<void> {
    inFlight ??= poll().finally(() => (inFlight = undefined));
    return inFlight;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void check().finally(schedule), intervalMs);
    timer.unref();
  }

  schedule();
  return {
    current: () => current,
    check,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** A reload function for watchSettings(): the installation's config read again, then loadSettings(). */
export function settingsReloader(installationOptions: LoadInstallationOptions, env: NodeJS.ProcessEnv = process.env) {
  return async (current: LoadedSettings | undefined): Promise<LoadedSettings> => {
    const installation = await loadInstallation(installationOptions);
    return loadSettings({ installation, env, previous: current?.effective });
  };
}
