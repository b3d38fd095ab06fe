// Unit tests live beside the code (src/.../*.test.ts); integration tests that need the real databases in test/.
// The shared contract (../wire) is tested here too, and mapped to its TypeScript source so tests need no build.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/../wire/src'],
  moduleNameMapper: { '^@backup-dr/wire$': '<rootDir>/../wire/src/index.ts' },
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 120000,
};
