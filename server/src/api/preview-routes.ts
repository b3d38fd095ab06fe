/**
 * The System Console's previews: what a schedule or a retention policy would do, before an admin saves it.
 * Both read only; the values in the query are checked here (./query.ts) and missing ones mean the settings
 * in force, so the page can show the current state first and then follow the admin's edits.
 */
import type { RetentionPreviewRequest } from './core';
import { durationParam, intParam, readQuery, retentionCountParam, timeZoneParam } from './query';
import { sendJson } from './respond';
import type { RouteContext } from './routes';

/** How many next runs a preview may list. */
export const MAX_PREVIEW_RUNS = 20;

const RETENTION_COUNTS = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/**
 * GET schedule/preview?cron=&timeZone=&count= → 200 {valid, description, nextRuns} or {valid: false, problem}.
 * A bad cron expression or time zone is an answer, not an error (the admin is typing it); a bad count is a 400.
 */
export async function schedulePreview(ctx: RouteContext): Promise<void> {
  const query = readQuery(ctx.req, ['cron', 'timeZone', 'count']);
  const count = intParam(query, 'count', { min: 1, max: MAX_PREVIEW_RUNS, fallback: 5 });
  const preview = await ctx.core.schedulePreview({ cron: query.get('cron'), timeZone: query.get('timeZone')?.trim(), count });
  sendJson(ctx.res, 200, preview);
}

/** GET retention/preview?keepLast=&...&keepWithin=&timeZone= → 200 {description, snapshots}; 400 for a malformed value. */
export async function retentionPreview(ctx: RouteContext): Promise<void> {
  const query = readQuery(ctx.req, [...RETENTION_COUNTS, 'keepWithin', 'timeZone']);
  const request: RetentionPreviewRequest = {};
  for (const name of RETENTION_COUNTS) {
    const n = retentionCountParam(query, name);
    if (n !== undefined) request[name] = n;
  }
  const within = durationParam(query, 'keepWithin');
  if (within !== undefined) request.keepWithin = within;
  const zone = timeZoneParam(query, 'timeZone');
  if (zone !== undefined) request.timeZone = zone;
  sendJson(ctx.res, 200, await ctx.core.retentionPreview(request));
}
