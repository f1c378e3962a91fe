// The configs: migrations/deploy.ts (initialize_config of the registry, the escrow and the
// channels, as `anchor migrate` runs it), its idempotence, the upgrade-authority guard, and
// update_config of the registry and the escrow (the channels': tests/07-channels.ts).

import { expect } from "chai";
import { Keypair } from "@solana/web3.js";
import {
  acceptEscrowAdminInstruction,
  acceptRegistryAdminInstruction,
  fetchChannelsConfig,
  initializeChannelsConfigInstruction,
  initializeEscrowConfigInstruction,
  initializeRegistryConfigInstruction,
  proposeEscrowAdminInstruction,
  proposeRegistryAdminInstruction,
  updateEscrowConfigInstruction,
  updateRegistryConfigInstruction,
} from "@tessera/sdk";

import deploy, { settingsFromEnv } from "../migrations/deploy";
import {
  BN,
  CHANNELS_FEE_BPS,
  CHANNELS_MAX_CLOSE_GRACE,
  CHANNELS_MIN_CLOSE_GRACE,
  ESCROW_DISPUTE_WINDOW,
  ESCROW_FEE_BPS,
  ESCROW_MAX_SLASH_FEE_MULTIPLE,
  ESCROW_MIN_BOND,
  ESCROW_MIN_WINDOW,
  ESCROW_SLASH_BPS,
  ESCROW_UNBONDING_DELAY,
  REGISTRY_FEE_BPS,
  World,
  accountExists,
  channels,
  channelsConfig,
  connection,
  escrow,
  escrowConfig,
  eventOf,
  expectAnchorError,
  newFundedKeypairs,
  payer,
  provider,
  registry,
  registryConfig,
  send,
  world,
} from "./helpers";

