// Runs the built `mmbackup` CLI (server/bin/mmbackup → server/dist) as an admin would: `init` once, a first
// `backup`, then `serve` as a long-lived child process whose address is read from its own start-up line.
'use strict';
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO_ROOT, 'server/bin/mmbackup');
const BUILT = path.join(REPO_ROOT, 'server/dist/cli/main.js');
const LISTENING = /bridge listening on (http:\/\/127\.0\.0\.1:\d+)/;

function requireBuiltServer() {
    if (!fs.existsSync(BUILT)) {
        throw new Error('server/dist is missing: run `npm run build -w server` (or `make build`) before the browser tests');
    }
}

/** Only what the CLI needs: no inherited MMBACKUP_* or MM_* from the developer's shell changes the run. */
function childEnv(extra) {
    return {PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...extra};
}

/** Runs one CLI command to completion; rejects with its output when it exits non-zero. */
function runCli(args, env = {}) {
    requireBuiltServer();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], {env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe']});
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('error', reject);
        child.on('close', (code) => {
            if (code === 0) {
                resolve(output);
            } else {
                reject(new Error(`mmbackup ${args.join(' ')} exited ${code}:\n${output}`));
            }
        });
    });
}

/** `mmbackup serve` as a child process; `log` keeps every line it printed, for failure messages. */
class BridgeProcess {
    constructor({globalArgs, env}) {
        this.globalArgs = globalArgs;
        this.env = env;
        this.child = null;
        this.url = null;
        this.log = [];
    }

    async start(timeoutMs = 30_000) {
        requireBuiltServer();
        const child = spawn(process.execPath, [CLI, ...this.globalArgs, 'serve'], {env: childEnv(this.env), stdio: ['ignore', 'pipe', 'pipe']});
        this.child = child;
        const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})));
        this.exited = exited;
        const listening = new Promise((resolve) => {
            let pending = '';
            const onData = (chunk) => {
                pending += chunk;
                const lines = pending.split('\n');
                pending = lines.pop();
                for (const line of lines) {
                    this.log.push(line);
                    const match = LISTENING.exec(line);
                    if (match) {
                        resolve(match[1]);
                    }
                }
            };
            child.stdout.on('data', onData);
            child.stderr.on('data', onData);
        });
        let timer;
        const outcome = await Promise.race([
            listening,
            exited.then(({code, signal}) => new Error(`mmbackup serve exited (${signal ?? code}) before listening`)),
            new Promise((resolve) => (timer = setTimeout(() => resolve(new Error(`mmbackup serve did not listen within ${timeoutMs} ms`)), timeoutMs))),
        ]);
        clearTimeout(timer);
        if (outcome instanceof Error) {
            await this.stop();
            throw new Error(`${outcome.message}; its output:\n${this.tail()}`);
        }
        this.url = outcome;
        return this.url;
    }

    get running() {
        return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
    }

    /** SIGTERM (the bridge cancels a running job and closes), SIGKILL if it has not exited in time. */
    async stop(graceMs = 10_000) {
        const child = this.child;
        if (!child || !this.running) {
            return;
        }
        child.kill('SIGTERM');
        let timer;
        const stopped = await Promise.race([
            this.exited.then(() => true),
            new Promise((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
        ]);
        clearTimeout(timer);
        if (!stopped) {
            child.kill('SIGKILL');
            await this.exited;
        }
    }

    /** For a process exit handler: no waiting possible there. */
    killNow() {
        if (this.running) {
            this.child.kill('SIGKILL');
        }
    }

    tail(lines = 30) {
        return this.log.slice(-lines).join('\n');
    }
}

module.exports = {BridgeProcess, runCli, REPO_ROOT};
