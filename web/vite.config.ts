/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

// The UI lives under /app/ so it never shadows an API path; `npm run dev` proxies the API.
const api = process.env.KOSHA_API ?? "http://127.0.0.1:8000";
const apiPaths = ["/auth", "/repos", "/jobs", "/search", "/graph", "/index", "/usage", "/health"];

export default defineConfig({
  base: "/app/",
  plugins: [react(), tailwindcss()],
  server: { proxy: Object.fromEntries(apiPaths.map((p) => [p, api])) },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
