// The escrow end to end through RPC: providers (register, update, bond, sync_bond, unbond,
// withdraw), jobs through every lifecycle path (confirm, release after the challenge window,
// refund unaccepted, refund undelivered with the slash fixed at acceptance, dispute and
// resolution, settlement by the default rule after the dispute deadline), the provider's guards
// on accept_job, the publisher's allow-list, stray tokens in a job vault (surplus to the
// consumer), the access-gated model (verify_access by CPI), and the main refusals by name.
// Windows of 1 s (the suite's configured minimum) plus the on-chain clock stand in for the hours
// a real job waits; the dispute window is shortened the same way, through the config, for the
// one job that is settled by default (it is fixed on the job when it is accepted).

import { expect } from "chai";
import { Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID, transfer } from "@solana/spl-token";
import {
  type JobRef,
  type SettleAccounts,
  acceptJobInstruction,
  bondInstruction,
  confirmJobInstruction,
  disputeJobInstruction,
  openJobInstruction,
  redeemAccessInstruction,
  refundJobInstruction,
  registerProviderInstruction,
  releaseJobInstruction,
  requestUnbondInstruction,
  resolveDisputeInstruction,
  setModelProvidersInstruction,
  settleDisputeInstruction,
  submitResultInstruction,
  syncBondInstruction,
  updateEscrowConfigInstruction,
  updateProviderInstruction,
  withdrawBondInstruction,
} from "@tessera/sdk";

