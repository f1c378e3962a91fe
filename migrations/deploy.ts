// Tessera post-deployment migration, as `anchor migrate` runs it (the function exported with
// `module.exports` receives the provider configured from Anchor.toml). It initialises the
// registry's config, the escrow's config and the channels' config. Every `initialize_config`
// instruction accepts only the program's upgrade authority, so the provider wallet must be that authority (`anchor deploy` /
// `anchor test` make the provider wallet the upgrade authority; tessera-localnet takes it with
// `--upgrade-authority`).
//
// Idempotent: a config account that already exists is left as it is (and reported), so the
// migration can be run again after every deployment.
//
// Parameters (environment variables; every key is a base58 address):
//   TESSERA_ADMIN                    admin of both configs            (default: the provider wallet)
//   TESSERA_TREASURY                 receives the registry's protocol fees
//                                                                     (default: the provider wallet)
//   TESSERA_FEE_BPS                  registry protocol fee, ≤ 1,000   (default: 250 = 2.5%)
//   TESSERA_PAYMENT_MINTS            comma-separated payment-mint allow-list, ≤ 8
//                                                                     (default: empty; add mints later
//                                                                      with update_config)
//   TESSERA_ESCROW_TREASURY          receives the escrow's protocol fees (default: TESSERA_TREASURY)
//   TESSERA_ESCROW_ARBITER           resolves disputed jobs            (default: the admin)
//   TESSERA_ESCROW_FEE_BPS           escrow protocol fee, ≤ 1,000      (default: 100 = 1%)
//   TESSERA_ESCROW_SLASH_BPS         share of a provider's bond at stake on a job, ≤ 5,000
//                                                                     (default: 1,000 = 10%)
//   TESSERA_ESCROW_MAX_SLASH_FEE_MULTIPLE
//                                    the slash at stake on a job is at most this many times
//                                    its fee (fixed on the job when it is accepted)
//                                                                     (default: 10)
//   TESSERA_ESCROW_MIN_BONDS         comma-separated MINT:BASE_UNITS, the bond a provider bonded
//                                    in MINT needs to accept jobs (≤ 8 mints; a mint not listed
//                                    cannot be bonded for jobs)
//                                                                     (default: every payment mint
//                                                                      with TESSERA_ESCROW_MIN_BOND)
//   TESSERA_ESCROW_MIN_BOND          base units, for the default of TESSERA_ESCROW_MIN_BONDS
//                                                                     (default: 1000000)
//   TESSERA_ESCROW_MIN_ACCEPT_WINDOW    shortest accept window of a job, s, ≤ 30 days (default: 60)
//   TESSERA_ESCROW_MIN_DELIVERY_WINDOW  shortest delivery window, s, ≤ 30 days         (default: 60)
//   TESSERA_ESCROW_MIN_CHALLENGE_WINDOW shortest challenge window, s, ≤ 30 days        (default: 300)
//   TESSERA_ESCROW_DISPUTE_WINDOW    seconds the arbiter has to resolve a dispute (fixed on the
//                                    job when it is accepted); after it anyone settles the
//                                    dispute half each, 1 s..30 days   (default: 604800 = 7 days)
//   TESSERA_ESCROW_UNBONDING_DELAY   seconds between unbond request and withdrawal, ≤ 90 days
//                                                                     (default: 604800 = 7 days)
//   TESSERA_CHANNELS_TREASURY        receives the channels' protocol fees (default: TESSERA_TREASURY)
//   TESSERA_CHANNELS_FEE_BPS         channels protocol fee on settled amounts, ≤ 1,000
//                                                                     (default: 100 = 1%)
//   TESSERA_CHANNELS_MIN_CLOSE_GRACE shortest close grace a channel may choose, s, 1 s..30 days
//                                    (the time a payee has to settle after a close request)
//                                                                     (default: 3600 = 1 hour)
//   TESSERA_CHANNELS_MAX_CLOSE_GRACE longest close grace, s, ≤ 30 days (default: 2592000 = 30 days)
//
// Later admin transfers are two-step (propose_admin, then accept_admin signed by the successor).
//
// The tests use the same code: `initializeTessera(provider, settings)` below.

import { AnchorProvider, BN, Program } from "@anchor-lang/core";
import { PublicKey, Transaction, TransactionSignature } from "@solana/web3.js";

