// @tessera/sdk (sdk/): the hand-written layer agrees with its generated core and the IDLs. The
// PDAs whose seeds the IDLs declare are derived both ways (sdk/src/pda.ts and Codama's find*Pda,
// generated from idl/*.json); the typed errors name every IDL error with its message; the event
// tag is Anchor's; the flows' instructions carry Anchor's encoding, the remaining accounts in the
// programs' order and the Token-2022 rule (a settlement or refund marks the mint writable). No
// validator needed. (That the generated core is not stale against the IDLs is
// checked by scripts/ts-test.sh before the suite: `npm run sdk:check`.)

import { createHash } from "crypto";
import { BN, Program, type Provider } from "@anchor-lang/core";
import { Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
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

  describe("flows", () => {
    const k = () => Keypair.generate().publicKey;
    const meta = (ix: TransactionInstruction, pubkey: PublicKey) => ix.keys.filter((m) => m.pubkey.equals(pubkey));
    // Anchor's own instruction coders, from the same IDLs (no connection is used).
    const offline = {} as Provider;
    const registryCoder = new Program(sdk.registryIdl, offline).coder.instruction;
    const escrowCoder = new Program(sdk.escrowIdl, offline).coder.instruction;

    it("buy_access: Anchor's encoding; the parents' split and vault appended, writable, in the asset's order", () => {
      const [buyer, assetKey] = [k(), k()];
      const parents = [{ split: k() }, { split: k() }];
      const asset = { paymentMint: k(), accessMint: k(), split: k(), parents, inferenceGated: false };
      const ix = sdk.buyAccessInstruction({
        buyer,
        assetKey,
        asset,
        paymentTokenProgram: sdk.TOKEN_PROGRAM_ID,
        args: { quantity: 3, maxUnitPrice: new BN(7), minAccessDuration: 2n ** 64n - 1n },
      });
      const encoded = registryCoder.encode("buyAccess", {
        args: { quantity: new BN(3), maxUnitPrice: new BN(7), minAccessDuration: new BN("18446744073709551615") },
      });
      expect(Buffer.from(ix.data).equals(encoded)).to.equal(true);
      expect(ix.programId.equals(sdk.REGISTRY_PROGRAM_ID)).to.equal(true);
      const tail = ix.keys.slice(-4);
      expect(tail.map((m) => m.pubkey.toBase58())).to.deep.equal(
        parents.flatMap((p) => [p.split.toBase58(), sdk.vaultAddress(p.split).toBase58()]),
      );
      expect(tail.every((m) => m.isWritable && !m.isSigner)).to.equal(true);
      expect(meta(ix, buyer)[0]).to.include({ isSigner: true });
      expect(meta(ix, sdk.passAddress(assetKey, buyer)).length).to.equal(1);
      expect(meta(ix, sdk.vaultAddress(asset.split)).length).to.equal(1);
      // The fee goes to the asset's own fee vault, writable: no account shared with other assets' sales.
      expect(meta(ix, sdk.feeVaultAddress(assetKey))[0]).to.include({ isWritable: true, isSigner: false });
    });

    it("publish_asset: the split and its vault derived from the asset; the parents' assets appended read-only", () => {
      const publisher = k();
      const parent = k();
      const hash = Array.from({ length: 32 }, (_, i) => i + 1);
      const built = sdk.publishAssetInstruction({
        publisher,
        paymentMint: k(),
        paymentTokenProgram: sdk.TOKEN_2022_PROGRAM_ID,
        args: {
          kind: "model",
          contentHash: hash,
          uri: "ar://x",
          license: { flags: 1, termsHash: Array(32).fill(7) },
          price: 5,
          maxSupply: 0,
          accessDuration: 0,
          inferenceRoyaltyBps: 100,
          inferenceGated: true,
          parents: [{ asset: parent, bps: 2_000 }],
          recipients: [{ address: publisher, bps: 10_000 }],
        },
      });
      expect(built.asset.equals(sdk.assetAddress(publisher, hash))).to.equal(true);
      expect(built.split.equals(sdk.splitAddress(built.asset))).to.equal(true);
      expect(built.splitVault.equals(sdk.vaultAddress(built.split))).to.equal(true);
      const last = built.instruction.keys[built.instruction.keys.length - 1];
      expect(last).to.deep.include({ isSigner: false, isWritable: false });
      expect(last.pubkey.equals(parent)).to.equal(true);
      const encoded = registryCoder.encode("publishAsset", {
        args: {
          kind: { model: {} },
          contentHash: hash,
          uri: "ar://x",
          license: { flags: 1, termsHash: Array(32).fill(7) },
          price: new BN(5),
          maxSupply: new BN(0),
          accessDuration: new BN(0),
          inferenceRoyaltyBps: 100,
          inferenceGated: true,
          parents: [{ asset: parent, bps: 2_000 }],
          recipients: [{ address: publisher, bps: 10_000 }],
        },
      });
      expect(Buffer.from(built.instruction.data).equals(encoded)).to.equal(true);
    });

    it("settlements and refunds mark a Token-2022 mint writable (harvest_job_vault), an SPL Token mint not", () => {
      const jobKey = k();
      const job = { consumer: k(), model: k(), mint: k(), vault: k(), provider: k(), modelSplit: k() };
      const payees = (tokenProgram: PublicKey) => ({ providerTokenAccount: k(), treasuryTokenAccount: k(), tokenProgram });
      const build = (tokenProgram: PublicKey) => ({
        confirm: sdk.confirmJobInstruction(jobKey, job, payees(tokenProgram)),
        release: sdk.releaseJobInstruction(k(), jobKey, job, payees(tokenProgram)),
        resolve: sdk.resolveDisputeInstruction(k(), jobKey, job, payees(tokenProgram), 3_000),
        settle: sdk.settleDisputeInstruction(k(), jobKey, job, payees(tokenProgram)),
        refund: sdk.refundJobInstruction(k(), jobKey, job, tokenProgram),
      });
      for (const [name, ix] of Object.entries(build(sdk.TOKEN_2022_PROGRAM_ID))) {
        expect(meta(ix, job.mint).map((m) => m.isWritable), `${name}, Token-2022`).to.deep.equal([true]);
      }
      for (const [name, ix] of Object.entries(build(sdk.TOKEN_PROGRAM_ID))) {
        expect(meta(ix, job.mint).map((m) => m.isWritable), `${name}, SPL Token`).to.deep.equal([false]);
      }
      // The consumer's associated account (under the mint's token program) by default.
      const confirm = build(sdk.TOKEN_2022_PROGRAM_ID).confirm;
      expect(meta(confirm, sdk.ataAddress(job.mint, job.consumer, sdk.TOKEN_2022_PROGRAM_ID)).length).to.equal(1);
      expect(Buffer.from(confirm.data).equals(escrowCoder.encode("confirmJob", {}))).to.equal(true);
      // The model's parents' splits and vaults follow a settlement, in order, writable.
      const parentSplits = [k(), k()];
      const withParents = sdk.releaseJobInstruction(k(), jobKey, job, { ...payees(sdk.TOKEN_PROGRAM_ID), parentSplits });
      expect(withParents.keys.slice(-4).map((m) => [m.pubkey.toBase58(), m.isWritable])).to.deep.equal(
        parentSplits.flatMap((p) => [
          [p.toBase58(), true],
          [sdk.vaultAddress(p).toBase58(), true],
        ]),
      );
      // A refund of an unaccepted job passes no provider (Anchor's placeholder: the program id).
      const unaccepted = sdk.refundJobInstruction(k(), jobKey, { ...job, provider: PublicKey.default }, sdk.TOKEN_PROGRAM_ID);
      expect(meta(unaccepted, sdk.ESCROW_PROGRAM_ID).length).to.be.greaterThanOrEqual(2);
      expect(meta(unaccepted, sdk.bondVaultAddress(job.provider)).length).to.equal(0);
    });
  });
});
