// Runs every test suite of the project and ends with one plain line "N passed, N failed", which CI reads.
// Exits non-zero when any test failed or a suite could not run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

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

const check = spawnSync('node', ['build/manifest.mjs', 'check'], { stdio: 'inherit' });
if (check.status !== 0) broken.push('plugin.json manifest check failed');
const types = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: 'server', stdio: 'inherit' });
if (types.status !== 0) broken.push('server type check failed');
jest('server');
const webapp = spawnSync('npx', ['tsc', '--noEmit'], { cwd: 'webapp', stdio: 'inherit' });
if (webapp.status !== 0) broken.push('webapp type check failed');
jest('webapp');
nodeTest('build/*.test.mjs');

for (const problem of broken) console.log(`error: ${problem}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken.length > 0 ? 1 : 0);
