/**
 * Runs the mmbackup CLI exactly as bin/mmbackup does (malloc tuned included: the bench starts it with the
 * settings the package's launcher gives, so it is not replaced, as there), then prints the process's
 * peak resident set size and CPU time on stderr so the benchmark can read them. The marker line comes after
 * everything the CLI wrote; stderr is a pipe, and pipe writes are synchronous on Linux, so it is out before
 * process.exit().
 *
 * Usage: node rss-wrapper.js <mmbackup arguments...>
 */
import { runWithTunedMalloc } from '../common/malloc-tuning';
import { USAGE_MARKER } from './mmbackup';

runWithTunedMalloc();
// Loaded only once the process runs as it will (the line above may replace it).
const { main } = require('../cli/main') as typeof import('../cli/main');

main(process.argv.slice(2)).then(() => {
  const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
  process.stderr.write(`\n${USAGE_MARKER}${JSON.stringify({ maxRSS, userCPUTime, systemCPUTime })}\n`);
  process.exit(process.exitCode ?? 0);
});
