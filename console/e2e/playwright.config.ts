import { defineConfig } from '@playwright/test';

/**
 * The console's browser suite: Debian's Chromium (browser downloads do not work here) against
 * `npm start` on a throwaway data folder, started once by global-setup.ts. `npm test` runs it
 * after the Jest suite; `npm run test:console` runs it alone.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.pw.ts',
  // The specs share one platform and sign in as different users: one worker, in file order.
  workers: 1,
  fullyParallel: false,
  timeout: 240_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: '../../test-results/console',
  globalSetup: './global-setup.ts',
  // The whole tree's path aliases, for the test apps of @stagecraft/testing.
  tsconfig: '../../tsconfig.base.json',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // As root in a container Chromium has no sandbox to use; the rest keeps it off this
      // machine's closed network (its background connections are refused, many at a time).
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'off',
    screenshot: 'off',
  },
});
