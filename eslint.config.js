// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports point inward (STYLE.md): each folder lists what it must never import. */
const layer = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});
const forbid = (...groups) => groups.map((group) => ({ group, message: 'Imports point inward: see STYLE.md.' }));

export default tseslint.config(
  { ignores: ['dist/**', 'src/generated/**', 'node_modules/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Fastify handlers and hooks are async by contract, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  // Node globals; TypeScript's checker covers undefined names in .ts files.
  { files: ['**/*.mjs'], rules: { 'no-undef': 'off' } },
  layer(
    ['src/scim/**'],
    forbid([
      'fastify',
      'fastify/*',
      '@fastify/*',
      '@prisma/*',
      'pg',
      'pino',
      '**/generated/**',
      '**/storage/**',
      '**/http/**',
      '**/provisioning/**',
      '**/tenancy/**',
      '**/events/**',
      '**/config/**',
      '**/observability/**',
    ]),
  ),
  layer(
    ['src/storage/**'],
    forbid(['fastify', 'fastify/*', '@fastify/*', '**/http/**', '**/provisioning/**', '**/tenancy/**', '**/events/**']),
  ),
  layer(
    ['src/provisioning/**'],
    forbid(['fastify', 'fastify/*', '@fastify/*', '@prisma/*', '**/generated/**', '**/http/**']),
  ),
  layer(['src/events/**'], forbid(['fastify', 'fastify/*', '@fastify/*', '**/http/**', '**/provisioning/**'])),
  layer(
    ['src/tenancy/**'],
    forbid(['fastify', 'fastify/*', '@fastify/*', '@prisma/*', '**/generated/**', '**/http/**', '**/provisioning/**']),
  ),
  layer(['src/http/**'], forbid(['@prisma/*', '**/generated/**'])),
  // The MCP tools: an interface beside http/, over the same use cases; no framework, no SQL.
  layer(
    ['src/mcp/**'],
    forbid(['fastify', 'fastify/*', '@fastify/*', '@prisma/*', '**/generated/**', '**/http/**', '**/storage/**']),
  ),
  // The portals' browser code: it reaches the service only over HTTP.
  layer(
    ['src/web/**'],
    forbid([
      'node:*',
      'fastify',
      'fastify/*',
      '@fastify/*',
      '@prisma/*',
      'pg',
      'pino',
      '../../**/scim/**',
      '../../**/storage/**',
      '../../**/http/**',
      '../../**/provisioning/**',
      '../../**/tenancy/**',
      '../../**/events/**',
      '../../**/config/**',
      '../../**/observability/**',
    ]),
  ),
);