import {
  type TesseraEscrow,
  type TesseraRegistry,
  type ChannelsSettings,
  CHANNELS_PROGRAM_ID,
  ESCROW_PROGRAM_ID,
  REGISTRY_PROGRAM_ID,
  configAddress as sdkConfigAddress,
  escrowIdl,
  initializeChannelsConfigInstruction,
  initializeEscrowConfigInstruction,
  initializeRegistryConfigInstruction,
  registryIdl,
} from "@tessera/sdk";

export { registryIdl, escrowIdl };
export type { ChannelsSettings };

/** The registry's settings (`InitializeConfigArgs`). */
export interface RegistrySettings {
  admin: PublicKey;
  treasury: PublicKey;
  feeBps: number;
  paymentMints: PublicKey[];
}

/** A mint's minimum bond (`MintBond`), in base units of the mint. */
export interface MintBond {
  mint: PublicKey;
  minBond: BN;
}

/** The escrow's first admin and its settings (`InitializeConfigArgs`). */
export interface EscrowSettings {
  admin: PublicKey;
  treasury: PublicKey;
  arbiter: PublicKey;
  feeBps: number;
  /** Share of a provider's bond at stake on a job (≤ 5,000 bps). */
  slashBps: number;
  /** The slash at stake on a job is at most this many times its fee. */
  maxSlashFeeMultiple: number;
  minAcceptWindow: number;
  minDeliveryWindow: number;
  minChallengeWindow: number;
  /** Seconds the arbiter has to resolve a dispute; after it anyone settles half each. */
  disputeWindow: number;
  unbondingDelay: number;
  /** Per-mint minimum bonds (≤ 8); a mint not listed cannot be bonded for jobs. */
  minBonds: MintBond[];
}

/** The program's `EscrowSettings` (initialize_config's settings; as update_config's argument every
 * field is set, so it replaces them all): everything but the admin. */
export function escrowSettingsArgs(s: EscrowSettings) {
  return {
    treasury: s.treasury,
    arbiter: s.arbiter,
    feeBps: s.feeBps,
    slashBps: s.slashBps,
    maxSlashFeeMultiple: s.maxSlashFeeMultiple,
    minAcceptWindow: s.minAcceptWindow,
    minDeliveryWindow: s.minDeliveryWindow,
    minChallengeWindow: s.minChallengeWindow,
    disputeWindow: s.disputeWindow,
    unbondingDelay: s.unbondingDelay,
    minBonds: s.minBonds.map((b) => ({ mint: b.mint, minBond: b.minBond })),
  };
}

export interface TesseraSettings {
  registry: RegistrySettings;
  escrow: EscrowSettings;
  /** The channels' first admin and settings; default: `defaultChannelsSettings` with the escrow's admin and treasury. */
  channels?: ChannelsSettings;
}

/** The channels' default settings: 1% fee, close grace between an hour and 30 days. */
export function defaultChannelsSettings(admin: PublicKey, treasury: PublicKey): ChannelsSettings {
  return { admin, treasury, feeBps: 100, minCloseGrace: 3_600, maxCloseGrace: 30 * 24 * 3_600 };
}

export interface ConfigResult {
  /** The config account's address. */
  config: PublicKey;
  /** False when the config already existed (nothing was sent). */
  created: boolean;
  /** The initialize_config transaction, when one was sent. */
  signature?: TransactionSignature;
}

export interface InitializeResult {
  registry: ConfigResult;
  escrow: ConfigResult;
  channels: ConfigResult;
}

/** The global config PDA (`["config"]`) of a program. */
export function configAddress(programId: PublicKey): PublicKey {
  return sdkConfigAddress(programId);
}

export function registryProgram(provider: AnchorProvider): Program<TesseraRegistry> {
  return new Program<TesseraRegistry>(registryIdl, provider);
}

export function escrowProgram(provider: AnchorProvider): Program<TesseraEscrow> {
  return new Program<TesseraEscrow>(escrowIdl, provider);
}

function envKey(name: string, fallback: PublicKey): PublicKey {
  const v = process.env[name]?.trim();
  if (!v) return fallback;
  try {
    return new PublicKey(v);
  } catch {
    throw new Error(`${name}=${v} is not a base58 public key`);
  }
}

