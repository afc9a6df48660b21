import { defineConfig } from "vitest/config";

// The county dashboard end to end: real Chromium through playwright-core against a real
// `jiandang serve` on the demo county (e2e/dashboard.e2e.ts; scripts/dashboard-e2e.sh runs it).
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