describe("migrations/deploy.ts and the configs", () => {
  let intruder: Keypair;

  before(async () => {
    [intruder] = await newFundedKeypairs(1, 2);
  });

  it("refuses initialize_config from a key that is not the upgrade authority", async function () {
    // Must run before the migration creates the configs (a second init fails earlier, on the
    // existing account). On a ledger whose configs already exist there is nothing to test.
    if (
      (await accountExists(registryConfig)) ||
      (await accountExists(escrowConfig)) ||
      (await accountExists(channelsConfig))
    ) {
      this.skip();
    }
    await expectAnchorError(
      send(
        initializeRegistryConfigInstruction(intruder.publicKey, {
          admin: intruder.publicKey,
          treasury: intruder.publicKey,
          feeBps: 0,
          paymentMints: [],
        }),
        [intruder],
      ),
      "NotUpgradeAuthority",
      "registry",
    );
    await expectAnchorError(
      send(
        initializeEscrowConfigInstruction(intruder.publicKey, intruder.publicKey, {
          treasury: intruder.publicKey,
          arbiter: intruder.publicKey,
          feeBps: 0,
          slashBps: 0,
          maxSlashFeeMultiple: 0,
          minAcceptWindow: 0,
          minDeliveryWindow: 0,
          minChallengeWindow: 0,
          disputeWindow: 1,
          unbondingDelay: 0,
          minBonds: [],
        }),
        [intruder],
      ),
      "NotUpgradeAuthority",
      "escrow",
    );
    await expectAnchorError(
      send(
        initializeChannelsConfigInstruction(intruder.publicKey, {
          admin: intruder.publicKey,
          treasury: intruder.publicKey,
          feeBps: 0,
          minCloseGrace: 1,
          maxCloseGrace: 1,
        }),
        [intruder],
      ),
      "NotUpgradeAuthority",
      "channels",
    );
    expect(await accountExists(registryConfig)).to.equal(false);
    expect(await accountExists(escrowConfig)).to.equal(false);
    expect(await accountExists(channelsConfig)).to.equal(false);
  });

  let w: World;

  it("initialises the three configs with the migration (admin = provider wallet)", async () => {
    w = await world();
    const reg = await registry.account.config.fetch(registryConfig);
    expect(reg.admin.toBase58()).to.equal(payer.publicKey.toBase58());
    expect(reg.treasury.toBase58()).to.equal(w.treasury.publicKey.toBase58());
    expect(reg.feeBps).to.equal(REGISTRY_FEE_BPS);
    expect(reg.paused).to.equal(false);
    expect(reg.paymentMints.map((m) => m.toBase58())).to.deep.equal([w.usdc.toBase58()]);

    const esc = await escrow.account.escrowConfig.fetch(escrowConfig);
    expect(esc.admin.toBase58()).to.equal(payer.publicKey.toBase58());
    expect(esc.treasury.toBase58()).to.equal(w.treasury.publicKey.toBase58());
    expect(esc.arbiter.toBase58()).to.equal(w.arbiter.publicKey.toBase58());
    expect(esc.feeBps).to.equal(ESCROW_FEE_BPS);
    expect(esc.slashBps).to.equal(ESCROW_SLASH_BPS);
    expect(esc.maxSlashFeeMultiple).to.equal(ESCROW_MAX_SLASH_FEE_MULTIPLE);
    expect([esc.minAcceptWindow, esc.minDeliveryWindow, esc.minChallengeWindow]).to.deep.equal([
      ESCROW_MIN_WINDOW,
      ESCROW_MIN_WINDOW,
      ESCROW_MIN_WINDOW,
    ]);
    expect(esc.disputeWindow).to.equal(ESCROW_DISPUTE_WINDOW);
    expect(esc.minBonds.map((b) => [b.mint.toBase58(), b.minBond.toNumber()])).to.deep.equal([
      [w.usdc.toBase58(), ESCROW_MIN_BOND],
    ]);
    expect(esc.unbondingDelay).to.equal(ESCROW_UNBONDING_DELAY);
    expect(esc.pendingAdmin).to.equal(null);
    expect(reg.pendingAdmin).to.equal(null);

    const chc = await fetchChannelsConfig(connection);
    expect(chc.admin.toBase58()).to.equal(payer.publicKey.toBase58());
    expect(chc.treasury.toBase58()).to.equal(w.treasury.publicKey.toBase58());
    expect(chc.feeBps).to.equal(CHANNELS_FEE_BPS);
    expect([chc.minCloseGrace, chc.maxCloseGrace]).to.deep.equal([CHANNELS_MIN_CLOSE_GRACE, CHANNELS_MAX_CLOSE_GRACE]);
    expect(chc.paused).to.equal(false);
    expect(chc.pendingAdmin).to.equal(null);

    if (!w.preexisting.registry) {
      expect(w.init.registry.created).to.equal(true);
      const ev = await eventOf(registry, w.init.registry.signature!, "configInitialized");
      expect(ev.config.toBase58()).to.equal(registryConfig.toBase58());
      expect(ev.admin.toBase58()).to.equal(payer.publicKey.toBase58());
      expect(ev.feeBps).to.equal(REGISTRY_FEE_BPS);
      expect(ev.paymentMints.map((m: { toBase58(): string }) => m.toBase58())).to.deep.equal([
        w.usdc.toBase58(),
      ]);
    }
    if (!w.preexisting.escrow) {
      expect(w.init.escrow.created).to.equal(true);
      const ev = await eventOf(escrow, w.init.escrow.signature!, "escrowConfigUpdated");
      expect(ev.admin.toBase58()).to.equal(payer.publicKey.toBase58());
      expect(ev.settings.arbiter.toBase58()).to.equal(w.arbiter.publicKey.toBase58());
      expect(ev.settings.unbondingDelay).to.equal(ESCROW_UNBONDING_DELAY);
      expect(ev.settings.disputeWindow).to.equal(ESCROW_DISPUTE_WINDOW);
      expect(ev.settings.maxSlashFeeMultiple).to.equal(ESCROW_MAX_SLASH_FEE_MULTIPLE);
    }
    if (!w.preexisting.channels) {
      expect(w.init.channels.created).to.equal(true);
      const ev = await eventOf(channels, w.init.channels.signature!, "channelsConfigUpdated");
      expect(ev.admin.toBase58()).to.equal(payer.publicKey.toBase58());
      expect(ev.treasury.toBase58()).to.equal(w.treasury.publicKey.toBase58());
      expect(ev.feeBps).to.equal(CHANNELS_FEE_BPS);
      expect([ev.minCloseGrace, ev.maxCloseGrace]).to.deep.equal([CHANNELS_MIN_CLOSE_GRACE, CHANNELS_MAX_CLOSE_GRACE]);
    }
  });

  it("is idempotent: the anchor-migrate entry point skips existing configs", async () => {
    // `deploy` is what `anchor migrate` calls (module.exports); settings from the environment.
    expect(typeof deploy).to.equal("function");
    const before = await registry.account.config.fetch(registryConfig);
    const result = await deploy(provider);
    expect(result.registry.created).to.equal(false);
    expect(result.escrow.created).to.equal(false);
    expect(result.channels.created).to.equal(false);
    expect(result.channels.config.toBase58()).to.equal(channelsConfig.toBase58());
    expect(result.registry.signature).to.equal(undefined);
    expect(result.registry.config.toBase58()).to.equal(registryConfig.toBase58());
    expect(result.escrow.config.toBase58()).to.equal(escrowConfig.toBase58());
    const after = await registry.account.config.fetch(registryConfig);
    expect(after.feeBps).to.equal(before.feeBps);
    expect(after.treasury.toBase58()).to.equal(before.treasury.toBase58());
  });

  it("settingsFromEnv reads the documented variables", () => {
    const names = [
      "TESSERA_FEE_BPS",
      "TESSERA_PAYMENT_MINTS",
      "TESSERA_ESCROW_UNBONDING_DELAY",
      "TESSERA_ESCROW_ARBITER",
      "TESSERA_ESCROW_MIN_BONDS",
      "TESSERA_ESCROW_MIN_BOND",
      "TESSERA_ESCROW_DISPUTE_WINDOW",
      "TESSERA_ESCROW_MIN_DELIVERY_WINDOW",
      "TESSERA_ESCROW_SLASH_BPS",
      "TESSERA_CHANNELS_FEE_BPS",
      "TESSERA_CHANNELS_MIN_CLOSE_GRACE",
      "TESSERA_CHANNELS_MAX_CLOSE_GRACE",
      "TESSERA_CHANNELS_TREASURY",
    ];
    const saved = names.map((n) => [n, process.env[n]] as const);
    try {
      const k = Keypair.generate().publicKey;
      process.env.TESSERA_FEE_BPS = "42";
      process.env.TESSERA_PAYMENT_MINTS = `${k.toBase58()}, ${w.usdc.toBase58()}`;
      process.env.TESSERA_ESCROW_UNBONDING_DELAY = "0";
      process.env.TESSERA_ESCROW_ARBITER = k.toBase58();
      const s = settingsFromEnv(provider);
      expect(s.registry.feeBps).to.equal(42);
      expect(s.registry.admin.toBase58()).to.equal(payer.publicKey.toBase58());
      expect(s.registry.paymentMints.map((m) => m.toBase58())).to.deep.equal([
        k.toBase58(),
        w.usdc.toBase58(),
      ]);
      expect(s.escrow.unbondingDelay).to.equal(0);
      expect(s.escrow.arbiter.toBase58()).to.equal(k.toBase58());
      // The defaults of the issue-14 settings; one minimum bond per payment mint by default.
      expect(s.escrow.maxSlashFeeMultiple).to.equal(10);
      expect([s.escrow.minAcceptWindow, s.escrow.minDeliveryWindow, s.escrow.minChallengeWindow]).to.deep.equal([
        60, 60, 300,
      ]);
      expect(s.escrow.disputeWindow).to.equal(604_800);
      // The channels' defaults: the registry's admin and treasury, 1%, an hour to 30 days.
      expect(s.channels!.admin.toBase58()).to.equal(payer.publicKey.toBase58());
      expect(s.channels!.treasury.toBase58()).to.equal(s.registry.treasury.toBase58());
      expect([s.channels!.feeBps, s.channels!.minCloseGrace, s.channels!.maxCloseGrace]).to.deep.equal([
        100, 3_600, 2_592_000,
      ]);
      process.env.TESSERA_CHANNELS_TREASURY = k.toBase58();
      process.env.TESSERA_CHANNELS_FEE_BPS = "7";
      process.env.TESSERA_CHANNELS_MIN_CLOSE_GRACE = "30";
      process.env.TESSERA_CHANNELS_MAX_CLOSE_GRACE = "600";
      const c = settingsFromEnv(provider).channels!;
      expect([c.treasury.toBase58(), c.feeBps, c.minCloseGrace, c.maxCloseGrace]).to.deep.equal([k.toBase58(), 7, 30, 600]);
      process.env.TESSERA_CHANNELS_MAX_CLOSE_GRACE = String(30 * 24 * 3_600 + 1);
      expect(() => settingsFromEnv(provider)).to.throw(/TESSERA_CHANNELS_MAX_CLOSE_GRACE/);
      delete process.env.TESSERA_CHANNELS_MAX_CLOSE_GRACE;
      process.env.TESSERA_ESCROW_MIN_BOND = "7";
      expect(settingsFromEnv(provider).escrow.minBonds.map((b) => [b.mint.toBase58(), b.minBond.toNumber()])).to.deep.equal([
        [k.toBase58(), 7],
        [w.usdc.toBase58(), 7],
      ]);
      process.env.TESSERA_ESCROW_MIN_BONDS = `${w.usdc.toBase58()}:5000000`;
      process.env.TESSERA_ESCROW_DISPUTE_WINDOW = "3600";
      process.env.TESSERA_ESCROW_MIN_DELIVERY_WINDOW = "120";
      const t = settingsFromEnv(provider);
      expect(t.escrow.minBonds.map((b) => [b.mint.toBase58(), b.minBond.toNumber()])).to.deep.equal([
        [w.usdc.toBase58(), 5_000_000],
      ]);
      expect(t.escrow.disputeWindow).to.equal(3_600);
      expect(t.escrow.minDeliveryWindow).to.equal(120);
      process.env.TESSERA_ESCROW_MIN_BONDS = `${w.usdc.toBase58()}=5`;
      expect(() => settingsFromEnv(provider)).to.throw(/TESSERA_ESCROW_MIN_BONDS/);
      delete process.env.TESSERA_ESCROW_MIN_BONDS;
      process.env.TESSERA_ESCROW_SLASH_BPS = "5001";
      expect(() => settingsFromEnv(provider)).to.throw(/TESSERA_ESCROW_SLASH_BPS/);
      delete process.env.TESSERA_ESCROW_SLASH_BPS;
      process.env.TESSERA_FEE_BPS = "1001";
      expect(() => settingsFromEnv(provider)).to.throw(/TESSERA_FEE_BPS/);
    } finally {
      for (const [n, v] of saved) {
        if (v === undefined) delete process.env[n];
        else process.env[n] = v;
      }
    }
  });

  describe("registry update_config", () => {
    it("refuses a key that is not the admin (NotAdmin)", async () => {
      await expectAnchorError(
        send(updateRegistryConfigInstruction(intruder.publicKey, { feeBps: 0 }), [intruder]),
        "NotAdmin",
        "registry",
      );
    });

    it("refuses a fee above 1,000 bps (FeeAboveCap) and a duplicate mint (DuplicatePaymentMint)", async () => {
      await expectAnchorError(
        send(updateRegistryConfigInstruction(payer.publicKey, { feeBps: 1_001 })),
        "FeeAboveCap",
        "registry",
      );
      await expectAnchorError(
        send(updateRegistryConfigInstruction(payer.publicKey, { paymentMints: [w.usdc, w.usdc] })),
        "DuplicatePaymentMint",
        "registry",
      );
    });

    it("changes the fee and emits ConfigUpdated; then restores it", async () => {
      try {
        const sig = await send(updateRegistryConfigInstruction(payer.publicKey, { feeBps: 333 }));
        const ev = await eventOf(registry, sig, "configUpdated");
        expect(ev.feeBps).to.equal(333);
        expect(ev.paused).to.equal(false);
        expect(ev.treasury.toBase58()).to.equal(w.treasury.publicKey.toBase58());
        expect((await registry.account.config.fetch(registryConfig)).feeBps).to.equal(333);
      } finally {
        await send(updateRegistryConfigInstruction(payer.publicKey, { feeBps: REGISTRY_FEE_BPS }));
      }
      expect((await registry.account.config.fetch(registryConfig)).feeBps).to.equal(REGISTRY_FEE_BPS);
    });
  });

  describe("escrow update_config", () => {
    it("refuses a key that is not the admin (NotAdmin), a delay above 90 days, a slash share above 50%, no dispute window", async () => {
      await expectAnchorError(
        send(updateEscrowConfigInstruction(intruder.publicKey, w.settings.escrow), [intruder]),
        "NotAdmin",
        "escrow",
      );
      await expectAnchorError(
        send(updateEscrowConfigInstruction(payer.publicKey, { ...w.settings.escrow, unbondingDelay: 90 * 24 * 3_600 + 1 })),
        "UnbondingDelayTooLong",
        "escrow",
      );
      await expectAnchorError(
        send(updateEscrowConfigInstruction(payer.publicKey, { ...w.settings.escrow, slashBps: 5_001 })),
        "SlashAboveCap",
        "escrow",
      );
      await expectAnchorError(
        send(updateEscrowConfigInstruction(payer.publicKey, { ...w.settings.escrow, disputeWindow: 0 })),
        "InvalidDisputeWindow",
        "escrow",
      );
    });

    it("replaces the settings and emits EscrowConfigUpdated; then restores them", async () => {
      try {
        const sig = await send(
          updateEscrowConfigInstruction(payer.publicKey, {
            ...w.settings.escrow,
            slashBps: 4_444,
            minBonds: [{ mint: w.usdc, minBond: 5 }],
          }),
        );
        const ev = await eventOf(escrow, sig, "escrowConfigUpdated");
        expect(ev.settings.slashBps).to.equal(4_444);
        expect(ev.settings.minBonds.map((b: { minBond: BN }) => b.minBond.toNumber())).to.deep.equal([5]);
        expect((await escrow.account.escrowConfig.fetch(escrowConfig)).slashBps).to.equal(4_444);
      } finally {
        await send(updateEscrowConfigInstruction(payer.publicKey, w.settings.escrow));
      }
      expect((await escrow.account.escrowConfig.fetch(escrowConfig)).slashBps).to.equal(ESCROW_SLASH_BPS);
    });

    it("changes only the fields that are set (the registry's convention); the merged settings are validated", async () => {
      const before = await escrow.account.escrowConfig.fetch(escrowConfig);
      await expectAnchorError(
        send(updateEscrowConfigInstruction(payer.publicKey, { disputeWindow: 0 })),
        "InvalidDisputeWindow",
        "escrow",
      );
      try {
        const sig = await send(updateEscrowConfigInstruction(payer.publicKey, { slashBps: 4_321 }));
        const ev = await eventOf(escrow, sig, "escrowConfigUpdated");
        expect(ev.settings.slashBps).to.equal(4_321);
        const after = await escrow.account.escrowConfig.fetch(escrowConfig);
        expect(after.slashBps).to.equal(4_321);
        expect(after.feeBps).to.equal(before.feeBps);
        expect(after.treasury.toBase58()).to.equal(before.treasury.toBase58());
        expect(after.disputeWindow).to.equal(before.disputeWindow);
        expect(after.minBonds.length).to.equal(before.minBonds.length);
      } finally {
        await send(updateEscrowConfigInstruction(payer.publicKey, w.settings.escrow));
      }
    });
  });

  describe("two-step admin transfers (propose_admin, accept_admin)", () => {
    for (const which of ["registry", "escrow"] as const) {
      it(`${which}: only the proposed key accepts; the admin is unchanged until it does; then it hands back`, async () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const program: any = which === "registry" ? registry : escrow;
        const fetchConfig = async () =>
          which === "registry"
            ? registry.account.config.fetch(registryConfig)
            : escrow.account.escrowConfig.fetch(escrowConfig);
        const [successor] = await newFundedKeypairs(1, 1);
        const [proposeIx, acceptIx] =
          which === "registry"
            ? [proposeRegistryAdminInstruction, acceptRegistryAdminInstruction]
            : [proposeEscrowAdminInstruction, acceptEscrowAdminInstruction];
        const propose = (admin: Keypair | null, newAdmin: Keypair) =>
          send(proposeIx((admin ?? payer).publicKey, newAdmin.publicKey), admin ? [admin] : []);
        const accept = (signer: Keypair | null) => send(acceptIx((signer ?? payer).publicKey), signer ? [signer] : []);

        await expectAnchorError(accept(successor), "NoPendingAdmin", which);
        await expectAnchorError(propose(intruder, successor), "NotAdmin", which);
        const proposed = await eventOf(program, await propose(null, successor), "adminProposed");
        expect(proposed.admin.toBase58()).to.equal(payer.publicKey.toBase58());
        expect(proposed.pendingAdmin.toBase58()).to.equal(successor.publicKey.toBase58());
        let c = await fetchConfig();
        expect(c.admin.toBase58()).to.equal(payer.publicKey.toBase58());
        expect(c.pendingAdmin!.toBase58()).to.equal(successor.publicKey.toBase58());

        await expectAnchorError(accept(intruder), "NotPendingAdmin", which);
        const changed = await eventOf(program, await accept(successor), "adminChanged");
        expect(changed.previous.toBase58()).to.equal(payer.publicKey.toBase58());
        expect(changed.admin.toBase58()).to.equal(successor.publicKey.toBase58());
        c = await fetchConfig();
        expect(c.admin.toBase58()).to.equal(successor.publicKey.toBase58());
        expect(c.pendingAdmin).to.equal(null);

        // The former admin has no power left; the new one hands the config back.
        await expectAnchorError(propose(null, intruder), "NotAdmin", which);
        await propose(successor, payer);
        await accept(null);
        expect((await fetchConfig()).admin.toBase58()).to.equal(payer.publicKey.toBase58());
      });
    }
  });
});
