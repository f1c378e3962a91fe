// Module resolution hook (see anchor-esm.mjs): "@anchor-lang/core" → anchor-shim.mjs.
const shim = new URL("./anchor-shim.mjs", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "@anchor-lang/core" && context.parentURL !== shim) return { url: shim, shortCircuit: true };
  return nextResolve(specifier, context);
}
