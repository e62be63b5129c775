import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['joinery-source'] },
  ssr: { resolve: { conditions: ['joinery-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start servers and databases; two cores are all there is.
    maxWorkers: 2,
  },
});
