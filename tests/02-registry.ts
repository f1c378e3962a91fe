// The registry end to end through RPC: publish (a dataset, and a model with the dataset as
// parent), buy (protocol fee and parent share, exact amounts), verify_access as a transaction,
// redeem, revoke, update / delist / relist / retire, pause; and the main refusals by name.

import { expect } from "chai";
import { Keypair, PublicKey, SystemProgram, Transaction, sendAndConfirmTransaction } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID, createMint, getMint } from "@solana/spl-token";
import {
  type UpdateAssetArgs,
  buyFlow,
  claimFreePassInstruction,
  claimForInstruction,
  claimInstruction,
  redeemAccessInstruction,
  revokePassInstruction,
  feeVaultAddress,
  setAssetStateInstruction,
  sweepFeesFlow,
  updateAssetInstruction,
  updateRegistryConfigInstruction,
} from "@tessera/sdk";

import {
  BN,
  PublishOptions,
  Published,
  REGISTRY_FEE_BPS,
  USDC,
  World,
  ata,
  ataAddress,
  big,
  bpsOf,
  buyAccessCall,
  clockNow,
  connection,
  contentHash,
  eventOf,
  eventsOf,
  expectAnchorError,
  mintUsdc,
  newFundedKeypairs,
  passAddress,
  payer,
  provider,
  publish,
  publishInstruction,
  registry,
  registryConfig,
  royalties,
  send,
  tokenBalance,
  vaultAddress,
  verifyAccessCall,
  waitForClock,
  world,
} from "./helpers";

