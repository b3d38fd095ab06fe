/**
 * The grammar of `/backup <text>`: a pure function from the typed text to one subcommand, so the handler never
 * looks at raw words. Anything it does not understand becomes `help` with a `problem` that says what was wrong,
 * because an admin in a chat box is better served by the usage than by a bare error.
 */
import type { ComponentName } from '../repository/snapshots';

export const COMPONENTS: readonly ComponentName[] = ['db', 'config', 'files'];

/** How many snapshots `list` shows when no number is given, and the most it will show in one message. */
export const DEFAULT_LIST_LIMIT = 10;
export const MAX_LIST_LIMIT = 50;

export type SlashCommand =
  /** Start a backup now; `components` undefined means all of them. */
  | { kind: 'now'; components?: ComponentName[] }
  | { kind: 'status' }
  | { kind: 'list'; limit: number }
  /** Verify one snapshot (id or prefix), or the latest when `id` is undefined. */
  | { kind: 'verify'; id?: string }
  /** Not run from chat: the reply prints the CLI lines. `id` is a snapshot id or "latest". */
  | { kind: 'restore'; id: string }
  /** Usage; `problem` is set when the text was not understood. */
  | { kind: 'help'; problem?: string };

/**
 * Snapshot references we are willing to echo: hex ids, prefixes and "latest". Anything else is refused because
 * the restore reply prints it inside a shell command line that an admin will paste.
 */
const SNAPSHOT_REF = /^(latest|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;

/** Parses the text after the trigger (case-insensitive subcommand; components may be space- or comma-separated). */
export function parseCommand(text: string): SlashCommand {
  const [word = 'help', ...args] = text.trim().split(/\s+/).filter(Boolean);
  switch (word.toLowerCase()) {
    case 'now': return parseNow(args);
    case 'status': return noArgs('status', args) ?? { kind: 'status' };
    case 'list': return parseList(args);
    case 'verify': return parseSnapshotArg('verify', args);
    case 'restore': return parseSnapshotArg('restore', args);
    case 'help': return { kind: 'help' };
    default: return { kind: 'help', problem: `unknown subcommand "${clip(word)}"` };
  }
}

function parseNow(args: string[]): SlashCommand {
  const words = args.flatMap((a) => a.split(',')).filter(Boolean).map((w) => w.toLowerCase());
  const unknown = words.filter((w) => !COMPONENTS.includes(w as ComponentName));
  if (unknown.length) {
    return { kind: 'help', problem: `unknown component "${clip(unknown[0])}" for now: use db, config or files` };
  }
  if (!words.length) return { kind: 'now' };
  // Keep the canonical order and drop repeats, so "files db db" starts the same job as "db files".
  return { kind: 'now', components: COMPONENTS.filter((c) => words.includes(c)) };
}

function parseList(args: string[]): SlashCommand {
  if (!args.length) return { kind: 'list', limit: DEFAULT_LIST_LIMIT };
  const limit = Number(args[0]);
  if (args.length > 1 || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    return { kind: 'help', problem: `list takes one number from 1 to ${MAX_LIST_LIMIT}, not "${clip(args.join(' '))}"` };
  }
  return { kind: 'list', limit };
}

function parseSnapshotArg(kind: 'verify' | 'restore', args: string[]): SlashCommand {
  if (args.length > 1) return { kind: 'help', problem: `${kind} takes one snapshot id, not "${clip(args.join(' '))}"` };
  const id = args[0];
  if (id !== undefined && !SNAPSHOT_REF.test(id)) {
    return { kind: 'help', problem: `"${clip(id)}" is not a snapshot id: use an id or id prefix from /backup list, or latest` };
  }
  if (kind === 'restore') return { kind, id: id ?? 'latest' };
  return id === undefined || id === 'latest' ? { kind } : { kind, id };
}

function noArgs(kind: string, args: string[]): SlashCommand | undefined {
  return args.length ? { kind: 'help', problem: `${kind} takes no arguments` } : undefined;
}

/** Echoed user text is shortened and stripped of backticks so a reply cannot be turned into arbitrary markdown. */
function clip(text: string): string {
  const plain = text.replace(/[`*_~<>[\]]/g, '');
  return plain.length > 40 ? `${plain.slice(0, 40)}…` : plain;
}
