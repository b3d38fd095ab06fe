/**
 * What `mmbackup serve` needs beyond the plugin settings, from its own environment file: where to listen
 * (MMBACKUP_LISTEN: host:port on loopback, default 127.0.0.1:8066, or unix:/path/to/socket) and the optional
 * metrics token. The bridge holds no Mattermost credential: the plugin speaks in Mattermost.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';
import type { ListenAddress } from '../api/server';

export interface BridgeEnvironment {
  listen: ListenAddress;
  /** Bearer token required on /metrics when set (MMBACKUP_METRICS_TOKEN). */
  metricsToken?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8066';

export function bridgeEnvironment(env: NodeJS.ProcessEnv): BridgeEnvironment {
  registerSecret(env.MMBACKUP_METRICS_TOKEN);
  return { listen: listenAddress(env.MMBACKUP_LISTEN ?? DEFAULT_LISTEN), metricsToken: env.MMBACKUP_METRICS_TOKEN || undefined };
}

/** "127.0.0.1:8066", "[::1]:8066" or "unix:/run/mmbackup/bridge.sock". */
export function listenAddress(listen: string): ListenAddress {
  const socket = /^unix:(\/.+)$/.exec(listen)?.[1];
  if (socket) return { socket };
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match || Number(match[2]) > 65535) {
    throw new MmBackupError({
      step: 'serve',
      code: 'BAD_LISTEN',
      message: `MMBACKUP_LISTEN=${listen} is neither host:port nor unix:/absolute/path`,
      fix: `use e.g. ${DEFAULT_LISTEN} (the plugin's default Bridge URL) or unix:/run/mmbackup/bridge.sock, and set the plugin's Bridge URL to match`,
      exitCode: ExitCode.usage,
    });
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}