describe("tessera-registry", () => {
  let w: World;
  let publisher: Keypair;
  let contributor: Keypair;
  let buyer: Keypair;
  let stranger: Keypair;
  let buyerUsdc: PublicKey;
  let dataset: Published;
  let model: Published;

  const DATASET_PRICE = 1 * USDC;
  const MODEL_PRICE = 3_333_333;
  const PARENT_BPS = 2_000;

  before(async () => {
    w = await world();
    [publisher, contributor, buyer, stranger] = await newFundedKeypairs(4, 3);
    buyerUsdc = await mintUsdc(w, buyer.publicKey, 100 * USDC);
    await mintUsdc(w, stranger.publicKey, 100 * USDC);
  });

  describe("publish_asset", () => {
    it("publishes a dataset: asset, access mint, split and vault, AssetPublished", async () => {
      dataset = await publish(w, publisher, {
        kind: "dataset",
        price: DATASET_PRICE,
        accessDuration: 3_600,
        recipients: [{ address: publisher.publicKey, bps: 10_000 }],
      });
      const asset = await registry.account.asset.fetch(dataset.asset);
      expect(asset.publisher.toBase58()).to.equal(publisher.publicKey.toBase58());
      expect(asset.kind).to.deep.equal({ dataset: {} });
      expect(asset.state).to.deep.equal({ listed: {} });
      expect(asset.contentHash).to.deep.equal(dataset.contentHash);
      expect(asset.accessMint.toBase58()).to.equal(dataset.accessMint.toBase58());
      expect(asset.split.toBase58()).to.equal(dataset.split.toBase58());
      expect(asset.price.toNumber()).to.equal(DATASET_PRICE);
      expect(asset.accessDuration.toNumber()).to.equal(3_600);

      const mint = await getMint(connection, dataset.accessMint, "confirmed");
      expect(mint.decimals).to.equal(0);
      expect(mint.mintAuthority?.toBase58()).to.equal(dataset.asset.toBase58());

      const split = await royalties.account.split.fetch(dataset.split);
      expect(split.subject.toBase58()).to.equal(dataset.asset.toBase58());
      expect(split.authority.toBase58()).to.equal(publisher.publicKey.toBase58());
      expect(split.vault.toBase58()).to.equal(dataset.splitVault.toBase58());
      expect(split.entries.map((e) => [e.address.toBase58(), e.bps])).to.deep.equal([
        [publisher.publicKey.toBase58(), 10_000],
      ]);

      const ev = await eventOf(registry, dataset.signature, "assetPublished");
      expect(ev.asset.toBase58()).to.equal(dataset.asset.toBase58());
      expect(ev.kind).to.deep.equal({ dataset: {} });
      expect(ev.price.toNumber()).to.equal(DATASET_PRICE);
      expect(ev.parents).to.deep.equal([]);
      // The split was created by CPI into royalties, which emitted its own event.
      const created = await eventOf(royalties, dataset.signature, "splitCreated");
      expect(created.split.toBase58()).to.equal(dataset.split.toBase58());
      expect(created.subject.toBase58()).to.equal(dataset.asset.toBase58());
    });

    it("publishes a model with the dataset as parent (20% of each sale after the fee)", async () => {
      model = await publish(w, publisher, {
        kind: "model",
        price: MODEL_PRICE,
        maxSupply: 10,
        accessDuration: 0,
        inferenceRoyaltyBps: 1_000,
        parents: [{ asset: dataset.asset, bps: PARENT_BPS }],
        recipients: [
          { address: publisher.publicKey, bps: 7_000 },
          { address: contributor.publicKey, bps: 3_000 },
        ],
      });
      const asset = await registry.account.asset.fetch(model.asset);
      expect(asset.kind).to.deep.equal({ model: {} });
      expect(asset.parents.length).to.equal(1);
      expect(asset.parents[0].asset.toBase58()).to.equal(dataset.asset.toBase58());
      expect(asset.parents[0].split.toBase58()).to.equal(dataset.split.toBase58());
      expect(asset.parents[0].bps).to.equal(PARENT_BPS);
      const ev = await eventOf(registry, model.signature, "assetPublished");
      expect(ev.kind).to.deep.equal({ model: {} });
      expect(ev.maxSupply.toNumber()).to.equal(10);
      expect(ev.inferenceRoyaltyBps).to.equal(1_000);
      expect(ev.parents.map((p: { asset: PublicKey; bps: number }) => [p.asset.toBase58(), p.bps])).to.deep.equal([
        [dataset.asset.toBase58(), PARENT_BPS],
      ]);
    });

    it("refuses a dataset with parents, parent shares above 5,000 bps, an empty URI, an unlisted mint", async () => {
      const tryPublish = (o: PublishOptions, paymentMint?: PublicKey) => {
        const hash = contentHash("refused");
        return send(publishInstruction(w, publisher.publicKey, o, hash, paymentMint).instruction, [publisher]);
      };
      const recipients = [{ address: publisher.publicKey, bps: 10_000 }];
      await expectAnchorError(
        tryPublish({ kind: "dataset", parents: [{ asset: dataset.asset, bps: 100 }], recipients }),
        "DatasetCannotHaveParents",
        "registry",
      );
      await expectAnchorError(
        tryPublish({ kind: "model", parents: [{ asset: dataset.asset, bps: 5_001 }], recipients }),
        "ParentSharesAboveCap",
        "registry",
      );
      await expectAnchorError(tryPublish({ uri: "", recipients }), "UriEmpty", "registry");
      const otherMint = await createMint(connection, payer, payer.publicKey, null, 6, undefined, {
        commitment: "confirmed",
      });
      await expectAnchorError(tryPublish({ recipients }, otherMint), "PaymentMintNotAllowed", "registry");
      // A bad recipient list is refused by the royalties program (CPI) with its own error.
      await expectAnchorError(
        tryPublish({ recipients: [{ address: publisher.publicKey, bps: 9_999 }] }),
        "SharesDoNotSumTo10000",
        "royalties",
      );
    });
  });

  describe("buy_access", () => {
    it("pays the protocol fee, the parent's split and the model's split exactly; mints; AccessBought", async () => {
      const quantity = 3;
      const total = BigInt(MODEL_PRICE) * BigInt(quantity); // 9,999,999
      const fee = bpsOf(total, REGISTRY_FEE_BPS); // 249,999
      const parentShare = bpsOf(total - fee, PARENT_BPS); // 1,950,000
      const net = total - fee - parentShare; // 7,800,000
      expect([total, fee, parentShare, net]).to.deep.equal([9_999_999n, 249_999n, 1_950_000n, 7_800_000n]);

      const before = {
        buyer: await tokenBalance(buyerUsdc),
        treasury: await tokenBalance(w.treasuryUsdc),
        feeVault: await tokenBalance(feeVaultAddress(model.asset)),
        parentVault: await tokenBalance(dataset.splitVault),
        modelVault: await tokenBalance(model.splitVault),
      };
      const sig = await (await buyAccessCall(w, buyer, model.asset, quantity, MODEL_PRICE)).rpc();

      expect(before.buyer - (await tokenBalance(buyerUsdc))).to.equal(total);
      // The fee accrues in the model's own fee vault; the treasury account is not written.
      expect((await tokenBalance(feeVaultAddress(model.asset))) - before.feeVault).to.equal(fee);
      expect(await tokenBalance(w.treasuryUsdc)).to.equal(before.treasury);
      expect((await tokenBalance(dataset.splitVault)) - before.parentVault).to.equal(parentShare);
      expect((await tokenBalance(model.splitVault)) - before.modelVault).to.equal(net);
      expect(await tokenBalance(ataAddress(model.accessMint, buyer.publicKey))).to.equal(3n);

      const ev = await eventOf(registry, sig, "accessBought");
      expect(ev.asset.toBase58()).to.equal(model.asset.toBase58());
      expect(ev.buyer.toBase58()).to.equal(buyer.publicKey.toBase58());
      expect(ev.pass.toBase58()).to.equal(passAddress(model.asset, buyer.publicKey).toBase58());
      expect(big(ev.quantity)).to.equal(3n);
      expect(big(ev.price)).to.equal(BigInt(MODEL_PRICE));
      expect(big(ev.total)).to.equal(total);
      expect(big(ev.fee)).to.equal(fee);
      expect(ev.parentAmounts.map(big)).to.deep.equal([parentShare]);
      expect(big(ev.net)).to.equal(net);
      expect(ev.perpetual).to.equal(true);
      expect(big(ev.expiresAt)).to.equal(0n);
      expect(big(ev.saleSeq)).to.equal(1n);

      // The two royalties deposits (parent's split, then the model's) in the same transaction.
      const deposits = (await eventsOf(royalties, sig)).filter((e) => e.name === "deposited");
      expect(deposits.map((d) => [d.data.split.toBase58(), big(d.data.received)])).to.deep.equal([
        [dataset.split.toBase58(), parentShare],
        [model.split.toBase58(), net],
      ]);

      const pass = await registry.account.accessPass.fetch(passAddress(model.asset, buyer.publicKey));
      expect(pass.perpetual).to.equal(true);
      expect(pass.purchased.toNumber()).to.equal(3);
      const asset = await registry.account.asset.fetch(model.asset);
      expect(asset.sold.toNumber()).to.equal(3);
      expect(asset.sales.toNumber()).to.equal(1);
    });

    it("sweep_fees: a stranger moves the model's fees to the treasury; FeesSwept; a second sweep is a no-op", async () => {
      const [stranger] = await newFundedKeypairs(1);
      const vault = feeVaultAddress(model.asset);
      const accrued = await tokenBalance(vault);
      expect(accrued > 0n).to.equal(true);
      const before = await tokenBalance(w.treasuryUsdc);
      // The stranger signs alone, as fee payer (and payer of the treasury's account if missing).
      const sweep = async () => {
        const { instructions } = await sweepFeesFlow(connection, { payer: stranger.publicKey, assets: [model.asset] });
        return sendAndConfirmTransaction(connection, new Transaction().add(...instructions), [stranger], { commitment: "confirmed" });
      };
      const sig = await sweep();
      expect(await tokenBalance(vault)).to.equal(0n);
      expect((await tokenBalance(w.treasuryUsdc)) - before).to.equal(accrued);
      const ev = await eventOf(registry, sig, "feesSwept");
      expect(ev.asset.toBase58()).to.equal(model.asset.toBase58());
      expect(ev.treasuryTokenAccount.toBase58()).to.equal(w.treasuryUsdc.toBase58());
      expect(big(ev.amount)).to.equal(accrued);
      expect(big(ev.received)).to.equal(accrued);
      // Empty now: a no-op that still succeeds (a batch sweep never fails on one asset).
      await sweep();
      expect(await tokenBalance(w.treasuryUsdc) - before).to.equal(accrued);
    });

    it("refuses a price above the buyer's limit, a zero quantity, more than the max supply", async () => {
      await expectAnchorError(
        (await buyAccessCall(w, buyer, model.asset, 1, MODEL_PRICE - 1)).rpc(),
        "PriceAboveLimit",
        "registry",
      );
      await expectAnchorError(
        (await buyAccessCall(w, buyer, model.asset, 0, MODEL_PRICE)).rpc(),
        "ZeroQuantity",
        "registry",
      );
      await expectAnchorError(
        (await buyAccessCall(w, buyer, model.asset, 8, MODEL_PRICE)).rpc(),
        "SupplyExhausted",
        "registry",
      );
    });

    it("a timed pass: expiry = now + duration × quantity", async () => {
      const before = await clockNow();
      const sig = await (await buyAccessCall(w, buyer, dataset.asset, 2, DATASET_PRICE)).rpc();
      const after = await clockNow();
      const ev = await eventOf(registry, sig, "accessBought");
      expect(ev.perpetual).to.equal(false);
      expect(ev.fee.toNumber()).to.equal(Number(bpsOf(2n * BigInt(DATASET_PRICE), REGISTRY_FEE_BPS)));
      expect(ev.parentAmounts).to.deep.equal([]);
      const expires = ev.expiresAt.toNumber();
      expect(expires).to.be.within(before + 7_200, after + 7_200);
    });

    it("a pass address pre-funded by a stranger does not stop the purchase (prefund-safe creation)", async () => {
      const [late] = await newFundedKeypairs(1, 1);
      await mintUsdc(w, late.publicKey, USDC);
      const fresh = await publish(w, publisher, { price: 10_000, recipients: [{ address: publisher.publicKey, bps: 10_000 }] });
      const pass = passAddress(fresh.asset, late.publicKey);
      // About 0.0009 SOL at the address used to block Anchor's `init` on Agave 3.1.
      await provider.sendAndConfirm(
        new Transaction().add(
          SystemProgram.transfer({ fromPubkey: stranger.publicKey, toPubkey: pass, lamports: 900_000 }),
        ),
        [stranger],
      );
      expect((await connection.getAccountInfo(pass))?.lamports).to.equal(900_000);
      const sig = await (await buyAccessCall(w, late, fresh.asset, 1, 10_000)).rpc();
      expect((await eventOf(registry, sig, "accessBought")).pass.toBase58()).to.equal(pass.toBase58());
      const p = await registry.account.accessPass.fetch(pass);
      expect(p.holder.toBase58()).to.equal(late.publicKey.toBase58());
      expect(p.purchased.toNumber()).to.equal(1);
    });

    it("the duration guard: refuses an access duration below the buyer's bound (AccessDurationBelowLimit)", async () => {
      const recipients = [{ address: publisher.publicKey, bps: 10_000 }];
      const timed = await publish(w, publisher, { price: 10_000, accessDuration: 3_600, recipients });
      const perpetualAsset = await publish(w, publisher, { price: 10_000, recipients });
      const balance = await tokenBalance(buyerUsdc);
      await expectAnchorError(
        (await buyAccessCall(w, buyer, timed.asset, 1, 10_000, 3_601)).rpc(),
        "AccessDurationBelowLimit",
        "registry",
      );
      expect(await tokenBalance(buyerUsdc)).to.equal(balance);
      // Exactly the bound passes; a perpetual asset passes any bound, u64::MAX included.
      const sig = await (await buyAccessCall(w, buyer, timed.asset, 1, 10_000, 3_600)).rpc();
      expect((await eventOf(registry, sig, "accessBought")).perpetual).to.equal(false);
      const u64Max = new BN("18446744073709551615");
      const perpetual = await (await buyAccessCall(w, buyer, perpetualAsset.asset, 1, 10_000, u64Max)).rpc();
      expect((await eventOf(registry, perpetual, "accessBought")).perpetual).to.equal(true);
      expect(balance - (await tokenBalance(buyerUsdc))).to.equal(20_000n);
    });
  });

  describe("claim_free_pass (the free tier: price 0, one pass per wallet)", () => {
    let free: PublicKey;

    before(async () => {
      const recipients = [{ address: publisher.publicKey, bps: 10_000 }];
      const built = publishInstruction(w, publisher.publicKey, { price: 0, accessDuration: 0, recipients }, contentHash("free"));
      await send(built.instruction, [publisher]);
      free = built.asset;
    });

    it("a wallet with SOL only claims one token and a perpetual pass, recorded as a sale of 0", async () => {
      const [claimer] = await newFundedKeypairs(1);
      const { instructions } = await buyFlow(connection, {
        buyer: claimer.publicKey,
        assetKey: free,
        args: { quantity: 1, maxUnitPrice: 0, minAccessDuration: 0 },
      });
      const sig = await send(instructions, [claimer]);
      const asset = await registry.account.asset.fetch(free);
      expect(await tokenBalance(ataAddress(asset.accessMint, claimer.publicKey))).to.equal(1n);
      const ev = await eventOf(registry, sig, "accessBought");
      expect([ev.quantity, ev.price, ev.total, ev.fee, ev.net].map(big)).to.deep.equal([1n, 0n, 0n, 0n, 0n]);
      expect(ev.perpetual).to.equal(true);
      await verifyAccessCall(free, claimer.publicKey).rpc();

      // One per wallet; and buy_access cannot mint a free asset in bulk.
      await expectAnchorError(send(instructions, [claimer]), "FreePassAlreadyClaimed", "registry");
      await expectAnchorError((await buyAccessCall(w, buyer, free, 100, 0)).rpc(), "AssetIsFree", "registry");
      // The SDK names the bad quantity before sending anything.
      let refused = "";
      await buyFlow(connection, {
        buyer: buyer.publicKey,
        assetKey: free,
        args: { quantity: 2, maxUnitPrice: 0, minAccessDuration: 0 },
      }).catch((e: Error) => (refused = e.message));
      expect(refused).to.match(/^quantity 2: this asset is free/);
    });

    it("refuses a claim on a paid asset (AssetNotFree)", async () => {
      const asset = await registry.account.asset.fetch(dataset.asset);
      await expectAnchorError(
        send(claimFreePassInstruction(stranger.publicKey, dataset.asset, asset), [stranger]),
        "AssetNotFree",
        "registry",
      );
    });
  });

  describe("verify_access (sent as a transaction)", () => {
    it("succeeds for a holder with a valid pass and an access token", async () => {
      const sig = await verifyAccessCall(model.asset, buyer.publicKey).rpc();
      const tx = await connection.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
      expect(tx?.meta?.err ?? null).to.equal(null);
    });

    it("returns whose access to which asset it verified (VerifiedAccess, return data)", async () => {
      const tx = await verifyAccessCall(model.asset, buyer.publicKey).transaction();
      tx.feePayer = payer.publicKey;
      tx.recentBlockhash = (await connection.getLatestBlockhash()).blockhash;
      const sim = await connection.simulateTransaction(tx);
      expect(sim.value.err).to.equal(null);
      const ret = sim.value.returnData;
      expect(ret, "simulateTransaction returned no return data").to.not.equal(null);
      expect(ret!.programId).to.equal(registry.programId.toBase58());
      const v = registry.coder.types.decode("verifiedAccess", Buffer.from(ret!.data[0], "base64"));
      expect(v.asset.toBase58()).to.equal(model.asset.toBase58());
      expect(v.holder.toBase58()).to.equal(buyer.publicKey.toBase58());
      expect(v.perpetual).to.equal(true);
      expect(big(v.balance)).to.equal(await tokenBalance(ataAddress(model.accessMint, buyer.publicKey)));
    });

    it("fails for a key that never bought (no pass account)", async () => {
      await expectAnchorError(
        verifyAccessCall(model.asset, stranger.publicKey).rpc(),
        "AccountNotInitialized",
        "registry",
      );
    });

    it("fails once the pass has expired (PassExpired), and redeem fails too", async () => {
      const shortLived = await publish(w, publisher, {
        price: 10_000,
        accessDuration: 1,
        recipients: [{ address: publisher.publicKey, bps: 10_000 }],
      });
      const sig = await (await buyAccessCall(w, buyer, shortLived.asset, 1, 10_000)).rpc();
      const ev = await eventOf(registry, sig, "accessBought");
      await waitForClock(ev.expiresAt.toNumber());
      await expectAnchorError(
        verifyAccessCall(shortLived.asset, buyer.publicKey).rpc(),
        "PassExpired",
        "registry",
      );
      await expectAnchorError(
        send(redeemAccessInstruction(buyer.publicKey, shortLived.asset, 1), [buyer]),
        "PassExpired",
        "registry",
      );
    });
  });

  describe("redeem_access", () => {
    const redeem = (holder: Keypair, asset: Published, quantity: number) =>
      send(redeemAccessInstruction(holder.publicKey, asset.asset, quantity), [holder]);

    it("burns access tokens and emits AccessRedeemed", async () => {
      const sig = await redeem(buyer, model, 2);
      const ev = await eventOf(registry, sig, "accessRedeemed");
      expect(ev.asset.toBase58()).to.equal(model.asset.toBase58());
      expect(ev.holder.toBase58()).to.equal(buyer.publicKey.toBase58());
      expect(ev.quantity.toNumber()).to.equal(2);
      expect(ev.redeemedTotal.toNumber()).to.equal(2);
      expect(ev.remaining.toNumber()).to.equal(1);
      expect(await tokenBalance(ataAddress(model.accessMint, buyer.publicKey))).to.equal(1n);
      expect((await getMint(connection, model.accessMint, "confirmed")).supply).to.equal(1n);
    });

    it("refuses more than the holder holds (NoAccessToken) and zero (ZeroQuantity)", async () => {
      await expectAnchorError(redeem(buyer, model, 2), "NoAccessToken", "registry");
      await expectAnchorError(redeem(buyer, model, 0), "ZeroQuantity", "registry");
    });

    it("after the last token is redeemed, verify_access fails with NoAccessToken", async () => {
      await redeem(buyer, model, 1);
      await expectAnchorError(
        verifyAccessCall(model.asset, buyer.publicKey).rpc(),
        "NoAccessToken",
        "registry",
      );
    });
  });

  describe("revoke_pass", () => {
    it("only the publisher may revoke (NotPublisher)", async () => {
      await expectAnchorError(
        send(revokePassInstruction(stranger.publicKey, dataset.asset, buyer.publicKey, 1), [stranger]),
        "NotPublisher",
        "registry",
      );
    });

    it("revokes with a reason; the pass never verifies nor renews again", async () => {
      // Valid before.
      await verifyAccessCall(dataset.asset, buyer.publicKey).rpc();
      const revoke = () => send(revokePassInstruction(publisher.publicKey, dataset.asset, buyer.publicKey, 7), [publisher]);
      const sig = await revoke();
      const ev = await eventOf(registry, sig, "passRevoked");
      expect(ev.asset.toBase58()).to.equal(dataset.asset.toBase58());
      expect(ev.holder.toBase58()).to.equal(buyer.publicKey.toBase58());
      expect(ev.reason).to.equal(7);
      const pass = await registry.account.accessPass.fetch(passAddress(dataset.asset, buyer.publicKey));
      expect(pass.revoked).to.equal(true);
      expect(pass.revokeReason).to.equal(7);

      await expectAnchorError(
        verifyAccessCall(dataset.asset, buyer.publicKey).rpc(),
        "PassRevoked",
        "registry",
      );
      await expectAnchorError(revoke(), "PassAlreadyRevoked", "registry");
      await expectAnchorError(
        (await buyAccessCall(w, buyer, dataset.asset, 1, DATASET_PRICE)).rpc(),
        "PassRevoked",
        "registry",
      );
    });
  });

  describe("update_asset, delist / relist / retire", () => {
    it("update_asset: only the publisher; never below what was sold; AssetUpdated", async () => {
      const update = (signer: Keypair, args: UpdateAssetArgs) =>
        send(updateAssetInstruction(signer.publicKey, model.asset, args), [signer]);
      await expectAnchorError(
        update(stranger, { price: 1 }),
        "NotPublisher",
        "registry",
      );
      await expectAnchorError(
        update(publisher, { maxSupply: 2 }),
        "MaxSupplyBelowSold",
        "registry",
      );
      const sig = await update(publisher, { uri: "ar://tessera-ts-test/model-v1.1", price: 4 * USDC, maxSupply: 0 });
      const ev = await eventOf(registry, sig, "assetUpdated");
      expect(ev.uri).to.equal("ar://tessera-ts-test/model-v1.1");
      expect(ev.price.toNumber()).to.equal(4 * USDC);
      expect(ev.maxSupply.toNumber()).to.equal(0);
      expect(ev.inferenceRoyaltyBps).to.equal(1_000);
      const asset = await registry.account.asset.fetch(model.asset);
      expect(asset.uri).to.equal("ar://tessera-ts-test/model-v1.1");
      expect(asset.price.toNumber()).to.equal(4 * USDC);
      // The buyer's old limit no longer covers the new price.
      await expectAnchorError(
        (await buyAccessCall(w, buyer, model.asset, 1, MODEL_PRICE)).rpc(),
        "PriceAboveLimit",
        "registry",
      );
    });

    it("delist → no sales (AssetNotListed) → relist → sales again; wrong transitions refused", async () => {
      const delist = (signer: Keypair) => send(setAssetStateInstruction(signer.publicKey, model.asset, "delist"), [signer]);
      await expectAnchorError(delist(stranger), "NotPublisher", "registry");
      const sig = await delist(publisher);
      const ev = await eventOf(registry, sig, "assetStateChanged");
      expect(ev.from).to.deep.equal({ listed: {} });
      expect(ev.to).to.deep.equal({ delisted: {} });
      await expectAnchorError(delist(publisher), "InvalidStateTransition", "registry");
      await expectAnchorError(
        (await buyAccessCall(w, stranger, model.asset, 1, 4 * USDC)).rpc(),
        "AssetNotListed",
        "registry",
      );

      const relistSig = await send(setAssetStateInstruction(publisher.publicKey, model.asset, "relist"), [publisher]);
      const ev2 = await eventOf(registry, relistSig, "assetStateChanged");
      expect(ev2.from).to.deep.equal({ delisted: {} });
      expect(ev2.to).to.deep.equal({ listed: {} });
      const buySig = await (await buyAccessCall(w, stranger, model.asset, 1, 4 * USDC)).rpc();
      const bought = await eventOf(registry, buySig, "accessBought");
      expect(bought.saleSeq.toNumber()).to.equal(2);
      expect(big(bought.total)).to.equal(BigInt(4 * USDC));
    });

    it("retire is terminal: no relist, no update, no sale; the pass stays valid", async () => {
      const asset = await publish(w, publisher, {
        price: 50_000,
        recipients: [{ address: publisher.publicKey, bps: 10_000 }],
      });
      await (await buyAccessCall(w, stranger, asset.asset, 1, 50_000)).rpc();
      const setState = (change: "relist" | "retire") =>
        send(setAssetStateInstruction(publisher.publicKey, asset.asset, change), [publisher]);
      const sig = await setState("retire");
      const ev = await eventOf(registry, sig, "assetStateChanged");
      expect(ev.from).to.deep.equal({ listed: {} });
      expect(ev.to).to.deep.equal({ retired: {} });
      await expectAnchorError(setState("relist"), "InvalidStateTransition", "registry");
      await expectAnchorError(setState("retire"), "InvalidStateTransition", "registry");
      await expectAnchorError(
        send(updateAssetInstruction(publisher.publicKey, asset.asset, { price: 1 }), [publisher]),
        "AssetRetired",
        "registry",
      );
      await expectAnchorError(
        (await buyAccessCall(w, stranger, asset.asset, 1, 50_000)).rpc(),
        "AssetNotListed",
        "registry",
      );
      await verifyAccessCall(asset.asset, stranger.publicKey).rpc();
    });
  });

  describe("paused registry", () => {
    const setPaused = (paused: boolean) => send(updateRegistryConfigInstruction(payer.publicKey, { paused }));

    after(async () => {
      await setPaused(false);
    });

    it("refuses publications and sales (RegistryPaused); verification goes on", async () => {
      const sig = await setPaused(true);
      expect((await eventOf(registry, sig, "configUpdated")).paused).to.equal(true);
      const hash = contentHash("paused");
      await expectAnchorError(
        send(
          publishInstruction(w, publisher.publicKey, { recipients: [{ address: publisher.publicKey, bps: 10_000 }] }, hash)
            .instruction,
          [publisher],
        ),
        "RegistryPaused",
        "registry",
      );
      await expectAnchorError(
        (await buyAccessCall(w, stranger, model.asset, 1, 4 * USDC)).rpc(),
        "RegistryPaused",
        "registry",
      );
      await verifyAccessCall(model.asset, stranger.publicKey).rpc();
      await setPaused(false);
      expect((await registry.account.config.fetch(registryConfig)).paused).to.equal(false);
    });
  });

  describe("who received what: the sales' royalties are claimable", () => {
    it("contributor and publisher claim their shares of the model's split; the publisher its parent share", async () => {
      // Model split received 7,800,000 (first sale) + net of the 4 USDC sale.
      const secondNet = 4n * BigInt(USDC) - bpsOf(4n * BigInt(USDC), REGISTRY_FEE_BPS);
      const secondParent = bpsOf(secondNet, PARENT_BPS);
      const modelPool = 7_800_000n + (secondNet - secondParent);
      const split = await royalties.account.split.fetch(model.split);
      expect(big(split.totalReceived)).to.equal(modelPool);

      const contributorUsdc = await ata(w.usdc, contributor.publicKey);
      const sig = await send(
        claimInstruction({
          recipient: contributor.publicKey,
          splitKey: model.split,
          split: { mint: w.usdc, vault: model.splitVault },
          destination: contributorUsdc,
          tokenProgram: TOKEN_PROGRAM_ID,
        }),
        [contributor],
      );
      const claimed = await eventOf(royalties, sig, "claimed");
      expect(big(claimed.amount)).to.equal(bpsOf(modelPool, 3_000));
      expect(claimed.recipient.toBase58()).to.equal(contributor.publicKey.toBase58());
      expect(claimed.claimedBy.toBase58()).to.equal(contributor.publicKey.toBase58());
      expect(await tokenBalance(contributorUsdc)).to.equal(bpsOf(modelPool, 3_000));

      // The parent dataset's split: the publisher is its only recipient.
      const parentSplit = await royalties.account.split.fetch(dataset.split);
      const parentSig = await send(
        claimForInstruction({
          payer: payer.publicKey,
          recipient: publisher.publicKey,
          splitKey: dataset.split,
          split: { mint: w.usdc, vault: dataset.splitVault },
          tokenProgram: TOKEN_PROGRAM_ID,
        }),
      );
      const parentClaim = await eventOf(royalties, parentSig, "claimed");
      expect(big(parentClaim.amount)).to.equal(big(parentSplit.totalReceived));
      expect(big(parentSplit.totalReceived)).to.equal(
        1_950_000n + secondParent + 2n * BigInt(DATASET_PRICE) - bpsOf(2n * BigInt(DATASET_PRICE), REGISTRY_FEE_BPS),
      );
      expect(await tokenBalance(vaultAddress(dataset.split))).to.equal(0n);
    });
  });
});
