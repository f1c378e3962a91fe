// Payment channels (programs/tessera-channels): vouchers, their header, and the channel flows, as
// the Rust client builds them (client/src/channel.rs, client/src/ix/channels.rs). Same two layers
// as flows.ts:
//   - instruction builders (`…Instruction`, `…Instructions`): synchronous, encoded by the
//     generated core (`channelsClient`), every account derived from the SDK's PDAs; remaining
//     accounts (each parent's split and split vault, in the model's order) appended as the
//     program reads them; the mint writable for Token-2022 where a vault may close;
//   - flows (`…Flow`, and `settleInstructions`): async, read what they need from the chain and
//     prepend the creation of any missing associated token account. Each resolves with
//     `{ instructions: TransactionInstruction[], … }`, the convention of flows.ts.
// Nothing here sends; the wallet (or `sendFlow`) signs.
//
// # A voucher
//
// The channel's authorized signer (the payer or a session key) signs, with ed25519, 50 bytes:
// `0x56 0x01` ‖ the channel's address (32) ‖ the cumulative amount (u64 LE, base units) ‖ the
// expiry (i64 LE unix seconds, 0 = none) — programs/tessera-channels/src/voucher.rs, the layout
// of the Solana Foundation payment-channels program. A browser wallet's `signMessage` over these
// bytes gives the signature (`signVoucher`).
//
// # The header (`X-Tessera-Voucher`)
//
// `v1.<channel>.<cumulative>.<expiry>.<signer>.<signature>`: base58 addresses, decimal integers,
// the base58 signature — byte for byte the Rust client's `Voucher::encode` / `Voucher::decode`,
// which the metered gate (`tessera serve`) reads.
//
// # Settling
//
// `settle` reads the instruction just before it through the instructions sysvar: the Ed25519
// program's, verifying exactly one inline signature in the canonical layout (162 bytes: public key
// at 16, signature at 48, message at 112, 50 bytes of message, every instruction index u16::MAX).
// `voucherSignatureInstruction` lays those bytes out itself. A settle is the pair
// `[ed25519, settle]`; several pairs fit in one transaction; anything else (an account creation)
// goes before the first pair.

import { getBase58Decoder, getBase58Encoder } from "@solana/kit";
import { type Connection, PublicKey, TransactionInstruction } from "@solana/web3.js";

