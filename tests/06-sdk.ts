// @tessera/sdk (sdk/): the hand-written layer agrees with its generated core and the IDLs. The
// PDAs whose seeds the IDLs declare are derived both ways (sdk/src/pda.ts and Codama's find*Pda,
// generated from idl/*.json); the typed errors name every IDL error with its message; the event
// tag is Anchor's. No validator needed. (That the generated core is not stale against the IDLs is
// checked by scripts/ts-test.sh before the suite: `npm run sdk:check`.)

import { createHash } from "crypto";
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import type { Address } from "@solana/kit";

import * as sdk from "@tessera/sdk";
import registryIdlJson from "../idl/tessera_registry.json";
import royaltiesIdlJson from "../idl/tessera_royalties.json";
import escrowIdlJson from "../idl/tessera_escrow.json";

const addr = (k: PublicKey) => k.toBase58() as Address;
const key = async (p: Promise<readonly [string, number]>) => new PublicKey((await p)[0]);

describe("@tessera/sdk", () => {
  const [a, b] = [Keypair.generate().publicKey, Keypair.generate().publicKey];

  it("derives the PDAs the IDLs declare exactly as the generated core does", async () => {
    const { registryClient: r, royaltiesClient: y, escrowClient: e } = sdk;
    const pairs: [string, PublicKey, PublicKey][] = [
      ["registry config", sdk.registryConfigAddress(), await key(r.findConfigPda())],
      ["access mint", sdk.accessMintAddress(a), await key(r.findAccessMintPda({ asset: addr(a) }))],
      ["pass", sdk.passAddress(a, b), await key(r.findPassPda({ asset: addr(a), buyer: addr(b) }))],
      ["split", sdk.splitAddress(a), await key(y.findSplitPda({ subject: addr(a) }))],
      ["vault", sdk.vaultAddress(a), await key(y.findVaultPda({ split: addr(a) }))],
      ["escrow config", sdk.escrowConfigAddress(), await key(e.findConfigPda())],
      ["provider", sdk.providerAddress(a), await key(e.findProviderPda({ authority: addr(a) }))],
      ["bond vault", sdk.bondVaultAddress(a), await key(e.findBondVaultPda({ provider: addr(a) }))],
      ["job vault", sdk.jobVaultAddress(a), await key(e.findJobVaultPda({ job: addr(a) }))],
      ["model providers", sdk.modelProvidersAddress(a), await key(e.findModelProvidersPda({ model: addr(a) }))],
    ];
    for (const [name, handWritten, generated] of pairs) {
      expect(handWritten.toBase58(), name).to.equal(generated.toBase58());
    }
    expect(sdk.configAddress(sdk.REGISTRY_PROGRAM_ID).equals(sdk.registryConfigAddress())).to.equal(true);
    expect(sdk.REGISTRY_PROGRAM_ID.toBase58()).to.equal(registryIdlJson.address);
    expect(sdk.ROYALTIES_PROGRAM_ID.toBase58()).to.equal(royaltiesIdlJson.address);
    expect(sdk.ESCROW_PROGRAM_ID.toBase58()).to.equal(escrowIdlJson.address);
  });

  it("names every IDL error with its code and message, and Anchor's own below 6000", () => {
    const idls = { registry: registryIdlJson, royalties: royaltiesIdlJson, escrow: escrowIdlJson };
    for (const [program, idl] of Object.entries(idls) as [sdk.TesseraProgram, typeof registryIdlJson][]) {
      expect(sdk.PROGRAM_ERRORS[program].size, program).to.equal(idl.errors.length);
      for (const e of idl.errors) {
        expect(sdk.PROGRAM_ERRORS[program].get(e.code), `${program} ${e.code}`).to.deep.equal({
          name: e.name,
          message: e.msg,
        });
        expect(sdk.errorCode(program, e.name)).to.equal(e.code);
        expect(sdk.programError(sdk.PROGRAM_IDS[program], e.code).name).to.equal(e.name);
      }
    }
    expect(sdk.errorCode("escrow", "AccountNotInitialized")).to.equal(3012);
    expect(sdk.programError(sdk.ESCROW_PROGRAM_ID, 3012)).to.include({ name: "AccountNotInitialized", program: "anchor" });
  });

  it("finds the custom code in what clients throw and RPCs report", () => {
    const programs = [sdk.SYSTEM_PROGRAM_ID, sdk.ROYALTIES_PROGRAM_ID];
    expect(sdk.decodeProgramError({ InstructionError: [1, { Custom: 6005 }] }, [], programs)).to.include({
      name: "NothingToClaim",
      program: "royalties",
    });
    const thrown = new Error("Error processing Instruction 1: custom program error: 0x1775");
    expect(sdk.decodeProgramError(thrown, [], programs)).to.include({ name: "NothingToClaim", code: 6005 });
    expect(sdk.errorCodeOf(new Error('{"InstructionError":[0,{"Custom":6028}]}'))).to.equal(6028);
    expect(sdk.errorCodeOf(new Error("blockhash not found"))).to.equal(null);
  });

  it("reads events behind Anchor's EVENT_IX_TAG", () => {
    const tag = Buffer.from(createHash("sha256").update("anchor:event").digest().subarray(0, 8)).reverse();
    expect(Buffer.from(sdk.EVENT_IX_TAG).equals(tag)).to.equal(true);
  });
});
