// @tessera/sdk (sdk/): the hand-written layer agrees with its generated core and the IDLs. The
// PDAs whose seeds the IDLs declare are derived both ways (sdk/src/pda.ts and Codama's find*Pda,
// generated from idl/*.json); the typed errors name every IDL error with its message; the event
// tag is Anchor's; the flows' instructions carry Anchor's encoding, the remaining accounts in the
// programs' order and the Token-2022 rule (a settlement or refund marks the mint writable); mint
// metadata is decoded and resolved as documented. No validator needed, except for the last test
// (Token-2022 mints with metadata, created on the validator). (That the generated core is not
// stale against the IDLs is checked by scripts/ts-test.sh before the suite: `npm run sdk:check`.)

import { createHash } from "crypto";
import { BN, Program, type Provider } from "@anchor-lang/core";
import {
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
  createInitializeMetadataPointerInstruction,
  createInitializeMintInstruction,
  createMint,
  getMintLen,
  tokenMetadataInitializeWithRentTransfer,
} from "@solana/spl-token";
import { type AccountInfo, Keypair, PublicKey, SystemProgram, Transaction, TransactionInstruction } from "@solana/web3.js";
import { expect } from "chai";
import type { Address } from "@solana/kit";

import * as sdk from "@tessera/sdk";
import * as helpers from "./helpers";
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

