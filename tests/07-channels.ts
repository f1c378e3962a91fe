// The channels program (issue 15) through the SDK (sdk/src/channels.ts) against the local
// validator: open (the payer's next channel id, a session key as authorized signer), top-up,
// settle with a voucher signed here (exact balances of the payee, the treasury, the model's split
// vault and its parent dataset's split vault: the lineage rule), two settles of two channels in
// one transaction, the refusals of a lower or equal cumulative and of a voucher signed by another
// key, request_close then finalize refused before the grace, settle_and_close by the payee, and
// finalize after the grace. First, without the validator: the voucher bytes and the
// X-Tessera-Voucher header against what the Rust client produces.
//
// The Rust vectors: the message is programs/tessera-channels/src/voucher.rs's unit test
// `the_message_layout` (channel [7; 32], cumulative 0x0102030405060708, expiry -2); the header is
// what the Rust CLI sent to a test gate (`tessera call --channel <[7; 32]> …` with the keypair of
// seed [42; 32], the gate asking for 1,234,567: `Voucher::sign(..).encode()` of
// client/src/channel.rs, the header the metered gate reads).

import * as crypto from "crypto";
import { expect } from "chai";
import { Ed25519Program, Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
import type { Address } from "@solana/kit";
import {
  type ChannelRef,
  type Voucher,
  PAYER_CHANNELS_DISCRIMINATOR,
  PROGRAM_ERRORS,
  VoucherHeaderError,
  ataAddress as sdkAtaAddress,
  channelAddress,
  channelVaultAddress,
  channelsClient,
  channelsConfigAddress,
  decodePayerChannels,
  errorCode,
  finalizeCloseInstruction,
  payerChannelsAddress,
  settleAndCloseInstructions,
  vaultAddress,
  decodeVoucherHeader,
  encodeVoucherHeader,
  fetchChannel,
  fetchPayerChannels,
  finalizeCloseFlow,
  nextChannelId,
  openChannelFlow,
  registerProviderInstruction,
  requestCloseFlow,
  settleAndCloseFlow,
  settleInstructions,
  settlePairInstructions,
  signVoucher,
  topUpFlow,
  voucherMessage,
  voucherSignatureInstruction,
} from "@tessera/sdk";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import channelsIdlJson from "../idl/tessera_channels.json";

import {
  CHANNELS_FEE_BPS,
  Published,
  USDC,
  World,
  accountExists,
  bpsOf,
  channels,
  clockNow,
  connection,
  eventOf,
  eventsOf,
  expectAnchorError,
  mintUsdc,
  newFundedKeypairs,
  payer,
  publish,
  send,
  tokenBalance,
  waitForClock,
  world,
} from "./helpers";

/** A wallet-adapter style `signMessage` of a keypair (Node's ed25519). */
function signMessageOf(kp: Keypair) {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(kp.secretKey.subarray(0, 32))]);
  const key = crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  return async (message: Uint8Array) => new Uint8Array(crypto.sign(null, Buffer.from(message), key));
}

/** Whether `signature` is `signer`'s ed25519 signature of `message` (Node's ed25519). */
function verifies(signer: PublicKey, message: Uint8Array, signature: Uint8Array) {
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), signer.toBuffer()]);
  const key = crypto.createPublicKey({ key: spki, format: "der", type: "spki" });
  return crypto.verify(null, Buffer.from(message), key, Buffer.from(signature));
}

