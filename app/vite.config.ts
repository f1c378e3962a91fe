import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The committed IDLs live one level up (../idl): the dev server may read them.
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: dist/ can be served from any path (a static host, IPFS, a sub-folder).
  base: "./",
  define: {
    // Some of web3.js's dependencies still test `global`.
    global: "globalThis",
  },
  server: {
    fs: { allow: [repoRoot] },
  },
  build: {
    target: "es2022",
    chunkSizeWarningLimit: 2_000,
  },
});
