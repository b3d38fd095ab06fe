// Runs every test suite of the project and ends with one plain line "N passed, N failed", which CI reads.
// Exits non-zero when any test failed or a suite could not run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findGo, goModuleDir } from './plugin-server.mjs';

mkdirSync('test-output', { recursive: true });
let passed = 0;
let failed = 0;
let broken = [];

function jest(workspace) {
  const out = `test-output/jest-${workspace}.json`;
  const run = spawnSync('npx', ['jest', '--json', `--outputFile=${process.cwd()}/${out}`, '--runInBand'], { cwd: workspace, stdio: 'inherit' });
  try {
    const result = JSON.parse(readFileSync(out, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    if (result.numRuntimeErrorTestSuites > 0) broken.push(`${workspace}: ${result.numRuntimeErrorTestSuites} suite(s) failed to run`);
  } catch {
    broken.push(`${workspace}: jest produced no results (exit ${run.status})`);
  }
  if (run.status !== 0 && failed === 0 && broken.length === 0) broken.push(`${workspace}: jest exited ${run.status}`);
}

function nodeTest(pattern) {
  const run = spawnSync('node', ['--test', '--test-reporter=tap', pattern], { encoding: 'utf8' });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  const count = (name) => Number((run.stdout.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  passed += count('pass');
  failed += count('fail');
  if (run.status !== 0 && count('fail') === 0) broken.push(`node --test ${pattern}: exit ${run.status}`);
}

/** go vet, then go test -json for the plugin's server part; each test (subtests too) counts once. */
function goTest() {
  let go;
  try {
    go = findGo();
  } catch (err) {
    broken.push(`server/plugin: ${err.message}`);
    return;
  }
  const vet = spawnSync(go, ['vet', './...'], { cwd: goModuleDir, stdio: 'inherit' });
  if (vet.status !== 0) broken.push(`server/plugin: go vet found problems (exit ${vet.status})`);
  const run = spawnSync(go, ['test', '-json', '-count=1', './...'], { cwd: goModuleDir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let goPassed = 0;
  let goFailed = 0;
  const output = new Map(); // a test's output, shown only when it fails
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line);
    const key = `${event.Package} ${event.Test ?? ''}`;
    if (event.Action === 'output') {
      if (event.Test) output.set(key, (output.get(key) ?? '') + event.Output);
      else process.stdout.write(event.Output); // the package's ok/FAIL line, build errors
    }
    if (!event.Test) continue;
    if (event.Action === 'pass') goPassed++;
    if (event.Action === 'fail') {
      goFailed++;
      process.stdout.write(output.get(key) ?? '');
    }
  }
  process.stderr.write(run.stderr);
  console.log(`go test server/plugin: ${goPassed} passed, ${goFailed} failed`);
  passed += goPassed;
  failed += goFailed;
  if (run.status !== 0 && goFailed === 0) broken.push(`server/plugin: go test exited ${run.status}`);
}

/** Newest modification time of a file or of any file under a directory (node_modules and dist skipped). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path)
    .filter((name) => name !== 'node_modules' && name !== 'dist')
    .reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

/** Builds `workspace` when its output is missing or older than a source: the browser tests run the built code. */
function ensureBuilt(workspace, output, sources) {
  if (existsSync(output) && statSync(output).mtimeMs >= Math.max(...sources.map(newest))) return true;
  console.log(`${output} is missing or older than its sources: npm run build -w ${workspace}`);
  const build = spawnSync('npm', ['run', 'build', '-w', workspace], { stdio: 'inherit' });
  if (build.status !== 0) broken.push(`${workspace} build failed (exit ${build.status}), so the browser tests did not run`);
  return build.status === 0;
}

// First, so that every suite sees the current code: integration, packaging and browser tests run the builds.
const serverBuilt = ensureBuilt('server', 'server/dist/cli/main.js', ['server/src', 'server/package.json', 'server/tsconfig.build.json', 'tsconfig.base.json', 'wire/src', 'wire/protocol.json']);
const webappBuilt = ensureBuilt('webapp', 'webapp/dist/main.js', ['webapp/src', 'webapp/package.json', 'webapp/webpack.config.js', 'webapp/tsconfig.json', 'plugin.json', 'wire/src', 'wire/protocol.json']);
const check = spawnSync('node', ['build/manifest.mjs', 'check'], { stdio: 'inherit' });
if (check.status !== 0) broken.push('plugin.json manifest check failed');
const types = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: 'server', stdio: 'inherit' });
if (types.status !== 0) broken.push('server type check failed');
jest('server');
const webapp = spawnSync('npx', ['tsc', '--noEmit'], { cwd: 'webapp', stdio: 'inherit' });
if (webapp.status !== 0) broken.push('webapp type check failed');
jest('webapp');
goTest();
nodeTest('build/*.test.mjs');
// The System Console in headless Chromium against a running bridge (webapp/e2e/README.md).
if (serverBuilt && webappBuilt) nodeTest('webapp/e2e/*.test.mjs');

for (const problem of broken) console.log(`error: ${problem}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken.length > 0 ? 1 : 0);
