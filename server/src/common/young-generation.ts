/**
 * V8 grows a thread's young generation while it allocates fast: under a restore's or an upload's stream of
 * buffers the main thread's reaches its maximum, two 32 MB semi-spaces, all of it resident. The ArrayBuffers
 * behind dead Buffers are freed only when the young generation is scavenged, so a large one also holds tens
 * of MB of dead bytes between scavenges.
 *
 * The maximum is fixed when the isolate starts (`--max-semi-space-size`, a flag every launcher would have to
 * pass: bin/mmbackup, the package's wrapper, the unit, cron lines). The growth factor is read each time the
 * young generation would grow, so setting it to 1 at start keeps it at its initial size from then on.
 * Measured on a cold restore of a 1 GiB file store: 241-244 MB peak resident before, 195-199 MB after, and
 * no slower (4.4-4.5 s before, 4.0-4.1 s after). The price is more scavenges: an unchanged re-backup's main
 * thread spends about 0.15 s more in them, while it waits for the walk anyway (the same wall time over 10
 * pairs). The sealing workers get the same from their resourceLimits (../repository/workers/pool.ts).
 */
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
