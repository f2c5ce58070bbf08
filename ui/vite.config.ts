import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build lands in the Python package, where `visionyard serve` serves it at `/`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/visionyard/webui",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev` against a running `visionyard serve` (VISIONYARD_API picks another one).
    proxy: Object.fromEntries(["/api", "/ping"].map((path) => [path, process.env.VISIONYARD_API ?? "http://127.0.0.1:8000"])),
  },
});
