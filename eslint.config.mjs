// Lint as a guard (STYLE.md): no floating promises, exhaustive switches, eqeqeq,
// and no relative imports across libs (use the @lapi/* aliases).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'bench/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always'],
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['../../*/src/*', '../../../libs/*', '**/libs/*/src/**'], message: 'import another lib through its @lapi/* alias' },
          // A lib's index is its door; a lib with a framework-free part also has libs/<lib>/light.ts.
          { group: ['@lapi/*/**', '!@lapi/*/light'], message: 'import a lib through its index (@lapi/<lib>) or its light door (@lapi/<lib>/light), not one of its files' },
        ],
      }],
    },
  },
);
