// Node-only: @anchor-lang/core is CommonJS, and Node's ESM loader cannot see most of its named
// exports (Vite, for the app, uses its ESM build). This hook gives the tests' imports — and the
// app's src/lib modules the unit tests load — an ESM facade with the same names.
// Used as: node --import tsx --import ./tests/anchor-esm.mjs …
import { register } from "node:module";

register("./anchor-esm-hooks.mjs", import.meta.url);
