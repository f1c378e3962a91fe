#!/usr/bin/env node
// Generates the SDK's core, sdk/src/generated/<program>/, from the committed Anchor IDLs
// (idl/tessera_*.json) with Codama: `rootNodeFromAnchor` reads each IDL, the JS renderer writes
// accounts, instructions, types, errors, PDAs and the program's id as @solana/kit code.
//
//   node sdk/scripts/generate.mjs           regenerate sdk/src/generated/
//   node sdk/scripts/generate.mjs --check   regenerate into a temporary folder and fail when the
//                                           committed code differs (stale against the IDLs)
//
// Codama and its renderer are the root package's devDependencies (pinned in package-lock.json).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { createFromRoot } from "codama";
import { rootNodeFromAnchor } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";

const sdk = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(sdk, "..");
const committed = join(sdk, "src", "generated");

/** The programs, each generated into its own folder (the three share names such as `config`). */
const PROGRAMS = [
  { folder: "registry", idl: "idl/tessera_registry.json" },
  { folder: "royalties", idl: "idl/tessera_royalties.json" },
  { folder: "escrow", idl: "idl/tessera_escrow.json" },
  { folder: "channels", idl: "idl/tessera_channels.json" },
];

async function generate(outDir) {
  for (const p of PROGRAMS) {
    const idl = JSON.parse(readFileSync(join(root, p.idl), "utf8"));
    const codama = createFromRoot(rootNodeFromAnchor(idl));
    await codama.accept(
      renderVisitor(outDir, {
        generatedFolder: p.folder,
        deleteFolderBeforeRendering: true,
        syncPackageJson: false,
        formatCode: true,
      }),
    );
  }
}

/** Every file under `dir`, as paths relative to it. */
function files(dir, base = dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(files(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

if (process.argv.includes("--check")) {
  const tmp = mkdtempSync(join(tmpdir(), "tessera-sdk-"));
  try {
    await generate(tmp);
    const want = files(tmp);
    const have = files(committed);
    const stale = [
      ...want.filter((f) => !have.includes(f)).map((f) => `missing: ${f}`),
      ...have.filter((f) => !want.includes(f)).map((f) => `not generated: ${f}`),
      ...want
        .filter((f) => have.includes(f))
        .filter((f) => readFileSync(join(tmp, f), "utf8") !== readFileSync(join(committed, f), "utf8"))
        .map((f) => `differs: ${f}`),
    ];
    if (stale.length) {
      console.error(
        `sdk: the generated code in sdk/src/generated is stale against idl/*.json:\n  ${stale.join("\n  ")}\n` +
          "Regenerate it with `node sdk/scripts/generate.mjs` (npm run sdk:generate) and commit the result.",
      );
      process.exit(1);
    }
    console.log(`sdk: sdk/src/generated matches idl/*.json (${want.length} files)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  await generate(committed);
  console.log(`sdk: generated ${files(committed).length} files into sdk/src/generated`);
}
