// The SDK's generated core (sdk/src/generated, Codama) reads `process.env.NODE_ENV`; the app
// provides `process.env` at run time (src/polyfills.ts), and this declares it for the type check.
declare const process: { env: Record<string, string | undefined> };