describe("vouchers: the Rust client's bytes", () => {
  const RUST_MESSAGE =
    "5601" + "07".repeat(32) + "0807060504030201" + "feffffffffffffff"; // voucher.rs the_message_layout
  const RUST_HEADER =
    "v1.US517G5965aydkZ46HS38QLi7UQiSojurfbQfKCELFx.1234567.0.2iXtA8oeZqUU5pofxK971TCEvFGfems2AcDRaZHKD2pQ." +
    "3EUdwiVVVnkCKqM8qXfSjNexaDZLVTEjLRAJ7xPC9CHYHx5vYWy6gJn1FDC4zw3QzRi1yX4fGj7mw1SQVzt26XHq";
  const sevens = new PublicKey(Buffer.alloc(32, 7));
  const rustSigner = Keypair.fromSeed(Buffer.alloc(32, 42));

  it("voucherMessage is the program's 50 bytes", () => {
    const m = voucherMessage(sevens, 0x0102_0304_0506_0708n, -2);
    expect(m.length).to.equal(50);
    expect(Buffer.from(m).toString("hex")).to.equal(RUST_MESSAGE);
    expect(Buffer.from(voucherMessage(sevens, 0, 0)).subarray(34).toString("hex")).to.equal("00".repeat(16));
    expect(() => voucherMessage(sevens, -1n, 0)).to.throw(RangeError);
    expect(() => voucherMessage(sevens, 1n << 64n, 0)).to.throw(RangeError);
  });

  it("decodes the Rust header; the Rust signature verifies over voucherMessage; signing here gives the same header", async () => {
    const v = decodeVoucherHeader(RUST_HEADER);
    expect(v.channel.toBase58()).to.equal(sevens.toBase58());
    expect([v.cumulative, v.expiry]).to.deep.equal([1_234_567n, 0n]);
    expect(v.signer.toBase58()).to.equal(rustSigner.publicKey.toBase58());
    expect(verifies(v.signer, voucherMessage(v.channel, v.cumulative, v.expiry), v.signature)).to.equal(true);
    expect(encodeVoucherHeader(v)).to.equal(RUST_HEADER);
    // ed25519 is deterministic: the same key and message give the Rust client's header.
    const mine = await signVoucher(signMessageOf(rustSigner), {
      signer: rustSigner.publicKey,
      channel: sevens,
      cumulative: 1_234_567,
    });
    expect(encodeVoucherHeader(mine)).to.equal(RUST_HEADER);
    expect(decodeVoucherHeader(`  ${RUST_HEADER}\n`).cumulative).to.equal(1_234_567n);
  });

  it("refuses malformed headers with the field the Rust decoder names", () => {
    const f = RUST_HEADER.split(".");
    const refusal = (h: string) => {
      try {
        decodeVoucherHeader(h);
      } catch (e) {
        expect(e).to.be.instanceOf(VoucherHeaderError);
        return (e as VoucherHeaderError).field;
      }
      return "accepted";
    };
    const withField = (i: number, val: string) => refusal(f.map((x, j) => (j === i ? val : x)).join("."));
    expect(refusal("")).to.equal(null);
    expect(refusal(f.slice(0, 5).join("."))).to.equal(null);
    expect(withField(0, "v2")).to.equal(null);
    expect(withField(1, "nope")).to.equal("channel");
    expect(withField(2, "-1")).to.equal("cumulative amount");
    expect(withField(2, "1e3")).to.equal("cumulative amount");
    expect(withField(2, "18446744073709551616")).to.equal("cumulative amount");
    expect(withField(2, "18446744073709551615")).to.equal("accepted");
    expect(withField(3, "-5")).to.equal("expiry");
    expect(withField(3, "9223372036854775808")).to.equal("expiry");
    expect(withField(4, "0")).to.equal("signer");
    expect(withField(5, "xyz")).to.equal("signature");
  });

  it("lays the Ed25519 instruction out as settle requires (web3.js's layout, 162 bytes)", () => {
    const v = decodeVoucherHeader(RUST_HEADER);
    const ix = voucherSignatureInstruction(v);
    expect(ix.data.length).to.equal(162);
    expect(ix.keys).to.deep.equal([]);
    // [1 signature, padding 0], then signature 48, inline, public key 16, inline, message 112, 50 bytes, inline.
    expect(ix.data.subarray(0, 16).toString("hex")).to.equal("0100" + "3000ffff1000ffff70003200ffff");
    const web3 = Ed25519Program.createInstructionWithPublicKey({
      publicKey: v.signer.toBytes(),
      message: voucherMessage(v.channel, v.cumulative, v.expiry),
      signature: v.signature,
    });
    expect(ix.programId.toBase58()).to.equal(web3.programId.toBase58());
    expect(ix.data.equals(web3.data)).to.equal(true);
  });
});

