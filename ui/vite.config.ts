import { defineConfig } from "vitest/config";

// Tauri serves the built files from ui/dist; the dev server stays on a fixed port so
// tauri.conf.json's devUrl finds it.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },
  test: { environment: "jsdom", globals: true },
});
