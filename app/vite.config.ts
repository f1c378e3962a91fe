import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { type Plugin, defineConfig } from "vite";

// The committed IDLs live one level up (../idl): the dev server may read them.
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The wallet adapter's stylesheet pulls its font from Google Fonts: drop that import, so the app
 * makes no third-party request of its own (the buttons use the page's system font instead).
 */
function noRemoteFonts(): Plugin {
  return {
    name: "tessera-no-remote-fonts",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("wallet-adapter-react-ui") || !id.split("?")[0].endsWith(".css")) return null;
      return { code: code.replace(/@import url\(['"]?https:\/\/fonts\.googleapis\.com[^)]*\);?/g, ""), map: null };
    },
  };
}

export default defineConfig({
  plugins: [noRemoteFonts(), react()],
  // Relative asset URLs: dist/ can be served from any path (a static host, IPFS, a sub-folder).
  base: "./",
  resolve: {
    // @tessera/sdk (../sdk, a file: dependency) is TypeScript source outside this package: its
    // imports of these packages resolve to the app's own copies (one web3.js PublicKey class).
    dedupe: [
      "@anchor-lang/core",
      "@solana/kit",
      "@solana/program-client-core",
      "@solana/spl-token",
      "@solana/spl-token-metadata",
      "@solana/web3.js",
    ],
  },
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