import * as ch from "./generated/channels";
import * as esc from "./generated/escrow";
import {
  type AssetRef,
  type U64,
  addr,
  big,
  cpiEvents,
  ensureAta,
  fetchAsset,
  key,
  readAccount,
  royaltiesCpi,
  signer,
  toWeb3Instruction,
  withWritableMint,
} from "./flows";
import { type PayerChannels, decodePayerChannels, tokenProgramOf } from "./accounts";
import {
  accessMintAddress,
  ataAddress,
  channelAddress,
  channelVaultAddress,
  channelsConfigAddress,
  modelProvidersAddress,
  passAddress,
  payerChannelsAddress,
  programDataAddress,
  providerAddress,
  vaultAddress,
} from "./pda";
import {
  CHANNELS_PROGRAM_ID,
  ESCROW_PROGRAM_ID,
  REGISTRY_PROGRAM_ID,
  SYSTEM_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from "./programs";

// ---------------------------------------------------------------------------------------------
// Vouchers

/** First two bytes of a voucher message. */
export const VOUCHER_MAGIC = [0x56, 0x01] as const;
/** Length of a voucher message. */
export const VOUCHER_LEN = 50;
/** The request header that carries a voucher. */
export const VOUCHER_HEADER = "x-tessera-voucher";
/** The first field of an encoded voucher. */
export const VOUCHER_VERSION = "v1";
/** The close grace a channel gets when none is asked for (clamped to the config's bounds): a day. */
export const DEFAULT_CLOSE_GRACE = 24 * 3_600;

/** The Ed25519 signature verification program. */
export const ED25519_PROGRAM_ID = new PublicKey("Ed25519SigVerify111111111111111111111111111");
/** The instructions sysvar, through which `settle` reads the Ed25519 instruction. */
export const INSTRUCTIONS_SYSVAR_ID = new PublicKey("Sysvar1nstructions1111111111111111111111111");
/** Where a canonical one-signature Ed25519 instruction puts the public key, signature and message. */
export const ED25519_PUBKEY_OFFSET = 16;
export const ED25519_SIGNATURE_OFFSET = 48;
export const ED25519_MESSAGE_OFFSET = 112;
/** The data length of the Ed25519 instruction `settle` accepts: 16 + 32 + 64 + 50. */
export const ED25519_VOUCHER_IX_LEN = ED25519_MESSAGE_OFFSET + VOUCHER_LEN;
/** "This same instruction": the instruction index of inline data. */
const ED25519_INLINE = 0xffff;

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function u64(v: U64, what: string): bigint {
  const b = big(v);
  if (b < 0n || b > U64_MAX) throw new RangeError(`${what} ${b} is not a u64`);
  return b;
}

function i64(v: U64, what: string): bigint {
  const b = big(v);
  if (b < I64_MIN || b > I64_MAX) throw new RangeError(`${what} ${b} is not an i64`);
  return b;
}

/**
 * The 50-byte voucher message for `cumulative` base units through `channel`, valid until `expiry`
 * (unix seconds; 0 = none): `tessera_channels::voucher::voucher_message`.
 */
export function voucherMessage(channel: PublicKey, cumulative: U64, expiry: U64 = 0): Uint8Array {
  const m = new Uint8Array(VOUCHER_LEN);
  m.set(VOUCHER_MAGIC, 0);
  m.set(channel.toBytes(), 2);
  const view = new DataView(m.buffer);
  view.setBigUint64(34, u64(cumulative, "cumulative amount"), true);
  view.setBigInt64(42, i64(expiry, "expiry"), true);
  return m;
}

/** A signed voucher: `signer` pays `cumulative` base units in total through `channel` until `expiry` (0 = none). */
export interface Voucher {
  channel: PublicKey;
  cumulative: bigint;
  expiry: bigint;
  signer: PublicKey;
  /** The ed25519 signature (64 bytes) of `voucherMessage(channel, cumulative, expiry)` by `signer`. */
  signature: Uint8Array;
}

/** A wallet-adapter style message signer: resolves with the 64-byte ed25519 signature of `message`. */
export type SignMessage = (message: Uint8Array) => Promise<Uint8Array>;

/**
 * Signs the voucher for `cumulative` base units through `channel` with a wallet's `signMessage`
 * (`signer`: the wallet's public key, which must be the channel's authorized signer).
 */
export async function signVoucher(
  signMessage: SignMessage,
  v: { signer: PublicKey; channel: PublicKey; cumulative: U64; expiry?: U64 },
): Promise<Voucher> {
  const cumulative = u64(v.cumulative, "cumulative amount");
  const expiry = i64(v.expiry ?? 0, "expiry");
  const signature = Uint8Array.from(await signMessage(voucherMessage(v.channel, cumulative, expiry)));
  if (signature.length !== 64) throw new Error(`signMessage returned ${signature.length} bytes, not a 64-byte ed25519 signature`);
  return { channel: v.channel, cumulative, expiry, signer: v.signer, signature };
}

/** Why a voucher header does not decode: `field` is null for the format, else the field named as Rust names it. */
export class VoucherHeaderError extends Error {
  constructor(readonly field: "channel" | "cumulative amount" | "expiry" | "signer" | "signature" | null) {
    super(
      field === null
        ? "a voucher is `v1.<channel>.<cumulative>.<expiry>.<signer>.<signature>`"
        : `the voucher's ${field} is not valid`,
    );
    this.name = "VoucherHeaderError";
  }
}

const base58 = { encode: (b: Uint8Array) => getBase58Decoder().decode(b), decode: (s: string) => getBase58Encoder().encode(s) };

/** The `X-Tessera-Voucher` header value of a voucher (the Rust `Voucher::encode`). */
export function encodeVoucherHeader(v: Voucher): string {
  if (v.signature.length !== 64) throw new RangeError("a voucher signature has 64 bytes");
  return [
    VOUCHER_VERSION,
    v.channel.toBase58(),
    u64(v.cumulative, "cumulative amount").toString(),
    i64(v.expiry, "expiry").toString(),
    v.signer.toBase58(),
    base58.encode(v.signature),
  ].join(".");
}

/**
 * Parses an `X-Tessera-Voucher` header value with the Rust `Voucher::decode`'s rules (decimal
 * digits only, at most 20, within u64 / i64; base58 keys of 32 bytes, a signature of 64); throws
 * `VoucherHeaderError`. The signature is not verified here.
 */
export function decodeVoucherHeader(header: string): Voucher {
  const fields = header.trim().split(".");
  if (fields.length !== 6 || fields[0] !== VOUCHER_VERSION) throw new VoucherHeaderError(null);
  const [, channel, cumulative, expiry, signerText, signatureText] = fields;
  const digits = (s: string) => /^[0-9]{1,20}$/.test(s);
  if (!digits(cumulative)) throw new VoucherHeaderError("cumulative amount");
  if (!digits(expiry)) throw new VoucherHeaderError("expiry");
  let signature: Uint8Array;
  try {
    signature = Uint8Array.from(base58.decode(signatureText));
  } catch {
    throw new VoucherHeaderError("signature");
  }
  if (signature.length !== 64 || signatureText.length > 88) throw new VoucherHeaderError("signature");
  const pubkey = (text: string, field: "channel" | "signer") => {
    if (text.length > 44) throw new VoucherHeaderError(field);
    try {
      return new PublicKey(text);
    } catch {
      throw new VoucherHeaderError(field);
    }
  };
  const channelKey = pubkey(channel, "channel");
  const c = BigInt(cumulative);
  if (c > U64_MAX) throw new VoucherHeaderError("cumulative amount");
  const e = BigInt(expiry);
  if (e > I64_MAX) throw new VoucherHeaderError("expiry");
  return { channel: channelKey, cumulative: c, expiry: e, signer: pubkey(signerText, "signer"), signature };
}

/**
 * The Ed25519 program instruction verifying `signature` by `signer` of the voucher, in the one
 * layout `settle` accepts: one signature, padding 0, the canonical offsets, the data inline
 * (every instruction index u16::MAX), 162 bytes. (The same bytes as `solana-ed25519-program`'s
 * `new_ed25519_instruction_with_signature`, which the Rust client uses.)
 */
export function voucherSignatureInstruction(v: Voucher): TransactionInstruction {
  if (v.signature.length !== 64) throw new RangeError("a voucher signature has 64 bytes");
  const data = new Uint8Array(ED25519_VOUCHER_IX_LEN);
  const view = new DataView(data.buffer);
  data[0] = 1; // number of signatures
  data[1] = 0; // padding
  const offsets = [
    ED25519_SIGNATURE_OFFSET,
    ED25519_INLINE,
    ED25519_PUBKEY_OFFSET,
    ED25519_INLINE,
    ED25519_MESSAGE_OFFSET,
    VOUCHER_LEN,
    ED25519_INLINE,
  ];
  offsets.forEach((o, i) => view.setUint16(2 + 2 * i, o, true));
  data.set(v.signer.toBytes(), ED25519_PUBKEY_OFFSET);
  data.set(v.signature, ED25519_SIGNATURE_OFFSET);
  data.set(voucherMessage(v.channel, v.cumulative, v.expiry), ED25519_MESSAGE_OFFSET);
  return new TransactionInstruction({ programId: ED25519_PROGRAM_ID, keys: [], data: Buffer.from(data) });
}

// ---------------------------------------------------------------------------------------------
// Accounts

/** A channel's fields that its instructions need (what `fetchChannel` returns has them). */
export interface ChannelRef {
  payer: PublicKey;
  payee: PublicKey;
  authorizedSigner: PublicKey;
  model: PublicKey;
  modelSplit: PublicKey;
  mint: PublicKey;
  vault: PublicKey;
}

/** A channel (decoded by the generated core; keys as PublicKeys, amounts as bigints). */
export async function fetchChannel(connection: Connection, channel: PublicKey) {
  const c = await readAccount(connection, channel, "channel", (d) => ch.getChannelDecoder().decode(d));
  return {
    ...c,
    payer: key(c.payer),
    payee: key(c.payee),
    provider: key(c.provider),
    authorizedSigner: key(c.authorizedSigner),
    model: key(c.model),
    modelSplit: key(c.modelSplit),
    mint: key(c.mint),
    vault: key(c.vault),
  };
}

/** The deposit not yet settled (what the payer gets back at the close). */
export const channelRemaining = (c: { deposit: bigint; settled: bigint }) => c.deposit - c.settled;

/** When a finalize becomes possible (unix seconds), or null when no close was requested. */
export const graceEndsAt = (c: { closeRequestedAt: bigint; closeGrace: number }) =>
  c.closeRequestedAt === 0n ? null : c.closeRequestedAt + BigInt(c.closeGrace);

/** The channels config: treasury, fee, close grace bounds, pause. */
export async function fetchChannelsConfig(connection: Connection) {
  const c = await readAccount(connection, channelsConfigAddress(), "channels config", (d) =>
    ch.getChannelsConfigDecoder().decode(d),
  );
  return {
    ...c,
    admin: key(c.admin),
    pendingAdmin: c.pendingAdmin.__option === "Some" ? key(c.pendingAdmin.value) : null,
    treasury: key(c.treasury),
  };
}

/** A payer's channel counter, or null when it has opened no channel yet. */
export async function fetchPayerChannels(connection: Connection, payer: PublicKey): Promise<PayerChannels | null> {
  const info = await connection.getAccountInfo(payerChannelsAddress(payer), "confirmed");
  // A system account (lamports sent to the address) is no counter: the program creates it.
  if (!info || !info.owner.equals(CHANNELS_PROGRAM_ID)) return null;
  return decodePayerChannels(new Uint8Array(info.data));
}

/**
 * The id `payer`'s next channel must have: its counter's last id + 1, or 1 when it has opened
 * none (the program refuses any other: `ChannelIdNotNext`).
 */
export async function nextChannelId(connection: Connection, payer: PublicKey): Promise<bigint> {
  const last = (await fetchPayerChannels(connection, payer))?.lastChannelId ?? 0n;
  if (last === U64_MAX) throw new Error(`payer ${payer.toBase58()} has no channel id left`);
  return last + 1n;
}

/** Channels filtered by the RPC node on payer, payee and model (`Channel` offsets 8, 40, 136). */
export async function listChannels(
  connection: Connection,
  filter: { payer?: PublicKey; payee?: PublicKey; model?: PublicKey } = {},
) {
  const memcmp = (offset: number, k: PublicKey) => ({ memcmp: { offset, bytes: k.toBase58() } });
  const filters = [
    { memcmp: { offset: 0, bytes: base58.encode(Uint8Array.from(ch.CHANNEL_DISCRIMINATOR)) } },
    ...(filter.payer ? [memcmp(8, filter.payer)] : []),
    ...(filter.payee ? [memcmp(40, filter.payee)] : []),
    ...(filter.model ? [memcmp(136, filter.model)] : []),
  ];
  const found = await connection.getProgramAccounts(CHANNELS_PROGRAM_ID, { commitment: "confirmed", filters });
  return found.map(({ pubkey, account }) => {
    const c = ch.getChannelDecoder().decode(new Uint8Array(account.data));
    return {
      address: pubkey,
      channel: {
        ...c,
        payer: key(c.payer),
        payee: key(c.payee),
        provider: key(c.provider),
        authorizedSigner: key(c.authorizedSigner),
        model: key(c.model),
        modelSplit: key(c.modelSplit),
        mint: key(c.mint),
        vault: key(c.vault),
      },
    };
  });
}

/**
 * The authorities of the providers registered for `model`, by address. Providers list their
 * models in a variable-length field, which memcmp cannot reach: fetched by discriminator and
 * filtered here (the Rust client's `providers_serving`).
 */
export async function providersServing(connection: Connection, model: PublicKey): Promise<PublicKey[]> {
  const found = await connection.getProgramAccounts(ESCROW_PROGRAM_ID, {
    commitment: "confirmed",
    filters: [{ memcmp: { offset: 0, bytes: base58.encode(Uint8Array.from(esc.PROVIDER_DISCRIMINATOR)) } }],
  });
  const m = model.toBase58();
  return found
    .map(({ pubkey, account }) => ({ pubkey, p: esc.getProviderDecoder().decode(new Uint8Array(account.data)) }))
    .filter(({ p }) => p.models.some((x) => x === m))
    .sort((a, b) => a.pubkey.toBase58().localeCompare(b.pubkey.toBase58()))
    .map(({ p }) => key(p.authority));
}

// ---------------------------------------------------------------------------------------------
// Config (deploy and admin)

const channelsEvents = () => cpiEvents(CHANNELS_PROGRAM_ID);

/** The channels program's settings (`InitializeConfigArgs`). */
export interface ChannelsSettings {
  admin: PublicKey;
  treasury: PublicKey;
  /** Protocol fee on settled amounts, ≤ 1,000 bps. */
  feeBps: number;
  /** Bounds of a channel's close grace, seconds: 0 < min ≤ max ≤ 30 days. */
  minCloseGrace: number;
  maxCloseGrace: number;
}

/** `initialize_config` of the channels program, signed by its upgrade authority. */
export function initializeChannelsConfigInstruction(upgradeAuthority: PublicKey, s: ChannelsSettings) {
  return toWeb3Instruction(
    ch.getInitializeConfigInstruction({
      upgradeAuthority: signer(upgradeAuthority),
      config: addr(channelsConfigAddress()),
      programData: addr(programDataAddress(CHANNELS_PROGRAM_ID)),
      systemProgram: addr(SYSTEM_PROGRAM_ID),
      ...channelsEvents(),
      admin: addr(s.admin),
      treasury: addr(s.treasury),
      feeBps: s.feeBps,
      minCloseGrace: s.minCloseGrace,
      maxCloseGrace: s.maxCloseGrace,
    }),
  );
}

/** `update_config` of the channels program, signed by the admin; a field left out (or null) is kept. */
export function updateChannelsConfigInstruction(
  admin: PublicKey,
  change: {
    treasury?: PublicKey | null;
    feeBps?: number | null;
    minCloseGrace?: number | null;
    maxCloseGrace?: number | null;
    paused?: boolean | null;
  },
) {
  return toWeb3Instruction(
    ch.getUpdateConfigInstruction({
      admin: signer(admin),
      config: addr(channelsConfigAddress()),
      ...channelsEvents(),
      treasury: change.treasury ? addr(change.treasury) : null,
      feeBps: change.feeBps ?? null,
      minCloseGrace: change.minCloseGrace ?? null,
      maxCloseGrace: change.maxCloseGrace ?? null,
      paused: change.paused ?? null,
    }),
  );
}

/** `propose_admin` of the channels program (`newAdmin` takes over when it signs `accept_admin`). */
export function proposeChannelsAdminInstruction(admin: PublicKey, newAdmin: PublicKey) {
  return toWeb3Instruction(
    ch.getProposeAdminInstruction({
      admin: signer(admin),
      config: addr(channelsConfigAddress()),
      ...channelsEvents(),
      newAdmin: addr(newAdmin),
    }),
  );
}

/** `accept_admin` of the channels program, signed by the proposed admin. */
export function acceptChannelsAdminInstruction(newAdmin: PublicKey) {
  return toWeb3Instruction(
    ch.getAcceptAdminInstruction({ newAdmin: signer(newAdmin), config: addr(channelsConfigAddress()), ...channelsEvents() }),
  );
}

// ---------------------------------------------------------------------------------------------
// Open, top up, close

export interface OpenChannelArgs {
  /** The payer's next channel id (`nextChannelId`). */
  channelId: U64;
  /** Base units of the model's payment mint (> 0). */
  deposit: U64;
  /** Signs the vouchers: the payer or a session key. */
  authorizedSigner: PublicKey;
  /** Seconds, within the config's bounds. */
  closeGrace: number;
}

/**
 * `open_channel`, signed by the payer; `payee` is the provider's authority (its escrow `Provider`
 * is derived); an access-gated model also gets the payer's pass and access-token account.
 */
export function openChannelInstruction(p: {
  payer: PublicKey;
  model: PublicKey;
  payee: PublicKey;
  mint: PublicKey;
  tokenProgram: PublicKey;
  gated: boolean;
  /** The deposit's source (default: the payer's associated token account). */
  payerTokenAccount?: PublicKey;
  args: OpenChannelArgs;
}) {
  const channel = channelAddress(p.payer, big(p.args.channelId));
  const vault = channelVaultAddress(channel);
  const instruction = toWeb3Instruction(
    ch.getOpenChannelInstruction({
      config: addr(channelsConfigAddress()),
      payer: signer(p.payer),
      payerChannels: addr(payerChannelsAddress(p.payer)),
      model: addr(p.model),
      provider: addr(providerAddress(p.payee)),
      modelProviders: addr(modelProvidersAddress(p.model)),
      channel: addr(channel),
      vault: addr(vault),
      mint: addr(p.mint),
      payerTokenAccount: addr(p.payerTokenAccount ?? ataAddress(p.mint, p.payer, p.tokenProgram)),
      pass: p.gated ? addr(passAddress(p.model, p.payer)) : undefined,
      payerAccessAccount: p.gated ? addr(ataAddress(accessMintAddress(p.model), p.payer, TOKEN_PROGRAM_ID)) : undefined,
      registryProgram: addr(REGISTRY_PROGRAM_ID),
      tokenProgram: addr(p.tokenProgram),
      systemProgram: addr(SYSTEM_PROGRAM_ID),
      ...channelsEvents(),
      channelId: big(p.args.channelId),
      deposit: big(p.args.deposit),
      authorizedSigner: addr(p.args.authorizedSigner),
      closeGrace: p.args.closeGrace,
    }),
  );
  return { channel, vault, instruction };
}

/**
 * open_channel from the payer's associated token account of the model's payment mint (created
 * first if missing), with the payer's next channel id (default), the first provider serving the
 * model (default payee), the payer as authorized signer (default) and a day's close grace within
 * the config's bounds (default) — the Rust client's `open_channel`.
 */
export async function openChannelFlow(
  connection: Connection,
  p: {
    payer: PublicKey;
    model: PublicKey;
    deposit: U64;
    /** The provider's authority; default: the first provider (by address) serving the model. */
    payee?: PublicKey;
    authorizedSigner?: PublicKey;
    closeGrace?: number;
    channelId?: U64;
    asset?: Pick<AssetRef, "paymentMint" | "inferenceGated">;
  },
) {
  const asset = p.asset ?? (await fetchAsset(connection, p.model));
  let payee = p.payee;
  if (!payee) {
    payee = (await providersServing(connection, p.model))[0];
    if (!payee) throw new Error(`no provider is registered for model ${p.model.toBase58()}: pass the payee (a provider's authority)`);
  }
  let closeGrace = p.closeGrace;
  if (closeGrace === undefined) {
    const c = await fetchChannelsConfig(connection);
    closeGrace = Math.min(Math.max(DEFAULT_CLOSE_GRACE, c.minCloseGrace), Math.max(c.maxCloseGrace, c.minCloseGrace));
  }
  const tokenProgram = await tokenProgramOf(connection, asset.paymentMint);
  const source = await ensureAta(connection, p.payer, asset.paymentMint, p.payer, tokenProgram);
  const channelId = p.channelId === undefined ? await nextChannelId(connection, p.payer) : big(p.channelId);
  const built = openChannelInstruction({
    payer: p.payer,
    model: p.model,
    payee,
    mint: asset.paymentMint,
    tokenProgram,
    gated: asset.inferenceGated,
    payerTokenAccount: source.address,
    args: { channelId, deposit: p.deposit, authorizedSigner: p.authorizedSigner ?? p.payer, closeGrace },
  });
  return { channel: built.channel, vault: built.vault, channelId, instructions: [...source.create, built.instruction] };
}

/** `top_up`, signed by the payer: `amount` from `payerTokenAccount` (default: its associated one). */
export function topUpInstruction(
  channelKey: PublicKey,
  channel: Pick<ChannelRef, "payer" | "mint" | "vault">,
  tokenProgram: PublicKey,
  amount: U64,
  payerTokenAccount: PublicKey = ataAddress(channel.mint, channel.payer, tokenProgram),
) {
  return toWeb3Instruction(
    ch.getTopUpInstruction({
      config: addr(channelsConfigAddress()),
      payer: signer(channel.payer),
      channel: addr(channelKey),
      vault: addr(channel.vault),
      mint: addr(channel.mint),
      payerTokenAccount: addr(payerTokenAccount),
      tokenProgram: addr(tokenProgram),
      ...channelsEvents(),
      amount: big(amount),
    }),
  );
}

/** top_up by the channel's payer from its associated token account. */
export async function topUpFlow(connection: Connection, channelKey: PublicKey, amount: U64) {
  const c = await fetchChannel(connection, channelKey);
  const tokenProgram = await tokenProgramOf(connection, c.mint);
  return { instructions: [topUpInstruction(channelKey, c, tokenProgram, amount)] };
}

/** `request_close`, signed by the payer: the grace starts. */
export function requestCloseInstruction(channelKey: PublicKey, channel: Pick<ChannelRef, "payer">) {
  return toWeb3Instruction(
    ch.getRequestCloseInstruction({ payer: signer(channel.payer), channel: addr(channelKey), ...channelsEvents() }),
  );
}

/** request_close by the channel's payer. */
export async function requestCloseFlow(connection: Connection, channelKey: PublicKey) {
  const c = await fetchChannel(connection, channelKey);
  return { instructions: [requestCloseInstruction(channelKey, c)] };
}

/**
 * `finalize_close`, signed by anyone (`caller`) after the grace: the vault's content to
 * `payerTokenAccount` (a token account of the channel's payer); the mint writable for Token-2022.
 */
export function finalizeCloseInstruction(
  caller: PublicKey,
  channelKey: PublicKey,
  channel: Pick<ChannelRef, "payer" | "mint" | "vault">,
  tokenProgram: PublicKey,
  payerTokenAccount: PublicKey = ataAddress(channel.mint, channel.payer, tokenProgram),
) {
  const ix = toWeb3Instruction(
    ch.getFinalizeCloseInstruction({
      caller: signer(caller),
      channel: addr(channelKey),
      vault: addr(channel.vault),
      payer: addr(channel.payer),
      payerTokenAccount: addr(payerTokenAccount),
      mint: addr(channel.mint),
      tokenProgram: addr(tokenProgram),
      ...channelsEvents(),
    }),
  );
  return withWritableMint(ix, channel.mint, tokenProgram);
}

/** finalize_close by `caller` (it pays the fee), into the payer's associated token account (created first if missing). */
export async function finalizeCloseFlow(connection: Connection, caller: PublicKey, channelKey: PublicKey) {
  const c = await fetchChannel(connection, channelKey);
  const tokenProgram = await tokenProgramOf(connection, c.mint);
  const payerAta = await ensureAta(connection, caller, c.mint, c.payer, tokenProgram);
  return {
    instructions: [...payerAta.create, finalizeCloseInstruction(caller, channelKey, c, tokenProgram, payerAta.address)],
  };
}

// ---------------------------------------------------------------------------------------------
// Settle

/** The payees of a settlement: a token account of the channel's payee and one of the config's treasury. */
export interface ChannelSettleAccounts {
  payeeTokenAccount: PublicKey;
  treasuryTokenAccount: PublicKey;
  tokenProgram: PublicKey;
}

/** The `Settlement` accounts of a channel (the Rust client's `settlement`). */
function settlement(channelKey: PublicKey, c: ChannelRef, s: ChannelSettleAccounts) {
  return {
    config: addr(channelsConfigAddress()),
    channel: addr(channelKey),
    vault: addr(c.vault),
    model: addr(c.model),
    payeeTokenAccount: addr(s.payeeTokenAccount),
    treasuryTokenAccount: addr(s.treasuryTokenAccount),
    modelSplit: addr(c.modelSplit),
    modelSplitVault: addr(vaultAddress(c.modelSplit)),
    mint: addr(c.mint),
    tokenProgram: addr(s.tokenProgram),
    ...royaltiesCpi(),
    instructionsSysvar: addr(INSTRUCTIONS_SYSVAR_ID),
  };
}

/** Appends each parent's split and split vault, in the model's order (remaining accounts). */
function withParents(ix: TransactionInstruction, model: { parents: readonly { split: PublicKey }[] }) {
  for (const parent of model.parents) {
    ix.keys.push(
      { pubkey: parent.split, isSigner: false, isWritable: true },
      { pubkey: vaultAddress(parent.split), isSigner: false, isWritable: true },
    );
  }
  return ix;
}

const voucherArgs = (v: { cumulative: U64; expiry: U64 }) => ({
  cumulative: u64(v.cumulative, "cumulative amount"),
  expiry: i64(v.expiry, "expiry"),
});

/**
 * `settle` alone (permissionless); it must follow the Ed25519 instruction of its voucher.
 * `model` is the channel's model (its parents).
 */
export function settleInstruction(
  channelKey: PublicKey,
  channel: ChannelRef,
  model: { parents: readonly { split: PublicKey }[] },
  s: ChannelSettleAccounts,
  v: { cumulative: U64; expiry: U64 },
) {
  const ix = toWeb3Instruction(
    ch.getSettleInstruction({ ...settlement(channelKey, channel, s), ...channelsEvents(), args: voucherArgs(v) }),
  );
  return withParents(ix, model);
}

/** `[ed25519 check, settle]` of a voucher (signed by the channel's authorized signer) on `v.channel`. */
export function settlePairInstructions(
  channel: ChannelRef,
  model: { parents: readonly { split: PublicKey }[] },
  s: ChannelSettleAccounts,
  v: Voucher,
): [TransactionInstruction, TransactionInstruction] {
  return [voucherSignatureInstruction(v), settleInstruction(v.channel, channel, model, s, v)];
}

/**
 * A channel's settlement payees: the payee's and the current treasury's associated token
 * accounts, and the instructions creating those that are missing (payer: `payer`).
 */
export async function channelSettlementAccounts(
  connection: Connection,
  payer: PublicKey,
  c: Pick<ChannelRef, "payee" | "mint">,
  config?: { treasury: PublicKey },
) {
  const cfg = config ?? (await fetchChannelsConfig(connection));
  const tokenProgram = await tokenProgramOf(connection, c.mint);
  const payee = await ensureAta(connection, payer, c.mint, c.payee, tokenProgram);
  const treasury = await ensureAta(connection, payer, c.mint, cfg.treasury, tokenProgram);
  return {
    accounts: {
      payeeTokenAccount: payee.address,
      treasuryTokenAccount: treasury.address,
      tokenProgram,
    } satisfies ChannelSettleAccounts,
    create: [...payee.create, ...treasury.create],
  };
}

/**
 * Settles vouchers in one transaction (anyone may; `feePayer` pays the fees and any account
 * creation): the missing payee / treasury associated token accounts first, then one
 * `[ed25519, settle]` pair per voucher, in order. Several vouchers of one channel must be
 * increasing. (A transaction holds 1,232 bytes: about three pairs of parentless models; the
 * Rust client's `settle_vouchers` splits longer lists.)
 */
export async function settleInstructions(connection: Connection, feePayer: PublicKey, vouchers: readonly Voucher[]) {
  const config = await fetchChannelsConfig(connection);
  const create: TransactionInstruction[] = [];
  const created = new Set<string>();
  const pairs: TransactionInstruction[] = [];
  const models = new Map<string, Awaited<ReturnType<typeof fetchAsset>>>();
  for (const v of vouchers) {
    const c = await fetchChannel(connection, v.channel);
    const m = c.model.toBase58();
    if (!models.has(m)) models.set(m, await fetchAsset(connection, c.model));
    const s = await channelSettlementAccounts(connection, feePayer, c, config);
    for (const ix of s.create) {
      const account = ix.keys[1].pubkey.toBase58();
      if (!created.has(account)) {
        created.add(account);
        create.push(ix);
      }
    }
    pairs.push(...settlePairInstructions(c, models.get(m)!, s.accounts, v));
  }
  return { instructions: [...create, ...pairs] };
}

/**
 * `settle_and_close`, signed by the payee, with the Ed25519 check of the final voucher first when
 * one is given; the vault's rest goes to `payerTokenAccount`; the mint writable for Token-2022.
 */
export function settleAndCloseInstructions(
  channelKey: PublicKey,
  channel: ChannelRef,
  model: { parents: readonly { split: PublicKey }[] },
  s: ChannelSettleAccounts,
  payerTokenAccount: PublicKey,
  voucher?: Voucher | null,
): TransactionInstruction[] {
  const ix = toWeb3Instruction(
    ch.getSettleAndCloseInstruction({
      payee: signer(channel.payee),
      ...settlement(channelKey, channel, s),
      payer: addr(channel.payer),
      payerTokenAccount: addr(payerTokenAccount),
      ...channelsEvents(),
      voucher: voucher ? voucherArgs(voucher) : null,
    }),
  );
  const close = withWritableMint(withParents(ix, model), channel.mint, s.tokenProgram);
  return voucher ? [voucherSignatureInstruction(voucher), close] : [close];
}

/**
 * settle_and_close by the channel's payee (it pays any account creation): the payee's, the
 * treasury's and the payer's associated token accounts created first if missing.
 */
export async function settleAndCloseFlow(connection: Connection, channelKey: PublicKey, voucher?: Voucher | null) {
  if (voucher && !voucher.channel.equals(channelKey)) {
    throw new Error(`the voucher is for channel ${voucher.channel.toBase58()}, not ${channelKey.toBase58()}`);
  }
  const c = await fetchChannel(connection, channelKey);
  const model = await fetchAsset(connection, c.model);
  const s = await channelSettlementAccounts(connection, c.payee, c);
  const payerAta = await ensureAta(connection, c.payee, c.mint, c.payer, s.accounts.tokenProgram);
  return {
    instructions: [
      ...s.create,
      ...payerAta.create,
      ...settleAndCloseInstructions(channelKey, c, model, s.accounts, payerAta.address, voucher),
    ],
  };
}
