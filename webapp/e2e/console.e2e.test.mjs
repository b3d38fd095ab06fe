// The System Console plugin end to end: the built bundle (webapp/dist/main.js) in headless Chromium, inside a
// page that hosts it as Mattermost's webapp does, its requests and websocket going to a real Mattermost server
// with the plugin (`make dist`) enabled, whose Go part forwards them to a real `mmbackup serve` backing up that
// very Mattermost. What the page must render is the console's data-testid contract (listed in README.md here).
// The tests run in order and share one world; each saves a screenshot of the state it checks under
// test-output/e2e/.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readdirSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {after, before, test} from 'node:test';

const require = createRequire(import.meta.url);
const {REPO_ROOT} = require('./harness/bridge.cjs');
const {launchBrowser, signedInContext, watchPage} = require('./harness/browser.cjs');
const {bridgeApi, MANIFEST, startBridge, startWorld, stopWorld, until} = require('./harness/world.cjs');

const OUT = path.join(REPO_ROOT, 'test-output/e2e');
const STEPS = /preflight|dump-db|config|files|write-manifest/;
const JOB_EVENT = `custom_${MANIFEST.id}_job`;

let world;
let browser;
let page;
let seen;

before(async () => {
    // Screenshots of an earlier run, a failed one above all, must not pass for this run's.
    for (const old of existsSync(OUT) ? readdirSync(OUT).filter((f) => f.endsWith('.png')) : []) {
        rmSync(path.join(OUT, old));
    }
    mkdirSync(OUT, {recursive: true});
    // 300 MiB of uploads make the backup the test starts take seconds, long enough to watch.
    world = await startWorld({outDir: OUT, fileStoreMiB: 300});
    browser = await launchBrowser();
    const context = await signedInContext(browser, {hostUrl: world.hostUrl, token: world.admin.token, userId: world.admin.userId, csrf: world.admin.csrf});
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    seen = watchPage(page);
}, {timeout: 600_000});

after(async () => {
    await browser?.close();
    if (world) {
        await stopWorld(world);
    }
}, {timeout: 60_000});

const byTestId = (id) => page.locator(`[data-testid="${id}"]`);

async function openConsole() {
    await page.goto(world.consolePath);
    await page.waitForFunction(() => window.e2eHost?.ready === true);
}

/** The window (1280×900) with the console section holding `testId` scrolled to the top: what an admin sees. */
async function screenshot(name, testId) {
    await byTestId(testId).first().evaluate((el) => (el.closest('.config-section') ?? el).scrollIntoView({block: 'start'}));
    // Transitions finished (the progress bar animates its width), so the picture shows the state checked.
    await page.screenshot({path: path.join(OUT, `${name}.png`), animations: 'disabled'});
}

/** The page's own record of problems: uncaught errors, registry misuse, a plugin that failed to load. */
async function assertPageHealthy() {
    const host = await page.evaluate(() => ({errors: window.e2eHost.errors, unknown: window.e2eHost.unknownRegistryCalls}));
    assert.deepEqual(seen.pageErrors, [], 'uncaught errors in the page');
    assert.deepEqual(host.errors, [], 'the host page recorded errors (plugin load or uncaught)');
    assert.deepEqual(host.unknown, [], 'the plugin used registry methods Mattermost does not have');
}

/** Runs a scenario; on failure saves a screenshot and adds what the browser and the bridge saw to the error. */
function scenario(name, shot, body) {
    test(name, {timeout: 240_000}, async () => {
        try {
            await body();
        } catch (err) {
            await page?.screenshot({path: path.join(OUT, `${shot}-FAILED.png`), fullPage: true}).catch(() => {});
            const frames = String(err.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).join('\n');
            err.message += [
                `\n--- screenshot: test-output/e2e/${shot}-FAILED.png`,
                `--- page errors:\n${seen.pageErrors.join('\n') || '(none)'}`,
                `--- console errors and warnings:\n${seen.consoleErrors.slice(-15).join('\n') || '(none)'}`,
                `--- failed requests:\n${seen.failedRequests.slice(-15).join('\n') || '(none)'}`,
                `--- bridge output (last lines):\n${world?.bridge?.tail(20) ?? '(no bridge)'}`,
                `--- Mattermost log (last lines):\n${world?.mm?.logTail(20) ?? '(no server)'}`,
            ].join('\n');

            // The runner prints the stack, which was made with the old message.
            err.stack = `${err.name}: ${err.message}\n${frames}`;
            throw err;
        }
    });
}

