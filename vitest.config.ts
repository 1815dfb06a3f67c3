import { defineConfig } from 'vitest/config'

// Unit tests are fast and run in parallel; the network-namespace tests start real
// fleet-node processes and share one machine, so files run one after another.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
