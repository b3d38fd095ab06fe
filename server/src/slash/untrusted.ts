/**
 * Mattermost refuses to call integration URLs (slash commands included) that resolve to loopback, private or
 * link-local addresses unless they are allowed in ServiceSettings.AllowedUntrustedInternalConnections. It does
 * not check when the command is created, only when someone runs it, and the user then sees only
 * "Command with a trigger of '/backup' failed" (the server log says "address forbidden"). So the bridge checks its
 * own URL up front and says exactly what to add.
 *
 * How Mattermost matches (server/platform/services/httpservice): the setting is a whitespace-separated list;
 * the URL's host (without port or IPv6 brackets) is allowed when it equals an entry exactly, before any DNS
 * lookup; otherwise each resolved IP is allowed when it is public or inside an entry written as a CIDR range.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Address ranges Mattermost treats as internal (its IsReservedIP list, plus "this host"). */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
] as const) INTERNAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::1', 128], ['::', 128], ['fc00::', 7], ['fe80::', 10]] as const) INTERNAL.addSubnet(net, prefix, 'ipv6');

/** The host part as Mattermost compares it: no port, no IPv6 brackets. Throws TypeError for a malformed URL. */
export function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Whether an IP literal is one Mattermost refuses without an allowance. */
export function isInternalIp(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  return INTERNAL.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * What to add to ServiceSettings.AllowedUntrustedInternalConnections so that Mattermost may call `url`, as one
 * paragraph for an admin. The entry is the URL's host exactly as written (hostname or IP), which Mattermost
 * matches before resolving; the setting is space-separated, so it is added to whatever is there already.
 */
export function describeUntrustedConnectionHint(url: string): string {
  const host = hostOf(url);
  const what = isIP(host) ? `the address ${host}` : `the host ${host}`;
  return `Mattermost refuses to call ${url} because ${what} is on a loopback or private network. `
    + `Add ${host} to ServiceSettings.AllowedUntrustedInternalConnections (System Console > Environment > Developer > `
    + `Allow untrusted internal connections to; entries are separated by spaces, so keep any that are there), e.g. `
    + `"AllowedUntrustedInternalConnections": "${host}" in config.json or MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS="${host}". `
    + 'Only this host needs allowing; do not allow a whole private range.';
}

/**
 * Whether Mattermost will refuse `url` as things stand: its host is an internal IP literal, "localhost", or a
 * name that resolves (here, from the bridge; Mattermost usually resolves alike) to an internal address, and
 * `allowed` (the current AllowedUntrustedInternalConnections) does not cover it, matched as Mattermost does.
 * `resolve` is injectable for tests; a name that does not resolve counts as not needing it (that is a different
 * problem, reported by the bridge's own reachability check).
 */
export async function needsUntrustedConnectionAllowance(
  url: string, allowed = '', resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<boolean> {
  const host = hostOf(url);
  const entries = allowed.split(/\s+/).filter(Boolean);
  if (entries.includes(host)) return false;
  const ranges = allowedRanges(entries);
  const refused = (ip: string) => isInternalIp(ip) && !ranges.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  if (isIP(host)) return refused(host);
  if (host === 'localhost' || host.endsWith('.localhost')) {
    const addresses = await resolve(host).catch(() => ['127.0.0.1']);
    return addresses.length === 0 || addresses.some(refused);
  }
  const addresses = await resolve(host).catch(() => [] as string[]);
  return addresses.some(refused);
}

/** The entries written as CIDR ranges ("10.0.0.0/8"); plain hosts and addresses only match exactly. */
function allowedRanges(entries: string[]): BlockList {
  const ranges = new BlockList();
  for (const entry of entries) {
    const [net, bits, extra] = entry.split('/');
    const family = isIP(net);
    if (family === 0 || bits === undefined || extra !== undefined || !/^\d+$/.test(bits)) continue;
    try {
      ranges.addSubnet(net, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
    } catch {
      // A malformed range allows nothing, as in Mattermost.
    }
  }
  return ranges;
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}
