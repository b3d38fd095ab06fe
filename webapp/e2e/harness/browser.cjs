// Headless Chromium from the system package (/usr/bin/chromium, installed by build/ensure-system-tools.sh),
// driven by playwright-core; never a browser downloaded by a test tool. Playwright gives each launch a fresh
// temporary profile and removes it on close. Signed in as Mattermost signs in a browser: the session token in
// the HttpOnly MMAUTHTOKEN cookie, plus MMUSERID and the MMCSRF token.
'use strict';
const fs = require('node:fs');
const {chromium} = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function launchBrowser() {
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} is missing: run build/ensure-system-tools.sh (installs Debian's chromium), or apt-get install chromium`);
    }
    return chromium.launch({executablePath: CHROMIUM, headless: true, args: ARGS});
}

/** A browser context on the host's origin with an admin's Mattermost session. */
async function signedInContext(browser, {hostUrl, token, userId, csrf}) {
    const context = await browser.newContext({baseURL: hostUrl, viewport: {width: 1280, height: 900}, locale: 'en-US', timezoneId: 'UTC'});
    await context.addCookies([
        {name: 'MMAUTHTOKEN', value: token, url: hostUrl, httpOnly: true, sameSite: 'Lax'},
        {name: 'MMUSERID', value: userId, url: hostUrl, sameSite: 'Lax'},
        {name: 'MMCSRF', value: csrf, url: hostUrl, sameSite: 'Lax'},
    ]);
    return context;
}

/** Records what the page reports, so a failing test can say what the browser saw. */
function watchPage(page) {
    const seen = {pageErrors: [], consoleErrors: [], failedRequests: []};
    page.on('pageerror', (err) => seen.pageErrors.push(String(err?.stack ?? err)));
    page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') {
            seen.consoleErrors.push(`${msg.type()}: ${msg.text()}`);
        }
    });
    page.on('response', (response) => {
        if (response.status() >= 400) {
            seen.failedRequests.push(`${response.status()} ${response.request().method()} ${response.url()}`);
        }
    });
    return seen;
}

module.exports = {launchBrowser, signedInContext, watchPage};
