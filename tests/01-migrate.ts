// The configs: migrations/deploy.ts (initialize_config of the registry and the escrow, as
// `anchor migrate` runs it), its idempotence, the upgrade-authority guard, and update_config of
// both programs.

import { expect } from "chai";
import { Keypair } from "@solana/web3.js";

import deploy, { settingsFromEnv } from "../migrations/deploy";
import {
  BN,
  ESCROW_FEE_BPS,
  ESCROW_MIN_BOND,
  ESCROW_SLASH_BPS,
  ESCROW_UNBONDING_DELAY,
  REGISTRY_FEE_BPS,
  World,
  accountExists,
  escrow,
  escrowConfig,
  eventOf,
  expectAnchorError,
  newFundedKeypairs,
  payer,
  provider,
  registry,
  registryConfig,
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
    if ((await accountExists(registryConfig)) || (await accountExists(escrowConfig))) {
      this.skip();
    }
    await expectAnchorError(
      registry.methods
        .initializeConfig({
          admin: intruder.publicKey,
          treasury: intruder.publicKey,
          feeBps: 0,
          paymentMints: [],
        })
        .accountsPartial({ upgradeAuthority: intruder.publicKey, config: registryConfig })
        .signers([intruder])
        .rpc(),
      "NotUpgradeAuthority",
      "registry",
    );
    await expectAnchorError(
      escrow.methods
        .initializeConfig({
          admin: intruder.publicKey,
          treasury: intruder.publicKey,
          arbiter: intruder.publicKey,
          feeBps: 0,
          slashBps: 0,
          minBond: new BN(0),
          unbondingDelay: 0,
        })
        .accountsPartial({ upgradeAuthority: intruder.publicKey, config: escrowConfig })
        .signers([intruder])
        .rpc(),
      "NotUpgradeAuthority",
      "escrow",
    );
    expect(await accountExists(registryConfig)).to.equal(false);
    expect(await accountExists(escrowConfig)).to.equal(false);
  });

  let w: World;

  it("initialises both configs with the migration (admin = provider wallet)", async () => {
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
    expect(esc.minBond.toNumber()).to.equal(ESCROW_MIN_BOND);
    expect(esc.unbondingDelay).to.equal(ESCROW_UNBONDING_DELAY);

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
      expect(ev.arbiter.toBase58()).to.equal(w.arbiter.publicKey.toBase58());
      expect(ev.unbondingDelay).to.equal(ESCROW_UNBONDING_DELAY);
    }
  });

  it("is idempotent: the anchor-migrate entry point skips existing configs", async () => {
    // `deploy` is what `anchor migrate` calls (module.exports); settings from the environment.
    expect(typeof deploy).to.equal("function");
    const before = await registry.account.config.fetch(registryConfig);
    const result = await deploy(provider);
    expect(result.registry.created).to.equal(false);
    expect(result.escrow.created).to.equal(false);
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
        registry.methods
          .updateConfig({ newAdmin: null, treasury: null, feeBps: 0, paymentMints: null, paused: null })
          .accountsPartial({ admin: intruder.publicKey, config: registryConfig })
          .signers([intruder])
          .rpc(),
        "NotAdmin",
        "registry",
      );
    });

    it("refuses a fee above 1,000 bps (FeeAboveCap) and a duplicate mint (DuplicatePaymentMint)", async () => {
      await expectAnchorError(
        registry.methods
          .updateConfig({ newAdmin: null, treasury: null, feeBps: 1_001, paymentMints: null, paused: null })
          .accountsPartial({ admin: payer.publicKey, config: registryConfig })
          .rpc(),
        "FeeAboveCap",
        "registry",
      );
      await expectAnchorError(
        registry.methods
          .updateConfig({
            newAdmin: null,
            treasury: null,
            feeBps: null,
            paymentMints: [w.usdc, w.usdc],
            paused: null,
          })
          .accountsPartial({ admin: payer.publicKey, config: registryConfig })
          .rpc(),
        "DuplicatePaymentMint",
        "registry",
      );
    });

    it("changes the fee and emits ConfigUpdated; then restores it", async () => {
      try {
        const sig = await registry.methods
          .updateConfig({ newAdmin: null, treasury: null, feeBps: 333, paymentMints: null, paused: null })
          .accountsPartial({ admin: payer.publicKey, config: registryConfig })
          .rpc();
        const ev = await eventOf(registry, sig, "configUpdated");
        expect(ev.feeBps).to.equal(333);
        expect(ev.paused).to.equal(false);
        expect(ev.treasury.toBase58()).to.equal(w.treasury.publicKey.toBase58());
        expect((await registry.account.config.fetch(registryConfig)).feeBps).to.equal(333);
      } finally {
        await registry.methods
        .updateConfig({
          newAdmin: null,
          treasury: null,
          feeBps: REGISTRY_FEE_BPS,
          paymentMints: null,
          paused: null,
        })
          .accountsPartial({ admin: payer.publicKey, config: registryConfig })
          .rpc();
      }
      expect((await registry.account.config.fetch(registryConfig)).feeBps).to.equal(REGISTRY_FEE_BPS);
    });
  });

  describe("escrow update_config", () => {
    it("refuses a key that is not the admin (NotAdmin) and a delay above 90 days", async () => {
      await expectAnchorError(
        escrow.methods
          .updateConfig({ ...w.settings.escrow, admin: intruder.publicKey })
          .accountsPartial({ admin: intruder.publicKey, config: escrowConfig })
          .signers([intruder])
          .rpc(),
        "NotAdmin",
        "escrow",
      );
      await expectAnchorError(
        escrow.methods
          .updateConfig({ ...w.settings.escrow, unbondingDelay: 90 * 24 * 3_600 + 1 })
          .accountsPartial({ admin: payer.publicKey, config: escrowConfig })
          .rpc(),
        "UnbondingDelayTooLong",
        "escrow",
      );
    });

    it("replaces the settings and emits EscrowConfigUpdated; then restores them", async () => {
      try {
        const sig = await escrow.methods
          .updateConfig({ ...w.settings.escrow, slashBps: 7_777, minBond: new BN(5) })
          .accountsPartial({ admin: payer.publicKey, config: escrowConfig })
          .rpc();
        const ev = await eventOf(escrow, sig, "escrowConfigUpdated");
        expect(ev.slashBps).to.equal(7_777);
        expect(ev.minBond.toNumber()).to.equal(5);
        expect((await escrow.account.escrowConfig.fetch(escrowConfig)).slashBps).to.equal(7_777);
      } finally {
        await escrow.methods
          .updateConfig(w.settings.escrow)
          .accountsPartial({ admin: payer.publicKey, config: escrowConfig })
          .rpc();
      }
      expect((await escrow.account.escrowConfig.fetch(escrowConfig)).slashBps).to.equal(ESCROW_SLASH_BPS);
    });
  });
});
