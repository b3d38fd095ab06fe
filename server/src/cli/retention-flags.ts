/** The --keep-* options of `mmbackup prune`, declared without loading the prune command itself. */
import type { Command } from 'commander';
import { RETENTION_OPTIONS } from '../retention/options';

/** Declares the retention options on `cmd` and returns it (for chaining .action()). */
export function addRetentionOptions(cmd: Command): Command {
  for (const option of RETENTION_OPTIONS) {
    const description = `${option.description} ($${option.env})`;
    if (option.repeatable) cmd.option(option.flags, description, (value: string, previous: string[] = []) => [...previous, value]);
    else cmd.option(option.flags, description);
  }
  return cmd;
}
