/** @type {import('jest').Config} */
// `npm run test:cluster`: the API and document tests, and the fault test, against a real Temporal
// server on PostgreSQL (scripts/lib/temporal-cluster.mjs) instead of the dev server.
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/tests/api/**/*.test.ts', '<rootDir>/tests/documents/**/*.test.ts', '<rootDir>/tests/cluster/**/*.test.ts'],
  globalSetup: '<rootDir>/tests/cluster/global-setup.mjs',
  globalTeardown: '<rootDir>/tests/cluster/global-teardown.mjs',
};