import {
  BN,
  COMMITMENT,
  ESCROW_DISPUTE_WINDOW,
  ESCROW_FEE_BPS,
  ESCROW_MAX_SLASH_FEE_MULTIPLE,
  ESCROW_MIN_BOND,
  ESCROW_SLASH_BPS,
  ESCROW_UNBONDING_DELAY,
  Published,
  USDC,
  World,
  accountExists,
  ataAddress,
  big,
  bondVaultAddress,
  bpsOf,
  buyAccessCall,
  call as callOf,
  clockNow,
  connection,
  escrow,
  escrowConfig,
  eventOf,
  eventsOf,
  expectAnchorError,
  jobAddress,
  jobVaultAddress,
  mintUsdc,
  modelProvidersAddress,
  newFundedKeypairs,
  passAddress,
  payer,
  provider as provider_,
  providerAddress,
  publish,
  royalties,
  send,
  tokenBalance,
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
  let strangerUsdc: PublicKey;
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
    strangerUsdc = await mintUsdc(w, stranger.publicKey, USDC);
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
    /** `gated`: pass the consumer's pass and access-token account (an access-gated model). */
    opts: { requested?: PublicKey; gated?: boolean } = {},
  ) => {
    const jobId = new BN(nextJobId++);
    const built = openJobInstruction({
      consumer: consumer.publicKey,
      model: m.asset,
      mint: w.usdc,
      tokenProgram: TOKEN_PROGRAM_ID,
      gated: opts.gated ?? false,
      consumerTokenAccount: consumerUsdc,
      args: {
        jobId,
        fee,
        inputCommitment: Array(32).fill(nextJobId),
        provider: opts.requested ?? null,
        acceptWindow: windows.accept ?? 600,
        deliveryWindow: windows.delivery ?? 600,
        challengeWindow: windows.challenge ?? 600,
      },
    });
    expect(built.job.toBase58()).to.equal(jobAddress(consumer.publicKey, jobId).toBase58());
    return { jobId, job: built.job, call: callOf(built.instruction, [consumer]) };
  };

  interface Guards {
    /** The job instance the provider saw: its input commitment and funding time. */
    inputCommitment: number[];
    fundedAt: BN;
    fee: BN;
    deliveryWindow: number;
    challengeWindow: number;
    maxSlash: BN;
    /** The arbiter and the dispute window the provider agrees to (the config's now). */
    arbiter: PublicKey;
    disputeWindow: number;
  }

  /** What accepting would put at stake: min(slash_bps × the provider's bond, multiple × fee). */
  const expectedSlash = async (fee: BN | number, auth: Keypair = providerAuth): Promise<bigint> => {
    const [p, c] = await Promise.all([
      escrow.account.provider.fetch(providerAddress(auth.publicKey)),
      escrow.account.escrowConfig.fetch(escrowConfig),
    ]);
    const byBond = bpsOf(big(p.bond), c.slashBps);
    const byFee = big(fee) * BigInt(c.maxSlashFeeMultiple);
    return byBond < byFee ? byBond : byFee;
  };

  /** The guards a provider sends after reading the job: its fee, its windows, the slash shown. */
  const guardsFor = async (job: PublicKey, auth: Keypair = providerAuth): Promise<Guards> => {
    const j = await escrow.account.job.fetchNullable(job);
    if (!j) {
      return {
        inputCommitment: Array(32).fill(0),
        fundedAt: new BN(0),
        fee: new BN(0),
        deliveryWindow: 0,
        challengeWindow: 0,
        maxSlash: new BN(0),
        arbiter: PublicKey.default,
        disputeWindow: 0,
      };
    }
    const config = await escrow.account.escrowConfig.fetch(escrowConfig);
    return {
      arbiter: config.arbiter,
      disputeWindow: config.disputeWindow,
      inputCommitment: j.inputCommitment,
      fundedAt: j.fundedAt,
      fee: j.fee,
      deliveryWindow: j.deliveryWindow,
      challengeWindow: j.challengeWindow,
      maxSlash: new BN((await expectedSlash(j.fee, auth)).toString()),
    };
  };

  const acceptJob = async (job: PublicKey, auth: Keypair = providerAuth, guards?: Partial<Guards>) => {
    const j = await escrow.account.job.fetchNullable(job);
    const ix = acceptJobInstruction(auth.publicKey, job, j ? j.model : PublicKey.default, {
      ...(await guardsFor(job, auth)),
      ...guards,
    });
    return send(ix, [auth]);
  };

  const submitResult = (job: PublicKey, commitment: number[] = Array(32).fill(0xc0)) =>
    send(submitResultInstruction(providerAuth.publicKey, job, commitment), [providerAuth]);

  /** The job as the settlement builders read it (known here; the job account may be closed). */
  const jobRef = (job: PublicKey, m: Published, accepted = true): JobRef => ({
    consumer: consumer.publicKey,
    model: m.asset,
    mint: w.usdc,
    vault: jobVaultAddress(job),
    provider: accepted ? provider : PublicKey.default,
    modelSplit: m.split,
  });

  /** The settlement payees: the provider's, the treasury's and the consumer's USDC accounts. */
  const payees = (): SettleAccounts => ({
    providerTokenAccount: providerUsdc,
    treasuryTokenAccount: w.treasuryUsdc,
    consumerTokenAccount: consumerUsdc,
    tokenProgram: TOKEN_PROGRAM_ID,
  });

  const confirmJob = (job: PublicKey, m: Published, signer: Keypair = consumer) =>
    send(confirmJobInstruction(job, jobRef(job, m), payees(), signer.publicKey), [signer]);

  const releaseJob = (job: PublicKey, m: Published, caller: Keypair = stranger) =>
    send(releaseJobInstruction(caller.publicKey, job, jobRef(job, m), payees()), [caller]);

  const refundJob = (job: PublicKey, accepted: boolean) =>
    send(refundJobInstruction(stranger.publicKey, job, jobRef(job, model, accepted), TOKEN_PROGRAM_ID, consumerUsdc), [
      stranger,
    ]);

  const disputeJob = (job: PublicKey, signer: Keypair = consumer) =>
    send(disputeJobInstruction(signer.publicKey, job), [signer]);

  const resolveDispute = (job: PublicKey, m: Published, bps: number, arbiter: Keypair) =>
    send(resolveDisputeInstruction(arbiter.publicKey, job, jobRef(job, m), payees(), bps), [arbiter]);

  const settleDispute = (job: PublicKey, m: Published, caller: Keypair = stranger) =>
    send(settleDisputeInstruction(caller.publicKey, job, jobRef(job, m), payees()), [caller]);

  const setModelProviders = (m: Published, providers: PublicKey[], signer: Keypair = publisher) =>
    send(setModelProvidersInstruction(signer.publicKey, m.asset, providers), [signer]);

  /** update_config with the suite's settings changed by `change` (the admin is the provider wallet). */
  const updateEscrowConfig = (change: Partial<typeof w.settings.escrow>) =>
    send(updateEscrowConfigInstruction(payer.publicKey, { ...w.settings.escrow, ...change }));

  const providerAccount = () => escrow.account.provider.fetch(provider);

  // -------------------------------------------------------------------------------------------

  describe("providers", () => {
    it("register_provider refuses an empty endpoint (InvalidEndpoint)", async () => {
      await expectAnchorError(
        send(
          registerProviderInstruction(providerAuth.publicKey, w.usdc, TOKEN_PROGRAM_ID, { endpoint: "", models: [model.asset] }),
          [providerAuth],
        ),
        "InvalidEndpoint",
        "escrow",
      );
    });

    it("register_provider: the provider and its empty bond vault; ProviderRegistered", async () => {
      const sig = await send(
        registerProviderInstruction(providerAuth.publicKey, w.usdc, TOKEN_PROGRAM_ID, {
          endpoint: "https://inference.example/v1",
          models: [model.asset],
        }),
        [providerAuth],
      );
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
      const updateProvider = (models: PublicKey[]) =>
        send(updateProviderInstruction(providerAuth.publicKey, { endpoint: "https://inference.example/v2", models }), [
          providerAuth,
        ]);
      await expectAnchorError(
        updateProvider([model.asset, model.asset]),
        "DuplicateModel",
        "escrow",
      );
      const sig = await updateProvider([model.asset, otherModel.asset]);
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
        send(
          bondInstruction({
            authority: providerAuth.publicKey,
            mint: w.usdc,
            tokenProgram: TOKEN_PROGRAM_ID,
            amount,
            source: providerUsdc,
          }),
          [providerAuth],
        );
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

    it("sync_bond: tokens sent straight to the bond vault are credited to the bond, by anyone; BondChanged", async () => {
      const before = big((await providerAccount()).bond);
      await transfer(connection, stranger, strangerUsdc, bondVault, stranger, 3, [], { commitment: COMMITMENT });
      expect(await tokenBalance(bondVault)).to.equal(before + 3n);
      expect(big((await providerAccount()).bond)).to.equal(before);
      // Permissionless: no signer but the fee payer.
      const sync = () => send(syncBondInstruction(provider));
      const sig = await sync();
      const ev = await eventOf(escrow, sig, "bondChanged");
      expect(ev.reason).to.deep.equal({ sync: {} });
      expect(big(ev.delta)).to.equal(3n);
      expect(big(ev.bond)).to.equal(before + 3n);
      expect(big((await providerAccount()).bond)).to.equal(await tokenBalance(bondVault));
      // Nothing more to credit: succeeds, no event.
      const again = await sync();
      expect((await eventsOf(escrow, again)).filter((e) => e.name === "bondChanged")).to.deep.equal([]);
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

      const slash = await expectedSlash(fee);
      const acceptSig = await acceptJob(job);
      const accepted = await eventOf(escrow, acceptSig, "jobAccepted");
      expect(accepted.provider.toBase58()).to.equal(provider.toBase58());
      expect(big(accepted.slashAmount)).to.equal(slash);
      expect(accepted.arbiter.toBase58()).to.equal(w.arbiter.publicKey.toBase58());
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
      expect(big(ev.surplus)).to.equal(0n);
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
      expect(big(ja.slashAmount)).to.equal(big(accepted.slashAmount));
      expect(ja.arbiter.toBase58()).to.equal(w.arbiter.publicKey.toBase58());
      expect(ja.disputeWindow).to.equal(ESCROW_DISPUTE_WINDOW);
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

    it("refund when nobody accepted within the accept window (1 s); its addresses were pre-funded by a stranger", async () => {
      const fee = 700_000;
      const consumerBefore = await tokenBalance(consumerUsdc);
      const { job, call } = openJob(model, fee, { accept: 1 });
      // Lamports sent to the job's and its vault's addresses first do not stop open_job.
      await provider_.sendAndConfirm(
        new Transaction().add(
          SystemProgram.transfer({ fromPubkey: stranger.publicKey, toPubkey: job, lamports: 900_000 }),
          SystemProgram.transfer({ fromPubkey: stranger.publicKey, toPubkey: jobVaultAddress(job), lamports: 900_000 }),
        ),
        [stranger],
      );
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

    it("refund when the provider missed its delivery deadline (1 s): the slash fixed at acceptance goes to the consumer", async () => {
      const fee = 500_000;
      const { job, call } = openJob(model, fee, { delivery: 1 });
      await call.rpc();
      const accepted = await eventOf(escrow, await acceptJob(job), "jobAccepted");
      const bondBefore = (await providerAccount()).bond;
      // Fixed at acceptance: 20% of the bond would be 2,000,000; the fee cap (2 × 500,000) wins.
      const slashed = BigInt(ESCROW_MAX_SLASH_FEE_MULTIPLE) * BigInt(fee);
      expect(bpsOf(big(bondBefore), ESCROW_SLASH_BPS) > slashed).to.equal(true);
      expect(big(accepted.slashAmount)).to.equal(slashed);
      await waitForClock(accepted.deliveryDeadline.toNumber());
      await expectAnchorError(submitResult(job), "DeliveryDeadlinePassed", "escrow");
      const consumerBefore = await tokenBalance(consumerUsdc);
      const sig = await refundJob(job, true);
      const bondEv = await eventOf(escrow, sig, "bondChanged");
      expect(bondEv.reason).to.deep.equal({ slash: {} });
      expect(big(bondEv.delta)).to.equal(-slashed);
      expect(big(bondEv.bond)).to.equal(big(bondBefore) - slashed);
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
      const acceptSig = await acceptJob(job);
      await submitResult(job);
      await expectAnchorError(disputeJob(job, stranger), "NotConsumer", "escrow");
      const disputeSig = await disputeJob(job);
      const disputed = await eventOf(escrow, disputeSig, "jobDisputed");
      expect(disputed.job.toBase58()).to.equal(job.toBase58());
      expect(disputed.consumer.toBase58()).to.equal(consumer.publicKey.toBase58());
      // A disputed job is neither confirmed nor released.
      await expectAnchorError(confirmJob(job, model), "InvalidJobState", "escrow");

      expect(disputed.disputeDeadline.toNumber()).to.be.within(
        (await clockNow()) + ESCROW_DISPUTE_WINDOW - 60,
        (await clockNow()) + ESCROW_DISPUTE_WINDOW,
      );
      // Before the dispute deadline only the arbiter decides.
      await expectAnchorError(settleDispute(job, model), "DisputeWindowOpen", "escrow");

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
      // Fixed at acceptance: 20% of the bond (below the fee cap of 2 × 2,000,000).
      const slashed = big((await eventOf(escrow, acceptSig, "jobAccepted")).slashAmount);
      expect(slashed).to.equal(bpsOf(bondBefore, ESCROW_SLASH_BPS));
      expect(slashed < BigInt(ESCROW_MAX_SLASH_FEE_MULTIPLE * fee)).to.equal(true);
      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(ev.outcome).to.deep.equal({ resolved: { providerShareBps: 3_000 } });
      expect(big(ev.surplus)).to.equal(0n);
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

    it("accept_job carries the provider's guards: another job instance or other terms (JobTermsChanged), a larger slash (SlashAboveLimit)", async () => {
      const fee = 400_000;
      const { job, call } = openJob(model, fee, { delivery: 900, challenge: 1_200 });
      await call.rpc();
      const slash = await expectedSlash(fee);
      const exact = await guardsFor(job);
      expect([big(exact.fee), exact.deliveryWindow, exact.challengeWindow, big(exact.maxSlash)]).to.deep.equal([
        BigInt(fee),
        900,
        1_200,
        slash,
      ]);
      await expectAnchorError(acceptJob(job, providerAuth, { fee: new BN(fee + 1) }), "JobTermsChanged", "escrow");
      // Another job instance at the same address (closed and reopened) differs in these.
      await expectAnchorError(
        acceptJob(job, providerAuth, { inputCommitment: Array(32).fill(0xee) }),
        "JobTermsChanged",
        "escrow",
      );
      await expectAnchorError(
        acceptJob(job, providerAuth, { fundedAt: exact.fundedAt.subn(1) }),
        "JobTermsChanged",
        "escrow",
      );
      // The arbiter and the dispute window it agrees to are the config's now.
      await expectAnchorError(
        acceptJob(job, providerAuth, { arbiter: stranger.publicKey }),
        "JobTermsChanged",
        "escrow",
      );
      await expectAnchorError(acceptJob(job, providerAuth, { disputeWindow: 1 }), "JobTermsChanged", "escrow");
      await expectAnchorError(acceptJob(job, providerAuth, { deliveryWindow: 600 }), "JobTermsChanged", "escrow");
      await expectAnchorError(acceptJob(job, providerAuth, { challengeWindow: 600 }), "JobTermsChanged", "escrow");
      await expectAnchorError(
        acceptJob(job, providerAuth, { maxSlash: new BN((slash - 1n).toString()) }),
        "SlashAboveLimit",
        "escrow",
      );
      // Exactly the terms it saw: accepted, with that slash fixed on the job.
      const accepted = await eventOf(escrow, await acceptJob(job, providerAuth, exact), "jobAccepted");
      expect(big(accepted.slashAmount)).to.equal(slash);
      expect(big((await escrow.account.job.fetch(job)).slashAmount)).to.equal(slash);
      await submitResult(job);
      await confirmJob(job, model);
      expect(await accountExists(job)).to.equal(false);
    });

    it("open_job refuses a window below the configured minimum (WindowBelowMinimum) and a zero window", async () => {
      await expectAnchorError(openJob(model, 100_000, { delivery: 0 }).call.rpc(), "InvalidWindow", "escrow");
      await updateEscrowConfig({ minDeliveryWindow: 60 });
      try {
        await expectAnchorError(openJob(model, 100_000, { delivery: 59 }).call.rpc(), "WindowBelowMinimum", "escrow");
      } finally {
        await updateEscrowConfig({});
      }
      expect((await escrow.account.escrowConfig.fetch(escrowConfig)).minDeliveryWindow).to.equal(
        w.settings.escrow.minDeliveryWindow,
      );
    });

    it("set_model_providers: only the publisher; a listed provider accepts, an unlisted one is refused (ProviderNotAllowed)", async () => {
      await expectAnchorError(setModelProviders(otherModel, [], stranger), "NotPublisher", "escrow");
      const closed = await setModelProviders(otherModel, [Keypair.generate().publicKey]);
      const ev = await eventOf(escrow, closed, "modelProvidersSet");
      expect(ev.model.toBase58()).to.equal(otherModel.asset.toBase58());
      expect(ev.publisher.toBase58()).to.equal(publisher.publicKey.toBase58());
      expect(ev.providers.length).to.equal(1);

      const fee = 300_000;
      const { job, call } = openJob(otherModel, fee);
      await call.rpc();
      await expectAnchorError(acceptJob(job), "ProviderNotAllowed", "escrow");
      await setModelProviders(otherModel, [provider]);
      // ModelProviders is not an IDL account (the program reads it unchecked): its layout is
      // discriminator (8), model (32), bump (1), providers (u32 length + 32 bytes each).
      const raw = (await connection.getAccountInfo(modelProvidersAddress(otherModel.asset)))!;
      expect(raw.owner.toBase58()).to.equal(escrow.programId.toBase58());
      expect(new PublicKey(raw.data.subarray(8, 40)).toBase58()).to.equal(otherModel.asset.toBase58());
      expect(raw.data.readUInt32LE(41)).to.equal(1);
      expect(new PublicKey(raw.data.subarray(45, 77)).toBase58()).to.equal(provider.toBase58());
      await acceptJob(job);
      await submitResult(job);
      const settled = await eventOf(escrow, await confirmJob(job, otherModel), "jobSettled");
      expect(big(settled.fee)).to.equal(BigInt(fee));
      expect(await accountExists(job)).to.equal(false);
    });

    it("stray tokens in a job vault never block it: the settlement pays them to the consumer (JobSettled.surplus)", async () => {
      const fee = USDC;
      const { job, call } = openJob(model, fee);
      await call.rpc();
      // Anyone can send tokens to the vault, a public token account.
      await transfer(connection, stranger, strangerUsdc, jobVaultAddress(job), stranger, 7, [], {
        commitment: COMMITMENT,
      });
      expect(await tokenBalance(jobVaultAddress(job))).to.equal(BigInt(fee) + 7n);
      expect(big((await escrow.account.job.fetch(job)).fee)).to.equal(BigInt(fee));
      await acceptJob(job);
      await submitResult(job);
      const consumerBefore = await tokenBalance(consumerUsdc);
      const providerBefore = await tokenBalance(providerUsdc);
      const sig = await confirmJob(job, model);
      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(big(ev.surplus)).to.equal(7n);
      expect(big(ev.toConsumer)).to.equal(0n);
      expect(big(ev.toProvider)).to.equal(890_000n);
      expect((await tokenBalance(consumerUsdc)) - consumerBefore).to.equal(7n);
      expect((await tokenBalance(providerUsdc)) - providerBefore).to.equal(890_000n);
      expect(await accountExists(jobVaultAddress(job))).to.equal(false);
      expect(await accountExists(job)).to.equal(false);
    });

    it("an unresolved dispute: after the dispute deadline (fixed at acceptance) anyone settles half each, no slash", async () => {
      // The dispute window in force when the job is accepted is the job's: 1 s here. Setting the
      // config back right after shows that a config change does not reach an accepted job.
      const fee = USDC;
      const { job, call } = openJob(model, fee);
      await call.rpc();
      await updateEscrowConfig({ disputeWindow: 1 });
      try {
        await acceptJob(job);
      } finally {
        await updateEscrowConfig({});
      }
      expect((await escrow.account.escrowConfig.fetch(escrowConfig)).disputeWindow).to.equal(ESCROW_DISPUTE_WINDOW);
      expect((await escrow.account.job.fetch(job)).disputeWindow).to.equal(1);
      await submitResult(job);
      const disputed = await eventOf(escrow, await disputeJob(job), "jobDisputed");
      await waitForClock(disputed.disputeDeadline.toNumber());
      // Too late for the arbiter.
      await expectAnchorError(resolveDispute(job, model, 10_000, w.arbiter), "DisputeWindowClosed", "escrow");
      const bondBefore = big((await providerAccount()).bond);
      const before = { consumer: await tokenBalance(consumerUsdc), provider: await tokenBalance(providerUsdc) };
      const sig = await settleDispute(job, model, stranger);
      const half = BigInt(fee) / 2n; // 500,000
      const toTreasury = bpsOf(half, ESCROW_FEE_BPS); // 5,000
      const toSplit = bpsOf(half, ROYALTY_BPS); // 50,000
      const toProvider = half - toTreasury - toSplit; // 445,000
      const ev = await eventOf(escrow, sig, "jobSettled");
      expect(ev.outcome).to.deep.equal({ settledByDefault: { providerShareBps: 5_000 } });
      expect([big(ev.toTreasury), big(ev.toModelSplit), big(ev.toProvider), big(ev.toConsumer)]).to.deep.equal([
        toTreasury,
        toSplit,
        toProvider,
        BigInt(fee) - half,
      ]);
      expect([toTreasury, toSplit, toProvider]).to.deep.equal([5_000n, 50_000n, 445_000n]);
      expect(big(ev.slashed)).to.equal(0n);
      expect((await tokenBalance(consumerUsdc)) - before.consumer).to.equal(BigInt(fee) - half);
      expect((await tokenBalance(providerUsdc)) - before.provider).to.equal(toProvider);
      expect(big((await providerAccount()).bond)).to.equal(bondBefore);
      expect(await accountExists(job)).to.equal(false);
    });

    it("an access-gated model: no pass (AccessProofMissing); a valid pass (verify_access by CPI); no token (NoAccessToken)", async () => {
      await expectAnchorError(openJob(gated, 100_000).call.rpc(), "AccessProofMissing", "escrow");

      await (await buyAccessCall(w, consumer, gated.asset, 1, 250_000)).rpc();
      const pass = passAddress(gated.asset, consumer.publicKey);
      const accessAccount = ataAddress(gated.accessMint, consumer.publicKey);
      const ok = openJob(gated, 100_000, { accept: 1 }, { gated: true });
      // The SDK passes the consumer's pass and access-token account for a gated model.
      expect(ok.call.instructions[0].keys.map((k) => k.pubkey.toBase58())).to.include.members([
        pass.toBase58(),
        accessAccount.toBase58(),
      ]);
      const opened = await eventOf(escrow, await ok.call.rpc(), "jobOpened");
      expect(opened.model.toBase58()).to.equal(gated.asset.toBase58());

      // Redeem the only access token: the registry's verify_access (called by the escrow)
      // refuses, and its error comes back through the CPI.
      await send(redeemAccessInstruction(consumer.publicKey, gated.asset, 1), [consumer]);
      await expectAnchorError(
        openJob(gated, 100_000, {}, { gated: true }).call.rpc(),
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
      send(requestUnbondInstruction(providerAuth.publicKey, amount), [providerAuth]);
    const withdrawBond = () =>
      send(
        withdrawBondInstruction({
          authority: providerAuth.publicKey,
          mint: w.usdc,
          tokenProgram: TOKEN_PROGRAM_ID,
          destination: providerUsdc,
        }),
        [providerAuth],
      );
    const setUnbondingDelay = (unbondingDelay: number) => updateEscrowConfig({ unbondingDelay });

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

    it("a config change does not move a pending request; a request made under a 0 s delay pays the bond back; BondChanged", async () => {
      // The clock cannot be moved on a live validator: the admin shortens the (global) delay.
      // The pending request keeps the delay it was made under (fixed at the request)...
      await setUnbondingDelay(0);
      const pending = await providerAccount();
      expect(pending.unbondAvailableAt.toNumber()).to.be.greaterThan(await clockNow());
      await expectAnchorError(withdrawBond(), "UnbondingDelayNotElapsed", "escrow");
      // ...a new request, made under the 0 s delay, is available at once.
      const requested = await eventOf(escrow, await requestUnbond(USDC), "unbondRequested");
      expect((await providerAccount()).unbondAvailableAt.toNumber()).to.equal(requested.availableAt.toNumber());
      await waitForClock(requested.availableAt.toNumber());
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