function envInt(name: string, fallback: number, max: number): number {
  const v = process.env[name]?.trim();
  if (!v) return fallback;
  if (!/^\d+$/.test(v) || Number(v) > max) {
    throw new Error(`${name}=${v}: expected an integer between 0 and ${max}`);
  }
  return Number(v);
}

/** The settings the environment asks for (see the top of this file), with the defaults. */
export function settingsFromEnv(provider: AnchorProvider): TesseraSettings {
  const wallet = provider.wallet.publicKey;
  const admin = envKey("TESSERA_ADMIN", wallet);
  const treasury = envKey("TESSERA_TREASURY", wallet);
  const mints = (process.env.TESSERA_PAYMENT_MINTS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return new PublicKey(s);
      } catch {
        throw new Error(`TESSERA_PAYMENT_MINTS: ${s} is not a base58 public key`);
      }
    });
  const minBond = process.env.TESSERA_ESCROW_MIN_BOND?.trim() || "1000000";
  if (!/^\d+$/.test(minBond)) {
    throw new Error(`TESSERA_ESCROW_MIN_BOND=${minBond}: expected a non-negative integer`);
  }
  const minBondsEnv = process.env.TESSERA_ESCROW_MIN_BONDS?.trim();
  const minBonds: MintBond[] = minBondsEnv
    ? minBondsEnv
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map((s) => {
          const [mint, amount, ...rest] = s.split(":").map((x) => x.trim());
          if (rest.length > 0 || !amount || !/^\d+$/.test(amount)) {
            throw new Error(`TESSERA_ESCROW_MIN_BONDS: ${s} is not MINT:BASE_UNITS`);
          }
          try {
            return { mint: new PublicKey(mint), minBond: new BN(amount) };
          } catch {
            throw new Error(`TESSERA_ESCROW_MIN_BONDS: ${mint} is not a base58 public key`);
          }
        })
    : mints.map((mint) => ({ mint, minBond: new BN(minBond) }));
  if (minBonds.length > 8) throw new Error("TESSERA_ESCROW_MIN_BONDS: at most 8 mints");
  const days30 = 30 * 24 * 3_600;
  return {
    registry: {
      admin,
      treasury,
      feeBps: envInt("TESSERA_FEE_BPS", 250, 1_000),
      paymentMints: mints,
    },
    escrow: {
      admin,
      treasury: envKey("TESSERA_ESCROW_TREASURY", treasury),
      arbiter: envKey("TESSERA_ESCROW_ARBITER", admin),
      feeBps: envInt("TESSERA_ESCROW_FEE_BPS", 100, 1_000),
      slashBps: envInt("TESSERA_ESCROW_SLASH_BPS", 1_000, 5_000),
      maxSlashFeeMultiple: envInt("TESSERA_ESCROW_MAX_SLASH_FEE_MULTIPLE", 10, 4_294_967_295),
      minAcceptWindow: envInt("TESSERA_ESCROW_MIN_ACCEPT_WINDOW", 60, days30),
      minDeliveryWindow: envInt("TESSERA_ESCROW_MIN_DELIVERY_WINDOW", 60, days30),
      minChallengeWindow: envInt("TESSERA_ESCROW_MIN_CHALLENGE_WINDOW", 300, days30),
      disputeWindow: envInt("TESSERA_ESCROW_DISPUTE_WINDOW", 604_800, days30),
      unbondingDelay: envInt("TESSERA_ESCROW_UNBONDING_DELAY", 604_800, 90 * 24 * 3_600),
      minBonds,
    },
    channels: {
      admin,
      treasury: envKey("TESSERA_CHANNELS_TREASURY", treasury),
      feeBps: envInt("TESSERA_CHANNELS_FEE_BPS", 100, 1_000),
      minCloseGrace: envInt("TESSERA_CHANNELS_MIN_CLOSE_GRACE", 3_600, days30),
      maxCloseGrace: envInt("TESSERA_CHANNELS_MAX_CLOSE_GRACE", days30, days30),
    },
  };
}

async function exists(provider: AnchorProvider, address: PublicKey): Promise<boolean> {
  return (await provider.connection.getAccountInfo(address, "confirmed")) !== null;
}

