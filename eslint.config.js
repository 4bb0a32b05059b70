// Lint rules for the whole repo. The import boundaries keep proxy/, control-plane/ and
// injector/ independent: they share code only through api/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const boundary = (self, others) => ({
  files: [`${self}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: others.map((o) => ({
          group: [`**/${o}/**`],
          message: `${self}/ must not import ${o}/; share through api/`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/results/**', '.weft/**', 'coverage/**', '.scratch*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        crypto: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      complexity: ['warn', 15],
      'max-depth': ['warn', 4],
    },
  },
  boundary('proxy', ['control-plane', 'injector']),
  boundary('control-plane', ['proxy', 'injector']),
  boundary('injector', ['proxy', 'control-plane']),
  {
    files: ['**/*.ts'],
    ignores: ['**/env.ts', 'cli/**', 'test/**', 'bench/**', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read the environment only in env.ts' },
      ],
    },
  },
);