async function snapshotIdsShown() {
    return byTestId('history-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-snapshot-id')));
}

async function startBackupFromConsole() {
    await byTestId('backup-now-button').click();
    await byTestId('confirm-button').click();
}

scenario('the Status page loads and shows the health the bridge reports, and History lists the first backup', '01-status', async () => {
    await openConsole();
    await byTestId('backup-status-panel').waitFor();
    const status = await bridgeApi(world, 'status');

    // One backup exists and none was verified yet: the contract's "warning".
    assert.equal(status.health, 'warning', `the bridge reports ${status.health}: ${JSON.stringify(status.healthReasons)}`);
    await page.locator('[data-testid="health-badge"][data-health="warning"]').waitFor();
    const [first] = await bridgeApi(world, 'backups');
    await page.locator(`[data-testid="history-row"][data-snapshot-id="${first.id}"]`).waitFor();

    const registered = await page.evaluate(() => window.e2eHost.registryCalls.map((c) => `${c.method} ${c.key ?? ''}`.trim()));
    for (const key of ['BackupStatus', 'BackupHistory']) {
        assert.ok(registered.includes(`registerAdminConsoleCustomSetting ${key}`), `${key} is not registered; the plugin called: ${registered.join(', ')}`);
    }
    assert.ok(registered.includes(`registerWebSocketEventHandler ${JOB_EVENT}`), `no handler for ${JOB_EVENT}; the plugin called: ${registered.join(', ')}`);
    await assertPageHealthy();
    await screenshot('01-status', 'backup-status-panel');
});

