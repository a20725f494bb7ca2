import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
          // Fails the run if it changed this machine's network namespace (a runtime let loose).
          globalSetup: ['test/global-setup.ts'],
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
          // Each spec file in a worker thread of vitest's own process (still a fresh one per file),
          // not in a forked Node with a watchdog process beside it: ~0.15 s less per `lab check`
          // (docs/benchmarks.md). Specs must then leave process-wide state alone: no
          // process.chdir(), umask() or signal handlers (none is allowed in a worker thread).
          pool: 'threads',
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
    ],
  },
});
