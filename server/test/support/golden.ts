/**
 * A golden repository (test/fixtures/golden-format*) as its tests use it: copied into a temporary
 * directory before each test, since verify writes a verification record and the fixture's bytes must never
 * change, and opened (or given to the CLI) with its passphrase.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalDestination } from '../../src/destinations/local';
import { passphraseSecret } from '../../src/repository/keys';
import { Repository } from '../../src/repository/repository';
import { runCli, type CliResult } from './cli';

export interface GoldenCopy {
  /** The temporary directory of the current test, the copy's parent. */
  readonly work: string;
  /** The copy of the repository. */
  readonly repoDir: string;
  open(): Promise<Repository>;
  /** Runs the CLI on the copy: `--repo <copy> --json`, then `args`, with the passphrase in its environment. */
  cli(args: string[]): Promise<CliResult>;
}

/** Registers the copy's beforeEach and afterEach; call at the top level of a test file. */
export function goldenCopy(fixture: string, passphrase: string): GoldenCopy {
  const dirs = { work: '', repoDir: '' };
  beforeEach(async () => {
    dirs.work = await fs.mkdtemp(path.join(os.tmpdir(), `mmbackup-${path.basename(path.dirname(fixture))}-`));
    dirs.repoDir = path.join(dirs.work, 'repo');
    await fs.cp(fixture, dirs.repoDir, { recursive: true });
  });
  afterEach(() => fs.rm(dirs.work, { recursive: true, force: true }));
  return {
    get work() {
      return dirs.work;
    },
    get repoDir() {
      return dirs.repoDir;
    },
    open: () => Repository.open(new LocalDestination(dirs.repoDir), passphraseSecret(passphrase)),
    cli: (args) => runCli(['--repo', dirs.repoDir, '--json', ...args], { MMBACKUP_PASSPHRASE: passphrase }),
  };
}