scenario('Back up now → confirm runs a real backup, shows its progress and log live, then History lists it', '02-backup', async () => {
    const before = new Set(await snapshotIdsShown());
    assert.ok(before.size > 0, 'History shows no snapshot before the backup');
    await startBackupFromConsole();

    await byTestId('running-job').waitFor({timeout: 15_000});
    const progress = byTestId('job-progress');
    assert.equal(await progress.getAttribute('role'), 'progressbar');
    await until('a step in the live job log', async () => STEPS.test((await byTestId('job-log').textContent().catch(() => '')) ?? ''), 15_000);

    // Sample the bar while the job runs: it must report a number within its range at least once.
    const samples = [];
    let shot = 'none';
    await until('the backup to finish (running-job gone)', async () => {
        if (!(await byTestId('running-job').isVisible())) {
            return true;
        }
        const [now, min, max] = await progress.evaluate((el) => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax'].map((a) => el.getAttribute(a))).catch(() => []);
        if (now !== null && now !== undefined) {
            samples.push({now: Number(now), min: Number(min ?? 0), max: Number(max ?? 100)});
        }
        // A first picture at once, then a better one when the bar has moved (the job may end before that).
        const moved = samples.length > 0 && samples[samples.length - 1].now > samples[samples.length - 1].min;
        if (shot === 'none' || (shot === 'first' && moved)) {
            shot = moved ? 'moved' : 'first';
            await screenshot('02-backup-running', 'running-job');
        }
        return false;
    }, 180_000, 200);
    assert.ok(samples.length > 0, 'job-progress never had aria-valuenow while the backup ran');
    const received = await page.evaluate(() => window.e2eHost.websocketEvents);
    assert.ok(received.includes(JOB_EVENT), `no ${JOB_EVENT} event came over Mattermost's websocket; received: ${[...new Set(received)].join(', ') || 'none'}`);
    const live = await page.evaluate((key) => window.e2eHost.store.getState()[key]?.liveJob, `plugins-${MANIFEST.id}`);
    assert.ok(live?.outcome === 'succeeded', `the store's live job did not end as succeeded: ${JSON.stringify(live)}`);
    for (const s of samples) {
        assert.ok(Number.isFinite(s.now) && s.now >= s.min && s.now <= s.max, `aria-valuenow ${s.now} outside [${s.min}, ${s.max}]`);
    }

    const [newest] = await bridgeApi(world, 'backups');
    assert.ok(!before.has(newest.id), `the bridge lists no new snapshot (newest is ${newest.id})`);
    assert.deepEqual([...newest.components].sort(), ['config', 'db', 'files']);
    await page.locator(`[data-testid="history-row"][data-snapshot-id="${newest.id}"]`).waitFor({timeout: 30_000});
    await assertPageHealthy();
    await screenshot('03-backup-in-history', 'history-table');
});

scenario('a backup that cannot reach the database turns health failing and shows the failed step, cause and fix', '04-failure', async () => {
    // The change must be this failure's doing: nothing else may have made the page "failing" already.
    const badge = byTestId('health-badge');
    assert.notEqual(await badge.getAttribute('data-health'), 'failing', `health is failing before the failure: ${JSON.stringify((await bridgeApi(world, 'status')).healthReasons)}`);
    // The bridge sees Mattermost's database through an override that points at a closed port.
    const password = `pw-${Date.now().toString(36)}-not-shown`;
    await startBridge(world, {MM_SQLSETTINGS_DATASOURCE: `postgres://postgres:${password}@127.0.0.1:1/nowhere?sslmode=disable`});
    try {
        await startBackupFromConsole();
        await page.locator('[data-testid="health-badge"][data-health="failing"]').waitFor({timeout: 60_000});
        const {lastFailure} = await bridgeApi(world, 'status');
        assert.ok(lastFailure, 'the bridge reports no lastFailure after the failed backup');
        const failure = byTestId('last-failure');
        await failure.waitFor();
        const text = await failure.textContent();
        assert.ok(text.includes(lastFailure.step), `last-failure does not name the step "${lastFailure.step}": ${text}`);
        assert.ok(text.includes(lastFailure.message), `last-failure does not show the cause "${lastFailure.message}": ${text}`);
        if (lastFailure.fix) {
            assert.ok(text.includes(lastFailure.fix), `last-failure does not show the fix "${lastFailure.fix}": ${text}`);
        }
        assert.ok(!(await page.content()).includes(password), 'the page shows the database password');
        await assertPageHealthy();
        await screenshot('04-backup-failed', 'last-failure');
    } finally {
        await startBridge(world);
    }
});

scenario('a bridge with another secret than the plugin\'s: the page says so and what to do', '05-secret-mismatch', async () => {
    await startBridge(world, {MMBACKUP_BRIDGE_SECRET: 'not-the-plugins-secret'});
    try {
        await openConsole();
        const panel = page.locator('[data-testid="bridge-unreachable"][data-reason="secret-mismatch"]');
        await panel.waitFor();
        assert.match(await panel.textContent(), /MMBACKUP_BRIDGE_SECRET/);
        await assertPageHealthy();
        await screenshot('05-secret-mismatch', 'bridge-unreachable');
    } finally {
        await startBridge(world);
    }
});

scenario('with the bridge stopped the page says the bridge is not running', '06-not-running', async () => {
    await world.bridge.stop();
    const answer = await fetch(`${world.hostUrl}/plugins/${MANIFEST.id}/api/v1/status`, {headers: {Authorization: `Bearer ${world.admin.token}`}});
    assert.equal(answer.status, 502, 'the plugin should answer 502 for a stopped bridge');
    assert.equal((await answer.json()).error, 'BRIDGE_NOT_RUNNING');

    await openConsole();
    await page.locator('[data-testid="bridge-unreachable"][data-reason="not-running"]').waitFor();
    await assertPageHealthy();
    await screenshot('06-bridge-not-running', 'bridge-unreachable');
});
