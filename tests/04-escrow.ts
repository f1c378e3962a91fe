// The escrow end to end through RPC: providers (register, update, bond, unbond, withdraw), jobs
// through every lifecycle path (confirm, release after the challenge window, refund unaccepted,
// refund undelivered with slash, dispute and resolution), the access-gated model (verify_access
// by CPI), and the main refusals by name. Windows of 1 s plus the on-chain clock stand in for the
// hours a real job waits.

import { expect } from "chai";
import { Keypair, PublicKey } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";

import {
  BN,
  ESCROW_FEE_BPS,
  ESCROW_MIN_BOND,
  ESCROW_SLASH_BPS,
  ESCROW_UNBONDING_DELAY,
  Published,
  USDC,
  World,
  accountExists,
  ata,
  ataAddress,
  big,
  bondVaultAddress,
  bpsOf,
  buyAccessCall,
  clockNow,
  escrow,
  escrowConfig,
  eventOf,
  expectAnchorError,
  jobAddress,
  jobVaultAddress,
  mintUsdc,
  newFundedKeypairs,
  passAddress,
  payer,
  providerAddress,
  publish,
  registry,
  royalties,
  royaltiesEventAuthority,
  tokenBalance,
  vaultAddress,
  waitForClock,
  world,
} from "./helpers";

const ROYALTY_BPS = 1_000;

