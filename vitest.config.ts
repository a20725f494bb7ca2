import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
        },
      },
      {
        test: {
          name: 'checker',
          include: ['checker/specs/**/*.spec.ts'],
          globalSetup: ['checker/global-setup.ts'],
          // Specs run one after another: each drives real namespaces and proves the lab host is
          // unchanged afterwards, which only means something when nothing else runs beside it.
          fileParallelism: false,
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
    ],
  },
});
