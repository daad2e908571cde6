// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.meshgate/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // The compiler, the model and the analyzers stay pure: no network, database or gRPC libraries.
    files: ['packages/compiler/src/**/*.ts', 'packages/model/src/**/*.ts', 'packages/analysis/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@grpc/*', 'pg', 'nats', '@electric-sql/*', 'fastify', 'node:fs', 'node:net', 'node:http', 'fs', 'net', 'http'], message: 'the compiler and model are pure: no I/O' },
            { group: ['@meshgate/envoy-proto'], message: 'the compiler emits plain objects; encoding belongs to the xds service (tests may use envoy-proto)' },
          ],
        },
      ],
    },
  },
);
