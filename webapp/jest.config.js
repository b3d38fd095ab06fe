/** Webapp unit tests: components in jsdom, beside their source (src/**\/*.test.tsx). Separate from server/. */
module.exports = {
    rootDir: __dirname,
    testEnvironment: 'jsdom',
    roots: ['<rootDir>/src'],
    testMatch: ['**/*.test.ts', '**/*.test.tsx'],
    setupFiles: ['<rootDir>/src/test_support/setup.js'],
    transform: {
        '^.+\\.tsx?$': ['@swc/jest', {
            jsc: {parser: {syntax: 'typescript', tsx: true}, target: 'es2022', transform: {react: {runtime: 'classic'}}},
            module: {type: 'commonjs'},
        }],
    },
};
