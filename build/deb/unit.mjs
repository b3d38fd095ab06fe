// Reads a systemd unit and an EnvironmentFile the way systemd does (the subset our unit uses), so that the
// package test can start the service's command exactly as the unit describes it where no systemd runs.

/** Parses a unit file into {Section: {Key: [values in order]}}; continuation lines and comments handled. */
export function parseUnit(text) {
    const unit = {};
    let section;
    for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
        const trimmed = line.trim();
        if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) {
            continue;
        }
        const header = /^\[(.+)\]$/.exec(trimmed);
        if (header) {
            section = unit[header[1]] ??= {};
            continue;
        }
        const eq = trimmed.indexOf('=');
        if (!section || eq < 1) {
            throw new Error(`not a unit line: ${trimmed}`);
        }
        (section[trimmed.slice(0, eq).trim()] ??= []).push(trimmed.slice(eq + 1).trim());
    }
    return unit;
}

/** Parses an EnvironmentFile: KEY=VALUE lines, '#'/';' comments, values optionally in single or double quotes. */
export function parseEnvironmentFile(text) {
    const env = {};
    for (const line of text.split('\n')) {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (!m || /^\s*[#;]/.test(line)) {
            continue;
        }
        const value = m[2].trim();
        const quoted = /^(["'])(.*)\1$/.exec(value);
        env[m[1]] = quoted ? quoted[2] : value;
    }
    return env;
}

/** `CAP_DAC_READ_SEARCH CAP_X` -> `-all,+dac_read_search,+x` (setpriv's spelling); empty -> `-all`. */
function capList(values = []) {
    const caps = values.join(' ').split(/\s+/).filter(Boolean).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
    return ['-all', ...caps].join(',');
}

/**
 * The setpriv(1) arguments that run [Service] ExecStart= with the unit's User=, Group= (plus the user's
 * supplementary groups, as systemd adds them), capabilities and NoNewPrivileges=, and the umask to spawn it with.
 * Sandboxing options (ProtectSystem=, PrivateTmp=, ...) need systemd itself and are not reproduced.
 */
export function setprivArgs(unit) {
    const s = unit.Service ?? {};
    const one = (key) => s[key]?.at(-1);
    if (!one('User') || !one('ExecStart')) {
        throw new Error('the unit has no User= or ExecStart=');
    }
    const args = [`--reuid=${one('User')}`, `--regid=${one('Group') ?? one('User')}`, '--init-groups'];
    const ambient = capList(s.AmbientCapabilities);
    args.push(`--inh-caps=${ambient}`, `--ambient-caps=${ambient}`);
    if (s.CapabilityBoundingSet) {
        args.push(`--bounding-set=${capList(s.CapabilityBoundingSet)}`);
    }
    if (one('NoNewPrivileges') === 'yes') {
        args.push('--no-new-privs');
    }
    return {args: [...args, '--', ...one('ExecStart').split(/\s+/)], umask: parseInt(one('UMask') ?? '0022', 8)};
}
