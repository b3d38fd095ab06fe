// The tar both packagers share: run the system tar with its stdout gzipped into a file, and tell GNU tar
// from bsdtar, which spell "record owner 0" (and their archive formats) differently.
import {spawn} from 'node:child_process';
import {pipeline} from 'node:stream/promises';
import {createGzip} from 'node:zlib';

/** Runs tar with its stdout gzipped into `out`; rejects quoting tar's last stderr line on failure. */
export async function runTarGzipped(args, cwd, out) {
    // COPYFILE_DISABLE keeps macOS bsdtar from adding ._ AppleDouble files.
    const child = spawn('tar', args, {cwd, env: {...process.env, COPYFILE_DISABLE: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
    let stderr = '';
    child.stderr.on('data', (d) => {
        stderr = (stderr + d).slice(-8192);
    });
    const exited = new Promise((ok, fail) => {
        child.on('error', (err) => fail(new Error(`cannot run tar: ${err.message}`)));
        child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`tar exited with ${code}: ${stderr.trim().split('\n').pop()}`))));
    });

    // Node's gzip writes no time or name in its header, unlike `tar -z` on some systems.
    await Promise.all([exited, pipeline(child.stdout, createGzip({level: 9}), out)]);
}

/** True when the system tar is GNU tar (false for bsdtar, or when tar cannot be run). */
export async function isGnuTar() {
    const version = await new Promise((ok) => {
        const child = spawn('tar', ['--version'], {stdio: ['ignore', 'pipe', 'ignore']});
        let text = '';
        child.stdout.on('data', (d) => {
            text += d;
        });
        child.on('error', () => ok(''));
        child.on('close', () => ok(text));
    });
    return version.includes('GNU tar');
}
