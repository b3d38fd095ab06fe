// Number and time wording for the console pages; bytes in binary units like the CLI and the alerts.

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** 252000 → "4 min 12 s"; 3 600 000 → "1 h 0 min"; under a second → "0.4 s". */
export function formatDuration(ms: number): string {
    if (ms < 1000) {
        return `${(ms / 1000).toFixed(1)} s`;
    }
    const s = Math.round(ms / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    if (h > 0) {
        return `${h} h ${m} min`;
    }
    return m > 0 ? `${m} min ${sec} s` : `${sec} s`;
}

/**
 * What a passing drill measured: "restored and booted in 2 min 14 s" when it also booted Mattermost on the
 * restored data (the whole recovery time), else "restored in 1 min 50 s", else "restored".
 */
export function drillTiming(restoreMs: number | null | undefined, recoveryMs: number | null | undefined): string {
    if (typeof recoveryMs === 'number') {
        return `restored and booted in ${formatDuration(recoveryMs)}`;
    }
    return typeof restoreMs === 'number' ? `restored in ${formatDuration(restoreMs)}` : 'restored';
}

/** Seconds as a rounded age: "45 s", "12 min", "5 h", "3 days". */
export function formatAge(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) {
        return `${s} s`;
    }
    if (s < 3600) {
        return `${Math.round(s / 60)} min`;
    }
    if (s < 48 * 3600) {
        const h = s / 3600;
        return `${h < 10 ? h.toFixed(1).replace(/\.0$/, '') : Math.round(h)} h`;
    }
    return `${Math.round(s / 86400)} days`;
}

/** "in 3 h" or "5 min ago" relative to `now`. */
export function relativeTime(iso: string, now: number = Date.now()): string {
    const delta = (new Date(iso).getTime() - now) / 1000;
    return delta >= 0 ? `in ${formatAge(delta)}` : `${formatAge(-delta)} ago`;
}

/** The admin's local date and time, e.g. "11/24/2026, 3:00:00 AM". */
export function localTime(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A snapshot id as the CLI shows it: the first 8 characters. */
export function shortId(id: string): string {
    return id.slice(0, 8);
}