// Mint metadata (sdk/src/mintMetadata.ts): the decoders on bytes built here from the documented
// layouts, the resolution order through a stand-in connection, then real Token-2022 mints on the
// validator. (Metaplex's program is not in the local validator's genesis: its accounts are
// covered by the built bytes only.)
describe("@tessera/sdk mint metadata", () => {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  /** A borsh string: u32 little-endian byte length, then the UTF-8 bytes. */
  const borshString = (s: string) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s, "utf8")]);
  /**
   * A Metaplex metadata account (mpl-token-metadata `Metadata`): key 4 (MetadataV1), update
   * authority, mint, then name, symbol and uri NUL-padded to 32, 10 and 200 bytes as Metaplex
   * writes them, then the fields the SDK does not read (seller fee bps, no creators, …).
   */
  const metaplexBytes = (mint: PublicKey, name: string, symbol: string, uri: string, key = 4) =>
    Buffer.concat([
      Buffer.from([key]),
      Keypair.generate().publicKey.toBuffer(),
      mint.toBuffer(),
      borshString(name.padEnd(32, "\0")),
      borshString(symbol.padEnd(10, "\0")),
      borshString(uri.padEnd(200, "\0")),
      Buffer.from([0xf4, 0x01, 0, 1, 1]),
    ]);
  /** The token-metadata interface's value: update authority, mint, name, symbol, uri, no additional fields. */
  const tokenMetadataBytes = (mint: PublicKey, name: string, symbol: string, uri: string) =>
    Buffer.concat([Buffer.alloc(32, 9), mint.toBuffer(), borshString(name), borshString(symbol), borshString(uri), u32(0)]);
  /**
   * A Token-2022 mint account: the 82-byte SPL mint (decimals at 44, initialized at 45), zeros up
   * to the token account size (165), the account type (1 = mint), then TLV extensions (u16 type,
   * u16 length, value): MetadataPointer = 18 (authority, address), TokenMetadata = 19.
   */
  const token2022Mint = (extensions: [number, Buffer][]) => {
    const base = Buffer.alloc(82);
    base[44] = 6;
    base[45] = 1;
    const tlv = extensions.map(([type, value]) => {
      const header = Buffer.alloc(4);
      header.writeUInt16LE(type, 0);
      header.writeUInt16LE(value.length, 2);
      return Buffer.concat([header, value]);
    });
    return Buffer.concat([base, Buffer.alloc(165 - 82), Buffer.from([1]), ...tlv]);
  };
  const pointerTo = (address: PublicKey) => Buffer.concat([Buffer.alloc(32, 7), address.toBuffer()]);
  const splMint = () => {
    const b = Buffer.alloc(82);
    b[44] = 6;
    b[45] = 1;
    return b;
  };
  const account = (owner: PublicKey, data: Buffer): AccountInfo<Buffer> => ({ owner, data, lamports: 1, executable: false });
  /** A connection that answers from `accounts` and records the single reads. */
  const stub = (accounts: Record<string, AccountInfo<Buffer>>, fail = false) => {
    const reads: string[] = [];
    const connection = {
      getAccountInfo: async (k: PublicKey) => {
        reads.push(k.toBase58());
        return accounts[k.toBase58()] ?? null;
      },
      getMultipleAccountsInfo: async (ks: PublicKey[]) => {
        if (fail) throw new Error("rpc down");
        return ks.map((k) => accounts[k.toBase58()] ?? null);
      },
    } as unknown as sdk.MintMetadataConnection;
    return { connection, reads };
  };
  const METAPLEX = sdk.METAPLEX_TOKEN_METADATA_PROGRAM_ID;

  it("the Metaplex program id and metadata PDA are Metaplex's", () => {
    expect(METAPLEX.toBase58()).to.equal("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s");
    const mint = Keypair.generate().publicKey;
    const [pda] = PublicKey.findProgramAddressSync([Buffer.from("metadata"), METAPLEX.toBuffer(), mint.toBuffer()], METAPLEX);
    expect(sdk.metaplexMetadataAddress(mint).toBase58()).to.equal(pda.toBase58());
  });

  it("decodes a Metaplex metadata account's prefix, trimming the NUL padding; refuses other bytes", () => {
    const mint = Keypair.generate().publicKey;
    const bytes = metaplexBytes(mint, "Wrapped Thing", "WTG", "https://example.org/wtg.json");
    const decoded = sdk.decodeMetaplexMetadata(bytes);
    expect(decoded).to.not.equal(null);
    expect(decoded!.mint.toBase58()).to.equal(mint.toBase58());
    expect(decoded!.updateAuthority.toBase58()).to.equal(new PublicKey(bytes.subarray(1, 33)).toBase58());
    expect([decoded!.name, decoded!.symbol, decoded!.uri]).to.deep.equal(["Wrapped Thing", "WTG", "https://example.org/wtg.json"]);
    // Another account key (an edition: 1), a length past the end, truncated, invalid UTF-8.
    expect(sdk.decodeMetaplexMetadata(metaplexBytes(mint, "a", "b", "c", 1))).to.equal(null);
    const pastEnd = Buffer.from(bytes);
    pastEnd.writeUInt32LE(10_000, 65);
    expect(sdk.decodeMetaplexMetadata(pastEnd)).to.equal(null);
    expect(sdk.decodeMetaplexMetadata(bytes.subarray(0, 64))).to.equal(null);
    expect(sdk.decodeMetaplexMetadata(bytes.subarray(0, 65 + 4 + 32 + 4 + 3))).to.equal(null);
    const badUtf8 = Buffer.from(bytes);
    badUtf8[69] = 0xff;
    expect(sdk.decodeMetaplexMetadata(badUtf8)).to.equal(null);
  });

  it("finds the token-metadata interface's TLV entry in another program's account", () => {
    const value = tokenMetadataBytes(Keypair.generate().publicKey, "n", "s", "u");
    const other = Buffer.concat([Buffer.alloc(8, 5), u32(3), Buffer.from([1, 2, 3])]);
    const entry = Buffer.concat([Buffer.from([112, 132, 90, 90, 11, 88, 157, 87]), u32(value.length), value]);
    expect(Buffer.from(sdk.tokenMetadataTlvValue(Buffer.concat([other, entry, Buffer.alloc(20)]))!).equals(value)).to.equal(true);
    expect(sdk.tokenMetadataTlvValue(Buffer.concat([other, Buffer.alloc(40)]))).to.equal(null);
    expect(sdk.tokenMetadataTlvValue(entry.subarray(0, entry.length - 1))).to.equal(null);
  });

  it("resolves Token-2022 metadata (in the mint, or where its pointer says), else Metaplex, else null; never throws", async () => {
    const mint = Keypair.generate().publicKey;
    const key = mint.toBase58();
    const metaplexKey = sdk.metaplexMetadataAddress(mint).toBase58();
    const T22 = sdk.TOKEN_2022_PROGRAM_ID;
    const metaplex = account(METAPLEX, metaplexBytes(mint, "Meta Name", "MPX", "ar://m"));
    const run = async (accounts: Record<string, AccountInfo<Buffer>>, fail = false) => {
      const s = stub(accounts, fail);
      return { found: await sdk.fetchMintMetadata(s.connection, mint), reads: s.reads };
    };

    // The metadata in the mint (its pointer names the mint).
    const inMint = token2022Mint([
      [18, pointerTo(mint)],
      [19, tokenMetadataBytes(mint, "Test USD", "tUSD", "https://x/t.json")],
    ]);
    expect((await run({ [key]: account(T22, inMint), [metaplexKey]: metaplex })).found).to.deep.equal({
      name: "Test USD",
      symbol: "tUSD",
      uri: "https://x/t.json",
      source: "token-2022",
    });

    // The pointer names an account of a program implementing the interface (one more read).
    const external = Keypair.generate().publicKey;
    const tlv = tokenMetadataBytes(mint, "Far Away", "FAR", "ipfs://far");
    const externalData = Buffer.concat([Buffer.from([112, 132, 90, 90, 11, 88, 157, 87]), u32(tlv.length), tlv]);
    const pointed = await run({
      [key]: account(T22, token2022Mint([[18, pointerTo(external)]])),
      [external.toBase58()]: account(Keypair.generate().publicKey, externalData),
    });
    expect(pointed.found).to.deep.equal({ name: "Far Away", symbol: "FAR", uri: "ipfs://far", source: "token-2022" });
    expect(pointed.reads).to.deep.equal([external.toBase58()]);

    // The pointer names the Metaplex account: no extra read.
    const toMetaplex = await run({ [key]: account(T22, token2022Mint([[18, pointerTo(sdk.metaplexMetadataAddress(mint))]])), [metaplexKey]: metaplex });
    expect(toMetaplex.found).to.deep.include({ symbol: "MPX", source: "metaplex" });
    expect(toMetaplex.reads).to.deep.equal([]);

    // The pointer names another mint's metadata: not this mint's; Metaplex is the fallback.
    const otherMint = Keypair.generate().publicKey;
    const spoofed = {
      [key]: account(T22, token2022Mint([[18, pointerTo(otherMint)]])),
      [otherMint.toBase58()]: account(T22, token2022Mint([
        [18, pointerTo(otherMint)],
        [19, tokenMetadataBytes(otherMint, "USD Coin", "USDC", "")],
      ])),
    };
    expect((await run(spoofed)).found).to.equal(null);
    expect((await run({ ...spoofed, [metaplexKey]: metaplex })).found).to.deep.include({ symbol: "MPX", source: "metaplex" });

    // SPL Token mint: Metaplex only, and only an account of Metaplex's program naming this mint.
    expect((await run({ [key]: account(sdk.TOKEN_PROGRAM_ID, splMint()), [metaplexKey]: metaplex })).found).to.deep.equal({
      name: "Meta Name",
      symbol: "MPX",
      uri: "ar://m",
      source: "metaplex",
    });
    expect((await run({ [key]: account(sdk.TOKEN_PROGRAM_ID, splMint()) })).found).to.equal(null);
    const forAnother = account(METAPLEX, metaplexBytes(otherMint, "X", "X", ""));
    expect((await run({ [key]: account(sdk.TOKEN_PROGRAM_ID, splMint()), [metaplexKey]: forAnother })).found).to.equal(null);
    const notMetaplex = account(sdk.SYSTEM_PROGRAM_ID, metaplex.data);
    expect((await run({ [key]: account(sdk.TOKEN_PROGRAM_ID, splMint()), [metaplexKey]: notMetaplex })).found).to.equal(null);
    // Token-2022 without metadata extensions: Metaplex.
    expect((await run({ [key]: account(T22, splMint()), [metaplexKey]: metaplex })).found).to.deep.include({ source: "metaplex" });

    // Garbage, missing accounts, a non-token owner, a failing RPC, empty name and symbol: null.
    const garbage = account(T22, Buffer.concat([token2022Mint([]), Buffer.from([19, 0, 200, 0, 1, 2, 3])]));
    expect((await run({ [key]: garbage })).found).to.equal(null);
    expect((await run({ [key]: garbage, [metaplexKey]: metaplex })).found).to.deep.include({ source: "metaplex" });
    expect((await run({ [key]: account(T22, Buffer.from([1, 2, 3])) })).found).to.equal(null);
    expect((await run({})).found).to.equal(null);
    expect((await run({ [key]: account(sdk.SYSTEM_PROGRAM_ID, splMint()), [metaplexKey]: metaplex })).found).to.equal(null);
    expect((await run({ [key]: account(T22, inMint) }, true)).found).to.equal(null);
    const empty = token2022Mint([
      [18, pointerTo(mint)],
      [19, tokenMetadataBytes(mint, "", "\0\0", "ar://only-uri")],
    ]);
    expect((await run({ [key]: account(T22, empty) })).found).to.equal(null);
  });

  describe("on the validator", () => {
    /** A Token-2022 mint with a MetadataPointer naming `pointer` (default: itself) and, if given, its own TokenMetadata. */
    async function token2022MintOnChain(metadata?: { name: string; symbol: string; uri: string }, pointer?: PublicKey) {
      const mint = Keypair.generate();
      const space = getMintLen([ExtensionType.MetadataPointer]);
      await helpers.provider.sendAndConfirm(
        new Transaction().add(
          SystemProgram.createAccount({
            fromPubkey: helpers.payer.publicKey,
            newAccountPubkey: mint.publicKey,
            space,
            lamports: await helpers.connection.getMinimumBalanceForRentExemption(space),
            programId: TOKEN_2022_PROGRAM_ID,
          }),
          createInitializeMetadataPointerInstruction(mint.publicKey, helpers.payer.publicKey, pointer ?? mint.publicKey, TOKEN_2022_PROGRAM_ID),
          createInitializeMintInstruction(mint.publicKey, 6, helpers.payer.publicKey, null, TOKEN_2022_PROGRAM_ID),
        ),
        [mint],
      );
      if (metadata) {
        await tokenMetadataInitializeWithRentTransfer(
          helpers.connection,
          helpers.payer,
          mint.publicKey,
          helpers.payer.publicKey,
          helpers.payer,
          metadata.name,
          metadata.symbol,
          metadata.uri,
          [],
          { commitment: "confirmed" },
          TOKEN_2022_PROGRAM_ID,
        );
      }
      return mint.publicKey;
    }

    it("reads a Token-2022 mint's own metadata; a pointer to another mint's, and an SPL mint without Metaplex, give null", async () => {
      const tusd = await token2022MintOnChain({ name: "Test USD", symbol: "tUSD", uri: "https://metadata.example.org/tusd.json" });
      expect(await sdk.fetchMintMetadata(helpers.connection, tusd)).to.deep.equal({
        name: "Test USD",
        symbol: "tUSD",
        uri: "https://metadata.example.org/tusd.json",
        source: "token-2022",
      });
      const pointingElsewhere = await token2022MintOnChain(undefined, tusd);
      expect(await sdk.fetchMintMetadata(helpers.connection, pointingElsewhere)).to.equal(null);
      const spl = await createMint(helpers.connection, helpers.payer, helpers.payer.publicKey, null, 6, undefined, { commitment: "confirmed" });
      expect(await sdk.fetchMintMetadata(helpers.connection, spl)).to.equal(null);
      expect(await sdk.fetchMintMetadata(helpers.connection, Keypair.generate().publicKey)).to.equal(null);
    });
  });
});