/**
 * Initialises the registry config, the escrow config and the channels config with `settings`
 * (default: from the environment), skipping each one that already exists. The provider wallet signs as the
 * programs' upgrade authority and pays the rents. The instructions are the SDK's
 * (`initialize…ConfigInstruction`: every account derived there).
 */
export async function initializeTessera(
  provider: AnchorProvider,
  settings: TesseraSettings = settingsFromEnv(provider),
  log: (line: string) => void = () => {},
): Promise<InitializeResult> {
  const authority = provider.wallet.publicKey;

  const registryConfig = configAddress(REGISTRY_PROGRAM_ID);
  let registryResult: ConfigResult = { config: registryConfig, created: false };
  if (await exists(provider, registryConfig)) {
    log(`registry config ${registryConfig.toBase58()} exists: left as it is`);
  } else {
    const s = settings.registry;
    const signature = await provider.sendAndConfirm(
      new Transaction().add(initializeRegistryConfigInstruction(authority, s)),
    );
    registryResult = { config: registryConfig, created: true, signature };
    log(
      `registry config ${registryConfig.toBase58()} initialised: admin ${s.admin.toBase58()}, ` +
        `treasury ${s.treasury.toBase58()}, fee ${s.feeBps} bps, ` +
        `${s.paymentMints.length} payment mint(s) (tx ${signature})`,
    );
  }

  const escrowConfig = configAddress(ESCROW_PROGRAM_ID);
  let escrowResult: ConfigResult = { config: escrowConfig, created: false };
  if (await exists(provider, escrowConfig)) {
    log(`escrow config ${escrowConfig.toBase58()} exists: left as it is`);
  } else {
    const s = settings.escrow;
    const signature = await provider.sendAndConfirm(
      new Transaction().add(initializeEscrowConfigInstruction(authority, s.admin, escrowSettingsArgs(s))),
    );
    escrowResult = { config: escrowConfig, created: true, signature };
    log(
      `escrow config ${escrowConfig.toBase58()} initialised: arbiter ${s.arbiter.toBase58()}, ` +
        `fee ${s.feeBps} bps, slash ${s.slashBps} bps (at most ${s.maxSlashFeeMultiple}× the fee), ` +
        `minimum windows ${s.minAcceptWindow}/${s.minDeliveryWindow}/${s.minChallengeWindow} s, ` +
        `dispute window ${s.disputeWindow} s, ` +
        `min bonds ${s.minBonds.map((b) => `${b.minBond.toString()} of ${b.mint.toBase58()}`).join(", ") || "none"}, ` +
        `unbonding delay ${s.unbondingDelay} s (tx ${signature})`,
    );
  }

  const channelsConfig = configAddress(CHANNELS_PROGRAM_ID);
  let channelsResult: ConfigResult = { config: channelsConfig, created: false };
  if (await exists(provider, channelsConfig)) {
    log(`channels config ${channelsConfig.toBase58()} exists: left as it is`);
  } else {
    const s = settings.channels ?? defaultChannelsSettings(settings.escrow.admin, settings.escrow.treasury);
    const signature = await provider.sendAndConfirm(
      new Transaction().add(initializeChannelsConfigInstruction(authority, s)),
    );
    channelsResult = { config: channelsConfig, created: true, signature };
    log(
      `channels config ${channelsConfig.toBase58()} initialised: admin ${s.admin.toBase58()}, ` +
        `treasury ${s.treasury.toBase58()}, fee ${s.feeBps} bps, ` +
        `close grace ${s.minCloseGrace}..${s.maxCloseGrace} s (tx ${signature})`,
    );
  }
  return { registry: registryResult, escrow: escrowResult, channels: channelsResult };
}

/** What `anchor migrate` calls. */
export default async function deploy(provider: AnchorProvider): Promise<InitializeResult> {
  return initializeTessera(provider, settingsFromEnv(provider), (line) => console.log(line));
}

// `anchor migrate` requires this file and calls the exported function; the named exports stay
// reachable as its properties (that is what `import { initializeTessera } from ...` reads).
module.exports = Object.assign(deploy, {
  default: deploy,
  initializeTessera,
  settingsFromEnv,
  escrowSettingsArgs,
  defaultChannelsSettings,
  configAddress,
  registryProgram,
  escrowProgram,
  registryIdl,
  escrowIdl,
});