describe("tessera-escrow", () => {
  let w: World;
  let publisher: Keypair;
  let providerAuth: Keypair;
  let consumer: Keypair;
  let stranger: Keypair;
  let model: Published; // served, ungated, 10% inference royalty
  let otherModel: Published; // not served at first
  let gated: Published; // access-gated
  let provider: PublicKey;
  let bondVault: PublicKey;
  let providerUsdc: PublicKey;
  let consumerUsdc: PublicKey;
  let nextJobId = 1;
  /** Jobs opened only for refusals; refunded once their accept window (30 s) has passed. */
  const neverAccepted: { job: PublicKey; acceptDeadline: number }[] = [];
  const NEVER_ACCEPTED_WINDOW = 30;

  before(async () => {
    w = await world();
    [publisher, providerAuth, consumer, stranger] = await newFundedKeypairs(4, 3);
    const recipients = [{ address: publisher.publicKey, bps: 10_000 }];
    model = await publish(w, publisher, { kind: "model", price: USDC, inferenceRoyaltyBps: ROYALTY_BPS, recipients });
    otherModel = await publish(w, publisher, { kind: "model", price: USDC, recipients });
    gated = await publish(w, publisher, {
      kind: "model",
      price: 250_000,
      inferenceRoyaltyBps: 500,
      inferenceGated: true,
      recipients,
    });
    provider = providerAddress(providerAuth.publicKey);
    bondVault = bondVaultAddress(provider);
    providerUsdc = await mintUsdc(w, providerAuth.publicKey, 50 * USDC);
    consumerUsdc = await mintUsdc(w, consumer.publicKey, 100 * USDC);
    await ata(w.usdc, stranger.publicKey);
  });

  // -------------------------------------------------------------------------------------------
  // Calls

  interface Windows {
    accept?: number;
    delivery?: number;
    challenge?: number;
  }

  const openJob = (
    m: Published,
    fee: number,
    windows: Windows = {},
    opts: { requested?: PublicKey; pass?: PublicKey; accessAccount?: PublicKey } = {},
  ) => {
    const jobId = new BN(nextJobId++);
    const job = jobAddress(consumer.publicKey, jobId);
    const call = escrow.methods
      .openJob({
        jobId,
        fee: new BN(fee),
        inputCommitment: Array(32).fill(nextJobId),
        provider: opts.requested ?? null,
        acceptWindow: windows.accept ?? 600,
        deliveryWindow: windows.delivery ?? 600,
        challengeWindow: windows.challenge ?? 600,
      })
      .accountsPartial({
        config: escrowConfig,
        consumer: consumer.publicKey,
        model: m.asset,
        job,
        jobVault: jobVaultAddress(job),
        mint: w.usdc,
        consumerTokenAccount: consumerUsdc,
        pass: opts.pass ?? null,
        consumerAccessAccount: opts.accessAccount ?? null,
        registryProgram: registry.programId,
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .signers([consumer]);
    return { jobId, job, call };
  };

  const acceptJob = (job: PublicKey, auth: Keypair = providerAuth) =>
    escrow.methods
      .acceptJob()
      .accountsPartial({ authority: auth.publicKey, config: escrowConfig, provider: providerAddress(auth.publicKey), job })
      .signers([auth])
      .rpc();

  const submitResult = (job: PublicKey, commitment: number[] = Array(32).fill(0xc0)) =>
    escrow.methods
      .submitResult(commitment)
      .accountsPartial({ authority: providerAuth.publicKey, provider, job })
      .signers([providerAuth])
      .rpc();

  const settlement = (job: PublicKey, m: Published) => ({
    config: escrowConfig,
    job,
    jobVault: jobVaultAddress(job),
    consumer: consumer.publicKey,
    provider,
    providerTokenAccount: providerUsdc,
    treasuryTokenAccount: w.treasuryUsdc,
    modelSplit: m.split,
    modelSplitVault: m.splitVault,
    mint: w.usdc,
    tokenProgram: TOKEN_PROGRAM_ID,
    royaltiesProgram: royalties.programId,
    royaltiesEventAuthority,
  });

  const confirmJob = (job: PublicKey, m: Published, signer: Keypair = consumer) =>
    escrow.methods
      .confirmJob()
      .accountsPartial({ consumerSigner: signer.publicKey, settlement: settlement(job, m) })
      .signers([signer])
      .rpc();

  const releaseJob = (job: PublicKey, m: Published, caller: Keypair = stranger) =>
    escrow.methods
      .releaseJob()
      .accountsPartial({ caller: caller.publicKey, settlement: settlement(job, m) })
      .signers([caller])
      .rpc();

  const refundJob = (job: PublicKey, accepted: boolean) =>
    escrow.methods
      .refundJob()
      .accountsPartial({
        caller: stranger.publicKey,
        config: escrowConfig,
        job,
        jobVault: jobVaultAddress(job),
        consumer: consumer.publicKey,
        consumerTokenAccount: consumerUsdc,
        provider: accepted ? provider : null,
        bondVault: accepted ? bondVault : null,
        mint: w.usdc,
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .signers([stranger])
      .rpc();

  const disputeJob = (job: PublicKey, signer: Keypair = consumer) =>
    escrow.methods
      .disputeJob()
      .accountsPartial({ consumer: signer.publicKey, job })
      .signers([signer])
      .rpc();

  const resolveDispute = (job: PublicKey, m: Published, bps: number, arbiter: Keypair) =>
    escrow.methods
      .resolveDispute(bps)
      .accountsPartial({
        arbiter: arbiter.publicKey,
        settlement: settlement(job, m),
        consumerTokenAccount: consumerUsdc,
        bondVault,
      })
      .signers([arbiter])
      .rpc();

  const providerAccount = () => escrow.account.provider.fetch(provider);

  // -------------------------------------------------------------------------------------------

  describe("providers", () => {
    it("register_provider refuses an empty endpoint (InvalidEndpoint)", async () => {
      await expectAnchorError(
        escrow.methods
          .registerProvider({ endpoint: "", models: [model.asset] })
          .accountsPartial({
            authority: providerAuth.publicKey,
            provider,
            mint: w.usdc,
            bondVault,
            tokenProgram: TOKEN_PROGRAM_ID,
          })
          .signers([providerAuth])
          .rpc(),
        "InvalidEndpoint",
        "escrow",
      );
    });

    it("register_provider: the provider and its empty bond vault; ProviderRegistered", async () => {
      const sig = await escrow.methods
        .registerProvider({ endpoint: "https://inference.example/v1", models: [model.asset] })
        .accountsPartial({
          authority: providerAuth.publicKey,
          provider,
          mint: w.usdc,
          bondVault,
          tokenProgram: TOKEN_PROGRAM_ID,
        })
        .signers([providerAuth])
        .rpc();
      const ev = await eventOf(escrow, sig, "providerRegistered");
      expect(ev.provider.toBase58()).to.equal(provider.toBase58());
      expect(ev.authority.toBase58()).to.equal(providerAuth.publicKey.toBase58());
      expect(ev.mint.toBase58()).to.equal(w.usdc.toBase58());
      expect(ev.endpoint).to.equal("https://inference.example/v1");
      expect(ev.models.map((m: PublicKey) => m.toBase58())).to.deep.equal([model.asset.toBase58()]);
      const p = await providerAccount();
      expect(p.bondVault.toBase58()).to.equal(bondVault.toBase58());
      expect(p.bond.toNumber()).to.equal(0);
      expect(await tokenBalance(bondVault)).to.equal(0n);
    });

    it("accept_job refuses a model the provider does not serve, an unbonded provider, another requested provider", async () => {
      const open = async (m: Published, requested?: PublicKey) => {
        const o = openJob(m, 100_000, { accept: NEVER_ACCEPTED_WINDOW }, { requested });
        const ev = await eventOf(escrow, await o.call.rpc(), "jobOpened");
        neverAccepted.push({ job: o.job, acceptDeadline: ev.acceptDeadline.toNumber() });
        return o;
      };
      const other = await open(otherModel);
      await expectAnchorError(acceptJob(other.job), "ProviderDoesNotServeModel", "escrow");

      const first = await open(model);
      await expectAnchorError(acceptJob(first.job), "BondBelowMinimum", "escrow");

      const requested = await open(model, Keypair.generate().publicKey);
      await expectAnchorError(acceptJob(requested.job), "NotRequestedProvider", "escrow");

      // update_provider: now it serves the other model too (and a duplicate is refused).
      await expectAnchorError(
        escrow.methods
          .updateProvider({ endpoint: "https://inference.example/v2", models: [model.asset, model.asset] })
          .accountsPartial({ authority: providerAuth.publicKey, provider })
          .signers([providerAuth])
          .rpc(),
        "DuplicateModel",
        "escrow",
      );
      const sig = await escrow.methods
        .updateProvider({ endpoint: "https://inference.example/v2", models: [model.asset, otherModel.asset] })
        .accountsPartial({ authority: providerAuth.publicKey, provider })
        .signers([providerAuth])
        .rpc();
      const ev = await eventOf(escrow, sig, "providerUpdated");
      expect(ev.endpoint).to.equal("https://inference.example/v2");
      expect(ev.models.map((m: PublicKey) => m.toBase58())).to.deep.equal([
        model.asset.toBase58(),
        otherModel.asset.toBase58(),
      ]);
      // Still unbonded: the served model now fails on the bond instead.
      await expectAnchorError(acceptJob(other.job), "BondBelowMinimum", "escrow");
    });

    it("bond: refuses zero; adds to the bond; BondChanged", async () => {
      const bond = (amount: number) =>
        escrow.methods
          .bond(new BN(amount))
          .accountsPartial({
            authority: providerAuth.publicKey,
            provider,
            bondVault,
            source: providerUsdc,
            mint: w.usdc,
            tokenProgram: TOKEN_PROGRAM_ID,
          })
          .signers([providerAuth])
          .rpc();
      await expectAnchorError(bond(0), "ZeroAmount", "escrow");
      const sig = await bond(10 * USDC);
      const ev = await eventOf(escrow, sig, "bondChanged");
      expect(ev.provider.toBase58()).to.equal(provider.toBase58());
      expect(big(ev.delta)).to.equal(BigInt(10 * USDC));
      expect(ev.bond.toNumber()).to.equal(10 * USDC);
      expect(ev.reason).to.deep.equal({ deposit: {} });
      expect(await tokenBalance(bondVault)).to.equal(BigInt(10 * USDC));
      expect((await providerAccount()).bond.toNumber()).to.be.greaterThanOrEqual(ESCROW_MIN_BOND);
    });
  });

  describe("jobs", () => {
    it("open → accept → submit → confirm: fee, royalty and provider parts exact; JobSettled", async () => {
      const fee = 2 * USDC;
      const { job, jobId, call } = openJob(model, fee);
      const consumerBefore = await tokenBalance(consumerUsdc);
      const openSig = await call.rpc();
      const opened = await eventOf(escrow, openSig, "jobOpened");
      expect(opened.job.toBase58()).to.equal(job.toBase58());
      expect(opened.jobId.toNumber()).to.equal(jobId.toNumber());
      expect(opened.model.toBase58()).to.equal(model.asset.toBase58());
      expect(opened.fee.toNumber()).to.equal(fee);
      expect(consumerBefore - (await tokenBalance(consumerUsdc))).to.equal(BigInt(fee));
      expect(await tokenBalance(jobVaultAddress(job))).to.equal(BigInt(fee));

      // Nobody accepted yet, and the accept window is open: no refund.
      await expectAnchorError(refundJob(job, false), "AcceptWindowOpen", "escrow");

      const acceptSig = await acceptJob(job);
      const accepted = await eventOf(escrow, acceptSig, "jobAccepted");
      expect(accepted.provider.toBase58()).to.equal(provider.toBase58());
      expect((await providerAccount()).openJobs).to.equal(1);

      await expectAnchorError(submitResult(job, Array(32).fill(0)), "ZeroResultCommitment", "escrow");
      const submitSig = await submitResult(job);
      const submitted = await eventOf(escrow, submitSig, "resultSubmitted");
      expect(submitted.resultCommitment).to.deep.equal(Array(32).fill(0xc0));

      await expectAnchorError(releaseJob(job, model), "ChallengeWindowOpen", "escrow");
      await expectAnchorError(confirmJob(job, model, stranger), "NotConsumer", "escrow");

      const before = {
        treasury: await tokenBalance(w.treasuryUsdc),
        split: await tokenBalance(model.splitVault),
        provider: await tokenBalance(providerUsdc),
      };
      const sig = await confirmJob(job, model);
      const toTreasury = bpsOf(BigInt(fee), ESCROW_FEE_BPS); // 20,000
      const toSplit = bpsOf(BigInt(fee), ROYALTY_BPS); // 200,000
      const toProvider = BigInt(fee) - toTreasury - toSplit; // 1,780,000
      expect([toTreasury, toSplit, toProvider]).to.deep.equal([20_000n, 200_000n, 1_780_000n]);

      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(ev.job.toBase58()).to.equal(job.toBase58());
      expect(ev.outcome).to.deep.equal({ confirmed: {} });
      expect(big(ev.fee)).to.equal(BigInt(fee));
      expect(big(ev.toTreasury)).to.equal(toTreasury);
      expect(big(ev.toModelSplit)).to.equal(toSplit);
      expect(big(ev.toProvider)).to.equal(toProvider);
      expect(big(ev.toConsumer)).to.equal(0n);
      expect(big(ev.slashed)).to.equal(0n);
      expect((await tokenBalance(w.treasuryUsdc)) - before.treasury).to.equal(toTreasury);
      expect((await tokenBalance(model.splitVault)) - before.split).to.equal(toSplit);
      expect((await tokenBalance(providerUsdc)) - before.provider).to.equal(toProvider);
      // The royalty went through the royalties program's deposit (its event, same transaction).
      const deposited = await eventOf(royalties, sig, "deposited");
      expect(deposited.split.toBase58()).to.equal(model.split.toBase58());
      expect(big(deposited.received)).to.equal(toSplit);
      // The job and its vault are closed.
      expect(await accountExists(job)).to.equal(false);
      expect(await accountExists(jobVaultAddress(job))).to.equal(false);
      const p = await providerAccount();
      expect(p.openJobs).to.equal(0);
      expect(p.jobsCompleted.toNumber()).to.equal(1);
    });

    it("the Job account decodes with the committed IDL (its field order is the on-chain layout)", async () => {
      const fee = 300_000;
      const { job, jobId, call } = openJob(model, fee);
      const opened = await eventOf(escrow, await call.rpc(), "jobOpened");
      const j = await escrow.account.job.fetch(job);
      expect(j.consumer.toBase58()).to.equal(consumer.publicKey.toBase58());
      expect(j.jobId.toNumber()).to.equal(jobId.toNumber());
      expect(j.model.toBase58()).to.equal(model.asset.toBase58());
      expect(j.mint.toBase58()).to.equal(w.usdc.toBase58());
      expect(j.vault.toBase58()).to.equal(jobVaultAddress(job).toBase58());
      expect(j.provider.toBase58()).to.equal(PublicKey.default.toBase58());
      expect(j.state).to.deep.equal({ open: {} });
      expect(j.fee.toNumber()).to.equal(fee);
      expect(j.feeBps).to.equal(ESCROW_FEE_BPS);
      expect(j.royaltyBps).to.equal(ROYALTY_BPS);
      expect(j.modelSplit.toBase58()).to.equal(model.split.toBase58());
      expect(j.acceptDeadline.toNumber()).to.equal(opened.acceptDeadline.toNumber());
      expect(j.requestedProvider).to.equal(null);

      const accepted = await eventOf(escrow, await acceptJob(job), "jobAccepted");
      const ja = await escrow.account.job.fetch(job);
      expect(ja.state).to.deep.equal({ accepted: {} });
      expect(ja.provider.toBase58()).to.equal(provider.toBase58());
      expect(ja.deliveryDeadline.toNumber()).to.equal(accepted.deliveryDeadline.toNumber());
      await submitResult(job);
      expect((await escrow.account.job.fetch(job)).state).to.deep.equal({ delivered: {} });
      await confirmJob(job, model);
      expect(await accountExists(job)).to.equal(false);
    });

    it("release after the challenge window (1 s), by anyone", async () => {
      const fee = USDC;
      const { job, call } = openJob(model, fee, { challenge: 1 });
      await call.rpc();
      await acceptJob(job);
      const submitted = await eventOf(escrow, await submitResult(job), "resultSubmitted");
      await waitForClock(submitted.challengeDeadline.toNumber());
      // Too late to dispute now.
      await expectAnchorError(disputeJob(job), "ChallengeWindowClosed", "escrow");
      const before = await tokenBalance(providerUsdc);
      const sig = await releaseJob(job, model, stranger);
      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(ev.outcome).to.deep.equal({ released: {} });
      expect(big(ev.toTreasury)).to.equal(10_000n);
      expect(big(ev.toModelSplit)).to.equal(100_000n);
      expect(big(ev.toProvider)).to.equal(890_000n);
      expect((await tokenBalance(providerUsdc)) - before).to.equal(890_000n);
      expect(await accountExists(job)).to.equal(false);
    });

    it("refund when nobody accepted within the accept window (1 s)", async () => {
      const fee = 700_000;
      const consumerBefore = await tokenBalance(consumerUsdc);
      const { job, call } = openJob(model, fee, { accept: 1 });
      const opened = await eventOf(escrow, await call.rpc(), "jobOpened");
      await waitForClock(opened.acceptDeadline.toNumber());
      await expectAnchorError(acceptJob(job), "AcceptWindowClosed", "escrow");
      const sig = await refundJob(job, false);
      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(ev.outcome).to.deep.equal({ refundedUnaccepted: {} });
      expect(big(ev.toConsumer)).to.equal(BigInt(fee));
      expect(big(ev.slashed)).to.equal(0n);
      expect(await tokenBalance(consumerUsdc)).to.equal(consumerBefore);
      expect(await accountExists(job)).to.equal(false);
    });

    it("refund when the provider missed its delivery deadline (1 s): the bond is slashed to the consumer", async () => {
      const fee = 500_000;
      const { job, call } = openJob(model, fee, { delivery: 1 });
      await call.rpc();
      const accepted = await eventOf(escrow, await acceptJob(job), "jobAccepted");
      const bondBefore = (await providerAccount()).bond;
      await waitForClock(accepted.deliveryDeadline.toNumber());
      await expectAnchorError(submitResult(job), "DeliveryDeadlinePassed", "escrow");
      const consumerBefore = await tokenBalance(consumerUsdc);
      const sig = await refundJob(job, true);
      const slashed = bpsOf(big(bondBefore), ESCROW_SLASH_BPS); // 2,000,000 of 10,000,000
      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(ev.outcome).to.deep.equal({ refundedUndelivered: {} });
      expect(big(ev.toConsumer)).to.equal(BigInt(fee));
      expect(big(ev.slashed)).to.equal(slashed);
      expect((await tokenBalance(consumerUsdc)) - consumerBefore).to.equal(BigInt(fee) + slashed);
      const p = await providerAccount();
      expect(big(p.bond)).to.equal(big(bondBefore) - slashed);
      expect(await tokenBalance(bondVault)).to.equal(big(p.bond));
      expect(p.openJobs).to.equal(0);
      expect(p.jobsRefunded.toNumber()).to.equal(1);
    });

    it("dispute → the arbiter divides the fee (30% to the provider, which is slashed)", async () => {
      const fee = 2 * USDC;
      const { job, call } = openJob(model, fee);
      await call.rpc();
      await acceptJob(job);
      await submitResult(job);
      await expectAnchorError(disputeJob(job, stranger), "NotConsumer", "escrow");
      const disputeSig = await disputeJob(job);
      const disputed = await eventOf(escrow, disputeSig, "jobDisputed");
      expect(disputed.job.toBase58()).to.equal(job.toBase58());
      expect(disputed.consumer.toBase58()).to.equal(consumer.publicKey.toBase58());
      // A disputed job is neither confirmed nor released.
      await expectAnchorError(confirmJob(job, model), "InvalidJobState", "escrow");

      await expectAnchorError(resolveDispute(job, model, 3_000, stranger), "NotArbiter", "escrow");
      await expectAnchorError(resolveDispute(job, model, 10_001, w.arbiter), "BpsAboveMax", "escrow");

      const bondBefore = big((await providerAccount()).bond);
      const before = {
        consumer: await tokenBalance(consumerUsdc),
        provider: await tokenBalance(providerUsdc),
        treasury: await tokenBalance(w.treasuryUsdc),
        split: await tokenBalance(model.splitVault),
      };
      const sig = await resolveDispute(job, model, 3_000, w.arbiter);
      const providerPart = bpsOf(BigInt(fee), 3_000); // 600,000
      const toTreasury = bpsOf(providerPart, ESCROW_FEE_BPS); // 6,000
      const toSplit = bpsOf(providerPart, ROYALTY_BPS); // 60,000
      const toProvider = providerPart - toTreasury - toSplit; // 534,000
      const toConsumer = BigInt(fee) - providerPart; // 1,400,000
      const slashed = bpsOf(bondBefore, ESCROW_SLASH_BPS);
      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(ev.outcome).to.deep.equal({ resolved: { providerShareBps: 3_000 } });
      expect([big(ev.toTreasury), big(ev.toModelSplit), big(ev.toProvider), big(ev.toConsumer)]).to.deep.equal([
        toTreasury,
        toSplit,
        toProvider,
        toConsumer,
      ]);
      expect(big(ev.slashed)).to.equal(slashed);
      expect((await tokenBalance(consumerUsdc)) - before.consumer).to.equal(toConsumer + slashed);
      expect((await tokenBalance(providerUsdc)) - before.provider).to.equal(toProvider);
      expect((await tokenBalance(w.treasuryUsdc)) - before.treasury).to.equal(toTreasury);
      expect((await tokenBalance(model.splitVault)) - before.split).to.equal(toSplit);
      const p = await providerAccount();
      expect(p.disputesLost.toNumber()).to.equal(1);
      expect(big(p.bond)).to.equal(bondBefore - slashed);
      expect(await accountExists(job)).to.equal(false);
    });

    it("an access-gated model: no pass (AccessProofMissing); a valid pass (verify_access by CPI); no token (NoAccessToken)", async () => {
      await expectAnchorError(openJob(gated, 100_000).call.rpc(), "AccessProofMissing", "escrow");

      await (await buyAccessCall(w, consumer, gated.asset, 1, 250_000)).rpc();
      const pass = passAddress(gated.asset, consumer.publicKey);
      const accessAccount = ataAddress(gated.accessMint, consumer.publicKey);
      const ok = openJob(gated, 100_000, { accept: 1 }, { pass, accessAccount });
      const opened = await eventOf(escrow, await ok.call.rpc(), "jobOpened");
      expect(opened.model.toBase58()).to.equal(gated.asset.toBase58());

      // Redeem the only access token: the registry's verify_access (called by the escrow)
      // refuses, and its error comes back through the CPI.
      await registry.methods
        .redeemAccess(new BN(1))
        .accountsPartial({
          holder: consumer.publicKey,
          asset: gated.asset,
          pass,
          accessMint: gated.accessMint,
          holderAccessAccount: accessAccount,
        })
        .signers([consumer])
        .rpc();
      await expectAnchorError(
        openJob(gated, 100_000, {}, { pass, accessAccount }).call.rpc(),
        "NoAccessToken",
        "registry",
      );

      await waitForClock(opened.acceptDeadline.toNumber());
      await refundJob(ok.job, false);
    });

    it("refunds the jobs opened for the refusals above once their accept window has passed", async () => {
      expect(neverAccepted.length).to.equal(3);
      const consumerBefore = await tokenBalance(consumerUsdc);
      for (const { job, acceptDeadline } of neverAccepted) {
        await waitForClock(acceptDeadline);
        const ev = await eventOf(escrow, await refundJob(job, false), "jobSettled");
        expect(ev.outcome).to.deep.equal({ refundedUnaccepted: {} });
        expect(big(ev.toConsumer)).to.equal(100_000n);
      }
      expect((await tokenBalance(consumerUsdc)) - consumerBefore).to.equal(300_000n);
      expect((await providerAccount()).openJobs).to.equal(0);
    });
  });

  describe("unbonding", () => {
    const requestUnbond = (amount: BN | number) =>
      escrow.methods
        .requestUnbond(new BN(amount.toString()))
        .accountsPartial({ authority: providerAuth.publicKey, config: escrowConfig, provider })
        .signers([providerAuth])
        .rpc();
    const withdrawBond = () =>
      escrow.methods
        .withdrawBond()
        .accountsPartial({
          authority: providerAuth.publicKey,
          config: escrowConfig,
          provider,
          bondVault,
          destination: providerUsdc,
          mint: w.usdc,
          tokenProgram: TOKEN_PROGRAM_ID,
        })
        .signers([providerAuth])
        .rpc();
    const setUnbondingDelay = (unbondingDelay: number) =>
      escrow.methods
        .updateConfig({ ...w.settings.escrow, unbondingDelay })
        .accountsPartial({ admin: payer.publicKey, config: escrowConfig })
        .rpc();

    after(async () => {
      await setUnbondingDelay(ESCROW_UNBONDING_DELAY);
    });

    it("request_unbond refuses more than the bond; withdraw_bond refuses before a request", async () => {
      const bond = (await providerAccount()).bond;
      await expectAnchorError(requestUnbond(bond.addn(1)), "UnbondAboveBond", "escrow");
      await expectAnchorError(withdrawBond(), "NoUnbondRequested", "escrow");
    });

    it("withdraw_bond is refused until the unbonding delay has elapsed (UnbondingDelayNotElapsed)", async () => {
      const sig = await requestUnbond(USDC);
      const ev = await eventOf(escrow, sig, "unbondRequested");
      expect(ev.amount.toNumber()).to.equal(USDC);
      const now = await clockNow();
      expect(ev.availableAt.toNumber()).to.be.within(now + ESCROW_UNBONDING_DELAY - 60, now + ESCROW_UNBONDING_DELAY);
      await expectAnchorError(withdrawBond(), "UnbondingDelayNotElapsed", "escrow");
    });

    it("with the delay set to 0 by the admin, withdraw_bond pays the bond back; BondChanged", async () => {
      // The clock cannot be moved on a live validator: the admin shortens the (global) delay.
      await setUnbondingDelay(0);
      const p0 = await providerAccount();
      const before = await tokenBalance(providerUsdc);
      const sig = await withdrawBond();
      const ev = await eventOf(escrow, sig, "bondChanged");
      expect(ev.reason).to.deep.equal({ withdrawal: {} });
      expect(big(ev.delta)).to.equal(-BigInt(USDC));
      expect(big(ev.bond)).to.equal(big(p0.bond) - BigInt(USDC));
      expect((await tokenBalance(providerUsdc)) - before).to.equal(BigInt(USDC));
      const p = await providerAccount();
      expect(p.unbondAmount.toNumber()).to.equal(0);
      expect(await tokenBalance(bondVault)).to.equal(big(p.bond));
      await expectAnchorError(withdrawBond(), "NoUnbondRequested", "escrow");
    });
  });
});
