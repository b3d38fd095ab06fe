/** The /backup grammar, as a table: text typed → subcommand. */
import { parseCommand, type SlashCommand } from './commands';

const cases: Array<[string, SlashCommand]> = [
  ['', { kind: 'help' }],
  ['   ', { kind: 'help' }],
  ['help', { kind: 'help' }],
  ['now', { kind: 'now' }],
  ['NOW', { kind: 'now' }],
  ['now db', { kind: 'now', components: ['db'] }],
  ['now files db', { kind: 'now', components: ['db', 'files'] }],
  ['now db,config  db', { kind: 'now', components: ['db', 'config'] }],
  ['now db disks', { kind: 'help', problem: 'unknown component "disks" for now: use db, config or files' }],
  ['status', { kind: 'status' }],
  ['status please', { kind: 'help', problem: 'status takes no arguments' }],
  ['list', { kind: 'list', limit: 10 }],
  ['list 3', { kind: 'list', limit: 3 }],
  ['list 0', { kind: 'help', problem: 'list takes one number from 1 to 50, not "0"' }],
  ['list all', { kind: 'help', problem: 'list takes one number from 1 to 50, not "all"' }],
  ['verify', { kind: 'verify' }],
  ['verify latest', { kind: 'verify' }],
  ['verify 3f2a9c', { kind: 'verify', id: '3f2a9c' }],
  ['verify a b', { kind: 'help', problem: 'verify takes one snapshot id, not "a b"' }],
  ['restore', { kind: 'restore', id: 'latest' }],
  ['restore 3f2a9c01d4e5b6a7', { kind: 'restore', id: '3f2a9c01d4e5b6a7' }],
  ['restore $(rm', { kind: 'help', problem: '"$(rm" is not a snapshot id: use an id or id prefix from /backup list, or latest' }],
  ['restore ;reboot', { kind: 'help', problem: '";reboot" is not a snapshot id: use an id or id prefix from /backup list, or latest' }],
  ['backup', { kind: 'help', problem: 'unknown subcommand "backup"' }],
  ['`**bold**`', { kind: 'help', problem: 'unknown subcommand "bold"' }],
];

it.each(cases)('%j → %j', (text, expected) => {
  expect(parseCommand(text)).toEqual(expected);
});
