// Lint with type information: floating promises and misused async callbacks are the
// bugs that hurt a long-running network daemon most, and only typed rules catch them.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'proto/generated/**', 'coverage/**', 'test-output/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off'
    }
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js'],
    ...tseslint.configs.disableTypeChecked
  },
  {
    // The web dashboard: plain browser modules served as they are (no build step, no tsconfig).
    files: ['node/coordinator/observability/dashboard/**/*.js'],
    ...tseslint.configs.disableTypeChecked
  }
)
