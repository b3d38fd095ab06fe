/** Webapp unit tests: components in jsdom, beside their source (src/**\/*.test.tsx). Separate from server/. */
module.exports = {
    rootDir: __dirname,
    testEnvironment: 'jsdom',
    roots: ['<rootDir>/src'],
    testMatch: ['**/*.test.ts', '**/*.test.tsx'],
    // The shared contract from its TypeScript source, so tests need no build of it.
    moduleNameMapper: {'^@backup-dr/wire$': '<rootDir>/../wire/src/index.ts'},
    setupFiles: ['<rootDir>/src/test_support/setup.js'],
    transform: {
        '^.+\\.tsx?$': ['@swc/jest', {
            jsc: {parser: {syntax: 'typescript', tsx: true}, target: 'es2022', transform: {react: {runtime: 'classic'}}},
            module: {type: 'commonjs'},
        }],
    },
};
