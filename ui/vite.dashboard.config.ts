import { defineConfig } from "vite";

// The county dashboard: a second entry of this package (it shares the toolchain, tsconfig,
// Vitest and src/forms.ts with the field app), built into dist-dashboard, which the county
// server embeds (crates/jiandang-server/src/assets.rs). `npm run build` builds both.
export default defineConfig({
  root: "dashboard",
  base: "/",
  clearScreen: false,
  build: { outDir: "../dist-dashboard", emptyOutDir: true, target: "es2020", chunkSizeWarningLimit: 800 },
  // The dev server hands the API to a county server started beside it.
  server: { port: 5174, proxy: { "/api": "http://127.0.0.1:8080" } },
});
