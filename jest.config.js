// Two projects: fast unit specs, and integration/e2e specs that need Postgres, NATS
// and the real CrowdSec binaries. `npm test` runs both.
// ts-jest without type checking (tsc runs in `npm run lint`): fast, and it emits decorator metadata.
const tsJest = ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/tsconfig.json' }];
const common = {
  transform: { '^.+\\.ts$': tsJest },
  // `@lapi/<lib>` is a lib's index; `@lapi/<lib>/light` the framework-free part of a lib that has one (libs/<lib>/light.ts).
  moduleNameMapper: { '^@lapi/([^/]+)/light$': '<rootDir>/libs/$1/light', '^@lapi/([^/]+)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,bench,scripts}/**/*.spec.ts'], testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '/test/'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/libs/**/*.int.spec.ts'], globalSetup: '<rootDir>/libs/testing/src/global-setup.ts' },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/apps/*/test/**/*.e2e-spec.ts'], globalSetup: '<rootDir>/libs/testing/src/global-setup.ts' },
  ],
};
