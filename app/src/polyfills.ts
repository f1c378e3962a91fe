// web3.js, spl-token and Anchor's browser build expect Node's Buffer (and a `process.env`) as
// globals. This module is imported first by main.tsx, so it runs before any of them.
import { Buffer } from "buffer";

const g = globalThis as unknown as { Buffer?: typeof Buffer; process?: { env: Record<string, string> } };
g.Buffer ??= Buffer;
g.process ??= { env: {} };