describe("@tessera/sdk channels: PDAs, the PayerChannels decoder, errors", () => {
  it("derives the channel PDAs the IDL declares exactly as the generated core does", async () => {
    const [a, b] = [Keypair.generate().publicKey, Keypair.generate().publicKey];
    const gen = async (p: Promise<readonly [string, number]>) => new PublicKey((await p)[0]).toBase58();
    expect(channelsConfigAddress().toBase58()).to.equal(await gen(channelsClient.findConfigPda()));
    expect(payerChannelsAddress(a).toBase58()).to.equal(
      await gen(channelsClient.findPayerChannelsPda({ payer: a.toBase58() as Address })),
    );
    expect(channelVaultAddress(b).toBase58()).to.equal(
      await gen(channelsClient.findVaultPda({ channel: b.toBase58() as Address })),
    );
    // `["channel", payer, id u64 LE]` (the IDL leaves it to the instruction's args).
    const [expected] = PublicKey.findProgramAddressSync(
      [Buffer.from("channel"), a.toBuffer(), Buffer.from([7, 0, 0, 0, 0, 0, 0, 0])],
      new PublicKey(channelsIdlJson.address),
    );
    expect(channelAddress(a, 7).toBase58()).to.equal(expected.toBase58());
  });

  it("decodes PayerChannels (not in the IDL): Anchor's discriminator, last_channel_id at byte 40", () => {
    const disc = crypto.createHash("sha256").update("account:PayerChannels").digest().subarray(0, 8);
    expect(Array.from(disc)).to.deep.equal([...PAYER_CHANNELS_DISCRIMINATOR]);
    const payerKey = Keypair.generate().publicKey;
    const data = Buffer.alloc(49);
    disc.copy(data, 0);
    payerKey.toBuffer().copy(data, 8);
    data.writeBigUInt64LE(41n, 40);
    data[48] = 253;
    const d = decodePayerChannels(data);
    expect([d.payer.toBase58(), d.lastChannelId, d.bump]).to.deep.equal([payerKey.toBase58(), 41n, 253]);
    data[0] ^= 1;
    expect(() => decodePayerChannels(data)).to.throw(/discriminator/);
    expect(() => decodePayerChannels(data.subarray(0, 48))).to.throw(/49 bytes/);
  });

  it("passes the parents' split and vault pairs in the model's order; the mint writable for Token-2022 closes only", () => {
    const k = () => Keypair.generate().publicKey;
    const c: ChannelRef = { payer: k(), payee: k(), authorizedSigner: k(), model: k(), modelSplit: k(), mint: k(), vault: k() };
    const [p1, p2] = [k(), k()];
    const model = { parents: [{ split: p1 }, { split: p2 }] };
    const token2022 = new PublicKey("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
    const accounts = (tokenProgram: PublicKey) => ({ payeeTokenAccount: k(), treasuryTokenAccount: k(), tokenProgram });
    const v: Voucher = { channel: k(), cumulative: 5n, expiry: 0n, signer: c.authorizedSigner, signature: new Uint8Array(64) };
    const mintWritable = (ix: TransactionInstruction) => ix.keys.find((m) => m.pubkey.equals(c.mint))!.isWritable;
    for (const tokenProgram of [TOKEN_PROGRAM_ID, token2022]) {
      const [ed, settle] = settlePairInstructions(c, model, accounts(tokenProgram), v);
      expect(ed.data.length).to.equal(162);
      expect(settle.keys.slice(-4).map((m) => [m.pubkey.toBase58(), m.isWritable])).to.deep.equal(
        [p1, vaultAddress(p1), p2, vaultAddress(p2)].map((x) => [x.toBase58(), true]),
      );
      expect(mintWritable(settle)).to.equal(false); // a settle never closes the vault
      const close = settleAndCloseInstructions(v.channel, c, model, accounts(tokenProgram), k(), null);
      expect(close.length).to.equal(1);
      expect(close[0].keys.slice(-4).map((m) => m.pubkey.toBase58())).to.deep.equal(
        [p1, vaultAddress(p1), p2, vaultAddress(p2)].map((x) => x.toBase58()),
      );
      const is2022 = tokenProgram.equals(token2022);
      expect(mintWritable(close[0])).to.equal(is2022);
      expect(mintWritable(finalizeCloseInstruction(k(), v.channel, c, tokenProgram))).to.equal(is2022);
    }
  });

  it("names every channels error with its IDL code and message", () => {
    expect(PROGRAM_ERRORS.channels.size).to.equal(channelsIdlJson.errors.length);
    for (const e of channelsIdlJson.errors) {
      expect(PROGRAM_ERRORS.channels.get(e.code)).to.deep.equal({ name: e.name, message: e.msg });
      expect(errorCode("channels", e.name)).to.equal(e.code);
    }
  });
});

describe("tessera-channels", () => {
  const ROYALTY_BPS = 2_000; // the model's inference royalty
  const PARENT_BPS = 3_000; // the dataset's share of it
  const GRACE_2 = 12; // channel 2's close grace, s

  let w: World;
  let publisher: Keypair;
  let payee: Keypair; // the provider's authority
  let alice: Keypair; // the payer
  let session: Keypair; // alice's session key: signs the vouchers, holds nothing
  let stranger: Keypair;
  let dataset: Published;
  let model: Published;
  let aliceUsdc: PublicKey;
  let payeeUsdc: PublicKey;
  let ch1: PublicKey;
  let ch2: PublicKey;
  let ch2Data: ChannelRef;

  before(async () => {
    w = await world();
    [publisher, payee, alice, stranger] = await newFundedKeypairs(4, 2);
    session = Keypair.generate();
    const recipients = [{ address: publisher.publicKey, bps: 10_000 }];
    dataset = await publish(w, publisher, { kind: "dataset", price: USDC, recipients });
    model = await publish(w, publisher, {
      kind: "model",
      price: USDC,
      inferenceRoyaltyBps: ROYALTY_BPS,
      parents: [{ asset: dataset.asset, bps: PARENT_BPS }],
      recipients,
    });
    await send(
      registerProviderInstruction(payee.publicKey, w.usdc, TOKEN_PROGRAM_ID, {
        endpoint: "https://inference.example/v1",
        models: [model.asset],
      }),
      [payee],
    );
    aliceUsdc = await mintUsdc(w, alice.publicKey, 10 * USDC);
    payeeUsdc = sdkAtaAddress(w.usdc, payee.publicKey, TOKEN_PROGRAM_ID);
  });

  const sign = (channel: PublicKey, cumulative: number, by: Keypair = session) =>
    signVoucher(signMessageOf(by), { signer: by.publicKey, channel, cumulative });

  /** The balances a settlement moves. */
  const balances = async () => ({
    payee: (await accountExists(payeeUsdc)) ? await tokenBalance(payeeUsdc) : 0n,
    treasury: await tokenBalance(w.treasuryUsdc),
    modelSplit: await tokenBalance(model.splitVault),
    parentSplit: await tokenBalance(dataset.splitVault),
    alice: await tokenBalance(aliceUsdc),
  });
  type Balances = Awaited<ReturnType<typeof balances>>;
  const delta = (a: Balances, b: Balances) => ({
    payee: b.payee - a.payee,
    treasury: b.treasury - a.treasury,
    modelSplit: b.modelSplit - a.modelSplit,
    parentSplit: b.parentSplit - a.parentSplit,
    alice: b.alice - a.alice,
  });
  /** The lineage rule of `amount` (tessera_common::lineage::inference_split), one parent. */
  const split = (amount: bigint) => {
    const treasury = bpsOf(amount, CHANNELS_FEE_BPS);
    const royalty = bpsOf(amount, ROYALTY_BPS);
    const parentSplit = bpsOf(royalty, PARENT_BPS);
    return { payee: amount - treasury - royalty, treasury, modelSplit: royalty - parentSplit, parentSplit, alice: 0n };
  };
  const sum = (a: ReturnType<typeof split>, b: ReturnType<typeof split>) => ({
    payee: a.payee + b.payee,
    treasury: a.treasury + b.treasury,
    modelSplit: a.modelSplit + b.modelSplit,
    parentSplit: a.parentSplit + b.parentSplit,
    alice: 0n,
  });

  it("open_channel: the payer's first id, a session key signs; ChannelOpened", async () => {
    expect(await fetchPayerChannels(connection, alice.publicKey)).to.equal(null);
    expect(await nextChannelId(connection, alice.publicKey)).to.equal(1n);
    const opened = await openChannelFlow(connection, {
      payer: alice.publicKey,
      model: model.asset,
      deposit: 2 * USDC,
      authorizedSigner: session.publicKey,
      closeGrace: 60,
    });
    // The payee is the first provider serving the model (only ours); alice's account exists.
    expect(opened.channelId).to.equal(1n);
    expect(opened.instructions.length).to.equal(1);
    ch1 = opened.channel;
    expect(ch1.toBase58()).to.equal(channelAddress(alice.publicKey, 1).toBase58());
    expect(opened.vault.toBase58()).to.equal(channelVaultAddress(ch1).toBase58());
    const sig = await send(opened.instructions, [alice]);

    const c = await fetchChannel(connection, ch1);
    expect(c.payer.toBase58()).to.equal(alice.publicKey.toBase58());
    expect(c.payee.toBase58()).to.equal(payee.publicKey.toBase58());
    expect(c.authorizedSigner.toBase58()).to.equal(session.publicKey.toBase58());
    expect(c.modelSplit.toBase58()).to.equal(model.split.toBase58());
    expect([c.channelId, c.deposit, c.settled, c.closeRequestedAt]).to.deep.equal([1n, 2_000_000n, 0n, 0n]);
    expect([c.feeBps, c.royaltyBps, c.closeGrace]).to.deep.equal([CHANNELS_FEE_BPS, ROYALTY_BPS, 60]);
    expect(await tokenBalance(opened.vault)).to.equal(2_000_000n);
    expect(await tokenBalance(aliceUsdc)).to.equal(8_000_000n);
    expect((await fetchPayerChannels(connection, alice.publicKey))?.lastChannelId).to.equal(1n);
    expect(await nextChannelId(connection, alice.publicKey)).to.equal(2n);

    const ev = await eventOf(channels, sig, "channelOpened");
    expect(ev.channel.toBase58()).to.equal(ch1.toBase58());
    expect(ev.deposit.toString()).to.equal("2000000");
  });

  it("top_up: the deposit grows by what the vault received; ChannelToppedUp", async () => {
    const { instructions } = await topUpFlow(connection, ch1, USDC);
    const sig = await send(instructions, [alice]);
    expect((await fetchChannel(connection, ch1)).deposit).to.equal(3_000_000n);
    expect(await tokenBalance(channelVaultAddress(ch1))).to.equal(3_000_000n);
    const ev = await eventOf(channels, sig, "channelToppedUp");
    expect([ev.amount.toString(), ev.received.toString(), ev.deposit.toString()]).to.deep.equal(["1000000", "1000000", "3000000"]);
  });

  it("settle: a voucher signed here pays the treasury, the parent's split, the model's split and the payee exactly", async () => {
    const before = await balances();
    const v = await sign(ch1, 1_000_000);
    const { instructions } = await settleInstructions(connection, payer.publicKey, [v]);
    // The payee's associated account is created first; then the pair [ed25519, settle].
    expect(instructions.length).to.equal(3);
    expect(instructions[1].programId.toBase58()).to.equal("Ed25519SigVerify111111111111111111111111111");
    const sig = await send(instructions);
    const expected = split(1_000_000n);
    expect(expected).to.deep.equal({ payee: 785_000n, treasury: 15_000n, modelSplit: 140_000n, parentSplit: 60_000n, alice: 0n });
    expect(delta(before, await balances())).to.deep.equal(expected);
    const c = await fetchChannel(connection, ch1);
    expect([c.settled, c.deposit]).to.deep.equal([1_000_000n, 3_000_000n]);
    expect(await tokenBalance(channelVaultAddress(ch1))).to.equal(2_000_000n);

    const ev = await eventOf(channels, sig, "channelSettled");
    expect(ev.amount.toString()).to.equal("1000000");
    expect(ev.toParents.map((x: { toString(): string }) => x.toString())).to.deep.equal(["60000"]);
    expect([ev.toTreasury, ev.toModelSplit, ev.toPayee, ev.remaining].map(String)).to.deep.equal([
      "15000",
      "140000",
      "785000",
      "2000000",
    ]);
  });

  it("two settles of two channels in one transaction", async () => {
    expect(await nextChannelId(connection, alice.publicKey)).to.equal(2n);
    const opened = await openChannelFlow(connection, {
      payer: alice.publicKey,
      model: model.asset,
      payee: payee.publicKey,
      deposit: USDC,
      authorizedSigner: session.publicKey,
      closeGrace: GRACE_2,
    });
    expect(opened.channelId).to.equal(2n);
    ch2 = opened.channel;
    await send(opened.instructions, [alice]);
    ch2Data = await fetchChannel(connection, ch2);

    const before = await balances();
    const vouchers = [await sign(ch1, 1_200_000), await sign(ch2, 500_000)];
    const { instructions } = await settleInstructions(connection, payer.publicKey, vouchers);
    expect(instructions.map((i) => i.programId.toBase58().slice(0, 8))).to.deep.equal([
      "Ed25519S",
      channels.programId.toBase58().slice(0, 8),
      "Ed25519S",
      channels.programId.toBase58().slice(0, 8),
    ]);
    const sig = await send(instructions);
    expect(delta(before, await balances())).to.deep.equal(sum(split(200_000n), split(500_000n)));
    expect((await fetchChannel(connection, ch1)).settled).to.equal(1_200_000n);
    expect((await fetchChannel(connection, ch2)).settled).to.equal(500_000n);
    const settled = (await eventsOf(channels, sig)).filter((e) => e.name === "channelSettled");
    expect(settled.map((e) => [e.data.channel.toBase58(), e.data.amount.toString()])).to.deep.equal([
      [ch1.toBase58(), "200000"],
      [ch2.toBase58(), "500000"],
    ]);
  });

  /** The [ed25519, settle] pair of a voucher, built from the channel as read now. */
  const pair = async (v: Voucher, c?: ChannelRef): Promise<TransactionInstruction[]> => {
    const channel = c ?? (await fetchChannel(connection, v.channel));
    return settlePairInstructions(channel, { parents: [{ split: dataset.split }] }, {
      payeeTokenAccount: payeeUsdc,
      treasuryTokenAccount: w.treasuryUsdc,
      tokenProgram: TOKEN_PROGRAM_ID,
    }, v);
  };

  it("refuses a cumulative not above the settled one (VoucherNotIncreasing)", async () => {
    await expectAnchorError(send(await pair(await sign(ch1, 1_200_000))), "VoucherNotIncreasing", "channels");
    await expectAnchorError(send(await pair(await sign(ch1, 1_000_000))), "VoucherNotIncreasing", "channels");
    expect((await fetchChannel(connection, ch1)).settled).to.equal(1_200_000n);
  });

  it("refuses a voucher signed by another key than the authorized signer (VoucherSignerMismatch)", async () => {
    // A valid signature (the Ed25519 program accepts it), but not by the channel's session key.
    await expectAnchorError(send(await pair(await sign(ch1, 1_600_000, stranger))), "VoucherSignerMismatch", "channels");
    // Not by the payer either: only the authorized signer pays.
    await expectAnchorError(send(await pair(await sign(ch1, 1_600_000, alice))), "VoucherSignerMismatch", "channels");
    expect((await fetchChannel(connection, ch1)).settled).to.equal(1_200_000n);
  });

  it("request_close, then top_up refused (CloseRequested) and finalize refused before the grace (CloseGraceNotOver)", async () => {
    const { instructions } = await requestCloseFlow(connection, ch2);
    const sig = await send(instructions, [alice]);
    const c = await fetchChannel(connection, ch2);
    expect(c.closeRequestedAt > 0n).to.equal(true);
    const ev = await eventOf(channels, sig, "channelCloseRequested");
    expect(ev.graceEndsAt.toString()).to.equal((c.closeRequestedAt + BigInt(GRACE_2)).toString());

    await expectAnchorError(send((await topUpFlow(connection, ch2, 1)).instructions, [alice]), "CloseRequested", "channels");
    const finalize = await finalizeCloseFlow(connection, stranger.publicKey, ch2);
    await expectAnchorError(send(finalize.instructions, [stranger]), "CloseGraceNotOver", "channels");
    expect(await accountExists(ch2)).to.equal(true);
  });

  it("settle_and_close by the payee: a final voucher settled, the rest back to the payer, the channel closed", async () => {
    const before = await balances();
    const v = await sign(ch1, 2_000_000);
    const { instructions } = await settleAndCloseFlow(connection, ch1, v);
    expect(instructions.length).to.equal(2); // every associated account exists: [ed25519, settle_and_close]
    const sig = await send(instructions, [payee]);
    // 0.8 settled by the lineage rule; the unspent 1.0 of the 3.0 deposit back to alice.
    expect(delta(before, await balances())).to.deep.equal({ ...split(800_000n), alice: 1_000_000n });
    expect(await accountExists(ch1)).to.equal(false);
    expect(await accountExists(channelVaultAddress(ch1))).to.equal(false);
    const closed = await eventOf(channels, sig, "channelClosed");
    expect([closed.settled, closed.refund, closed.surplus].map(String)).to.deep.equal(["2000000", "1000000", "0"]);
    expect(closed.by.toBase58()).to.equal(payee.publicKey.toBase58());
  });

  it("finalize_close after the grace (anyone): the unspent deposit back; a settle afterwards finds no channel", async () => {
    const c = await fetchChannel(connection, ch2);
    await waitForClock(Number(c.closeRequestedAt) + GRACE_2);
    expect(await clockNow()).to.be.at.least(Number(c.closeRequestedAt) + GRACE_2);
    const before = await balances();
    const { instructions } = await finalizeCloseFlow(connection, stranger.publicKey, ch2);
    const sig = await send(instructions, [stranger]);
    expect(delta(before, await balances()).alice).to.equal(500_000n);
    expect(await accountExists(ch2)).to.equal(false);
    const closed = await eventOf(channels, sig, "channelClosed");
    expect([closed.refund.toString(), closed.by.toBase58()]).to.deep.equal(["500000", stranger.publicKey.toBase58()]);
    // The channel's address is never opened again (alice's next id is 3), and its vouchers settle nothing.
    expect(await nextChannelId(connection, alice.publicKey)).to.equal(3n);
    await expectAnchorError(send(await pair(await sign(ch2, 900_000), ch2Data)), "AccountNotInitialized", "channels");
  });
});
