/**
 * bin/mmbackup on a Node.js older than package.json's engines: one line naming the version it needs and how to
 * get it, exit 2 (bad configuration), for every command, --help and --version included. Runs the bin with the
 * machine's system Node (/usr/bin/node: Node 20 on this project's Debian machines, Node 18 on stock Debian 12).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const bin = path.join(__dirname, '../bin/mmbackup');
const engines: string = JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8')).engines.node;
const [needMajor, needMinor] = /(\d+)\.(\d+)/.exec(engines)!.slice(1).map(Number);

function versionOf(node: string): number[] | undefined {
  const run = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim().split('.').map(Number) : undefined;
}

const systemNode = '/usr/bin/node';
const systemVersion = existsSync(systemNode) ? versionOf(systemNode) : undefined;
const tooOld = systemVersion !== undefined && (systemVersion[0] < needMajor || (systemVersion[0] === needMajor && systemVersion[1] < needMinor));

(tooOld ? describe : describe.skip)(`bin/mmbackup on ${systemNode} ${systemVersion?.join('.')} (needs ${engines})`, () => {
  test.each([['--help'], ['--version'], ['list'], ['backup', '--only', 'db']])('mmbackup %s: one line, exit 2', (...args) => {
    const run = spawnSync(systemNode, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`mmbackup needs Node.js ${needMajor}.${needMinor} or newer, but ${systemNode} is ${systemVersion!.join('.')}: `
      + `install the mmbackup-bridge package (it bundles its Node.js) or Node.js ${needMajor}.${needMinor}+ from https://nodejs.org/en/download`);
  });
});

test('on the Node running the tests (recent enough) the check lets every command through', () => {
  const run = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8')).version);
});
