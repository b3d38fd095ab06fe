// Starts the whole test world and keeps it up for looking at the console page by hand:
//   node webapp/e2e/harness/serve.cjs   (then open the printed URL; Ctrl-C stops and cleans up)
// The page needs the printed MMAUTHTOKEN and MMCSRF cookies on the host's origin (the browser tests set them).
'use strict';
const path = require('node:path');
const {startWorld, stopWorld} = require('./world.cjs');
const {REPO_ROOT} = require('./bridge.cjs');

async function main() {
    const world = await startWorld({outDir: path.join(REPO_ROOT, 'test-output/e2e')});
    console.log(`console page: ${world.hostUrl}${world.consolePath}`);
    console.log(`mattermost:   ${world.mm.url} (admin ${world.mm.admin.username} / ${world.mm.admin.password})`);
    console.log(`bridge:       ${world.bridge.url}`);
    console.log(`cookies:      MMAUTHTOKEN=${world.admin.token} MMCSRF=${world.admin.csrf} (a throwaway session of the test server's system admin)`);
    let stopping = false;
    const stop = () => {
        if (stopping) {
            return;
        }
        stopping = true;
        stopWorld(world).then(() => process.exit(0), (err) => {
            console.error(err);
            process.exit(1);
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}

main().catch((err) => {
    console.error(err.stack ?? err);
    process.exit(1);
});
