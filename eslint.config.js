// House rules: typescript-eslint's recommended set, plus a few that keep the code honest.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.lab/', 'native/'] },
  ...tseslint.configs.recommended,
  {
    // CommonJS on purpose where start-up time matters (ADR 3): require() is the point there.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
);
