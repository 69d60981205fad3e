'use strict'
/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // src/index.mjs is the ESM wrapper for the build; tests import the TypeScript sources.
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  // Each suite starts its own redis-server; two workers fit the 2-core machines this runs on.
  maxWorkers: 2,
  testTimeout: 30_000,
  collectCoverage: true,
  // The viewer runs in Chromium (test/e2e), where Jest's coverage does not reach.
  collectCoverageFrom: ['src/**/*.ts', '!src/viewer/**'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: {
    global: { lines: 90, branches: 90, functions: 90, statements: 90 }
  }
}
