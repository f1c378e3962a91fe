// The royalties program on its own: a standalone split (a keypair as subject), deposits,
// pull-based claims (exact floors, dust), claim_for into an associated token account created on
// the fly, update_split settling accruals (a removed recipient keeps what it earned), sync of
// tokens sent by plain transfer, the two-step authority transfer, refusals.

import { expect } from "chai";
import { Keypair, PublicKey } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID, transfer } from "@solana/spl-token";
import {
  acceptSplitAuthorityInstruction,
  claimForInstruction,
  claimInstruction,
  createSplitInstruction,
  depositInstruction,
  proposeSplitAuthorityInstruction,
  syncSplitInstruction,
  updateSplitInstruction,
} from "@tessera/sdk";

import {
  COMMITMENT,
  USDC,
  World,
  accountExists,
  ata,
  ataAddress,
  big,
  connection,
  eventOf,
  expectAnchorError,
  mintUsdc,
  newFundedKeypairs,
  payer,
  royalties,
  send,
  splitAddress,
  tokenBalance,
  vaultAddress,
  world,
} from "./helpers";

describe("tessera-royalties", () => {
  let w: World;
  let subject: Keypair;
  let authority: Keypair;
  let alice: Keypair;
  let bob: Keypair;
  let carol: Keypair;
  let depositor: Keypair;
  let stranger: Keypair;
  let split: PublicKey;
  let vault: PublicKey;
  let depositorUsdc: PublicKey;

  before(async () => {
    w = await world();
    [subject, authority, alice, bob, carol, depositor, stranger] = await newFundedKeypairs(7, 1);
    split = splitAddress(subject.publicKey);
    vault = vaultAddress(split);
    depositorUsdc = await mintUsdc(w, depositor.publicKey, 10 * USDC);
  });

  const createSplit = (recipients: { address: PublicKey; bps: number }[], subj: Keypair = subject) =>
    send(
      createSplitInstruction({
        payer: payer.publicKey,
        subject: subj.publicKey,
        mint: w.usdc,
        tokenProgram: TOKEN_PROGRAM_ID,
        authority: authority.publicKey,
        recipients,
      }),
      [subj],
    );

  /** deposit into the split (or, to test the refusal, into another token account `v`). */
  const deposit = (amount: number, v: PublicKey = vault) =>
    send(
      depositInstruction({
        depositor: depositor.publicKey,
        source: depositorUsdc,
        splitKey: split,
        split: { mint: w.usdc, vault: v },
        tokenProgram: TOKEN_PROGRAM_ID,
        amount,
      }),
      [depositor],
    );

  const claim = async (recipient: Keypair, destination?: PublicKey) =>
    send(
      claimInstruction({
        recipient: recipient.publicKey,
        splitKey: split,
        split: { mint: w.usdc, vault },
        destination: destination ?? (await ata(w.usdc, recipient.publicKey)),
        tokenProgram: TOKEN_PROGRAM_ID,
      }),
      [recipient],
    );

  const claimFor = (recipient: PublicKey, by: Keypair) =>
    send(
      claimForInstruction({
        payer: by.publicKey,
        recipient,
        splitKey: split,
        split: { mint: w.usdc, vault },
        tokenProgram: TOKEN_PROGRAM_ID,
      }),
      [by],
    );

  describe("create_split", () => {
    it("refuses shares that do not sum to 10,000, a zero share, a duplicate recipient", async () => {
      await expectAnchorError(
        createSplit([
          { address: alice.publicKey, bps: 6_000 },
          { address: bob.publicKey, bps: 3_999 },
        ]),
        "SharesDoNotSumTo10000",
        "royalties",
      );
      await expectAnchorError(
        createSplit([
          { address: alice.publicKey, bps: 10_000 },
          { address: bob.publicKey, bps: 0 },
        ]),
        "ZeroShare",
        "royalties",
      );
      await expectAnchorError(
        createSplit([
          { address: alice.publicKey, bps: 5_000 },
          { address: alice.publicKey, bps: 5_000 },
        ]),
        "DuplicateRecipient",
        "royalties",
      );
      expect(await accountExists(split)).to.equal(false);
    });

    it("creates a split for a keypair subject, with its vault; SplitCreated", async () => {
      const sig = await createSplit([
        { address: alice.publicKey, bps: 6_000 },
        { address: bob.publicKey, bps: 4_000 },
      ]);
      const s = await royalties.account.split.fetch(split);
      expect(s.subject.toBase58()).to.equal(subject.publicKey.toBase58());
      expect(s.authority.toBase58()).to.equal(authority.publicKey.toBase58());
      expect(s.mint.toBase58()).to.equal(w.usdc.toBase58());
      expect(s.vault.toBase58()).to.equal(vault.toBase58());
      expect(s.version).to.equal(0);
      expect(await tokenBalance(vault)).to.equal(0n);
      const ev = await eventOf(royalties, sig, "splitCreated");
      expect(ev.split.toBase58()).to.equal(split.toBase58());
      expect(ev.vault.toBase58()).to.equal(vault.toBase58());
      expect(ev.recipients.map((r: { address: PublicKey; bps: number }) => [r.address.toBase58(), r.bps])).to.deep.equal([
        [alice.publicKey.toBase58(), 6_000],
        [bob.publicKey.toBase58(), 4_000],
      ]);
    });
  });

  describe("deposit and claim", () => {
    it("deposit credits what the vault received; Deposited", async () => {
      const sig = await deposit(1_000_001);
      const ev = await eventOf(royalties, sig, "deposited");
      expect(ev.split.toBase58()).to.equal(split.toBase58());
      expect(ev.depositor.toBase58()).to.equal(depositor.publicKey.toBase58());
      expect(ev.amount.toNumber()).to.equal(1_000_001);
      expect(ev.received.toNumber()).to.equal(1_000_001);
      expect(big(ev.totalReceived)).to.equal(1_000_001n);
      expect(await tokenBalance(vault)).to.equal(1_000_001n);
      expect(await tokenBalance(depositorUsdc)).to.equal(BigInt(10 * USDC - 1_000_001));
    });

    it("refuses a zero deposit and a vault that is not the split's", async () => {
      await expectAnchorError(deposit(0), "ZeroDeposit", "royalties");
      // Any token account but the split's vault (not the source: Anchor refuses the same
      // mutable account twice before the program's own check).
      await expectAnchorError(deposit(1, await ata(w.usdc, stranger.publicKey)), "VaultMismatch", "royalties");
    });

    it("a recipient claims floor(pool × bps / 10,000); Claimed; a second claim has NothingToClaim", async () => {
      const sig = await claim(alice);
      const ev = await eventOf(royalties, sig, "claimed");
      expect(ev.split.toBase58()).to.equal(split.toBase58());
      expect(ev.recipient.toBase58()).to.equal(alice.publicKey.toBase58());
      expect(ev.destination.toBase58()).to.equal(ataAddress(w.usdc, alice.publicKey).toBase58());
      expect(ev.amount.toNumber()).to.equal(600_000); // floor(1,000,001 × 0.6)
      expect(ev.claimedBy.toBase58()).to.equal(alice.publicKey.toBase58());
      expect(await tokenBalance(ataAddress(w.usdc, alice.publicKey))).to.equal(600_000n);
      await expectAnchorError(claim(alice), "NothingToClaim", "royalties");
    });

    it("refuses a signer that is not a recipient, and a destination the recipient does not own", async () => {
      await expectAnchorError(claim(stranger), "NotARecipient", "royalties");
      await expectAnchorError(
        claim(bob, await ata(w.usdc, stranger.publicKey)),
        "DestinationNotOwnedByRecipient",
        "royalties",
      );
    });
  });

  describe("update_split", () => {
    /** update_split; its `parked` account is at the split's current version. */
    const update = async (signer: Keypair, recipients: { address: PublicKey; bps: number }[]) => {
      const { version } = await royalties.account.split.fetch(split);
      return send(updateSplitInstruction(signer.publicKey, split, version, recipients), [signer]);
    };

    it("only the split's authority may update (NotSplitAuthority); the shares are validated", async () => {
      await expectAnchorError(
        update(alice, [{ address: alice.publicKey, bps: 10_000 }]),
        "NotSplitAuthority",
        "royalties",
      );
      await expectAnchorError(
        update(authority, [{ address: alice.publicKey, bps: 10_001 }]),
        "ShareAboveMax",
        "royalties",
      );
    });

    it("settles accruals: bob (removed, unclaimed) keeps 400,000 and gets nothing after; SplitUpdated", async () => {
      const sig = await update(authority, [
        { address: alice.publicKey, bps: 5_000 },
        { address: carol.publicKey, bps: 5_000 },
      ]);
      const ev = await eventOf(royalties, sig, "splitUpdated");
      expect(ev.version).to.equal(1);
      expect(ev.authority.toBase58()).to.equal(authority.publicKey.toBase58());
      expect(ev.recipients.map((r: { address: PublicKey; bps: number }) => [r.address.toBase58(), r.bps])).to.deep.equal([
        [alice.publicKey.toBase58(), 5_000],
        [carol.publicKey.toBase58(), 5_000],
      ]);
      const s = await royalties.account.split.fetch(split);
      const bobEntry = s.entries.find((e) => e.address.equals(bob.publicKey));
      expect(bobEntry?.bps).to.equal(0);
      expect(bobEntry?.settled.toNumber()).to.equal(400_000);

      // A new deposit: the 1 unit of dust from before is carried into this epoch's pool.
      await deposit(1_000_000);
      // claim_for: anyone pays bob into bob's associated token account, created on the fly.
      expect(await accountExists(ataAddress(w.usdc, bob.publicKey))).to.equal(false);
      const bobSig = await claimFor(bob.publicKey, stranger);
      const bobEv = await eventOf(royalties, bobSig, "claimed");
      expect(bobEv.amount.toNumber()).to.equal(400_000);
      expect(bobEv.recipient.toBase58()).to.equal(bob.publicKey.toBase58());
      expect(bobEv.claimedBy.toBase58()).to.equal(stranger.publicKey.toBase58());
      expect(await tokenBalance(ataAddress(w.usdc, bob.publicKey))).to.equal(400_000n);
      // Paid out, the removed entry is dropped: bob is no longer a recipient.
      await expectAnchorError(claimFor(bob.publicKey, stranger), "NotARecipient", "royalties");

      // The new epoch's pool is 1,000,001 (1,000,000 + the carried dust): floor(× 0.5) each.
      const aliceSig = await claim(alice);
      expect((await eventOf(royalties, aliceSig, "claimed")).amount.toNumber()).to.equal(500_000);
      const carolSig = await claimFor(carol.publicKey, payer);
      expect((await eventOf(royalties, carolSig, "claimed")).amount.toNumber()).to.equal(500_000);
      await expectAnchorError(claimFor(carol.publicKey, payer), "NothingToClaim", "royalties");

      // Σ paid in = Σ claimed + what stays in the vault (the 1 unit of dust).
      const after = await royalties.account.split.fetch(split);
      expect(big(after.totalReceived)).to.equal(2_000_001n);
      expect(big(after.totalClaimed)).to.equal(2_000_000n);
      expect(await tokenBalance(vault)).to.equal(1n);
    });

    it("sync credits tokens sent to the vault by a plain transfer, as a deposit would; Synced", async () => {
      const before = await royalties.account.split.fetch(split);
      const vaultBefore = await tokenBalance(vault);
      // Another payment program (here: a plain SPL transfer) pays royalties without `deposit`.
      await transfer(connection, depositor, depositorUsdc, vault, depositor, 1_000_000, [], {
        commitment: COMMITMENT,
      });
      // Not credited yet: claims see nothing new, and nothing breaks.
      await expectAnchorError(claim(alice), "NothingToClaim", "royalties");
      const sig = await send(syncSplitInstruction(split));
      const ev = await eventOf(royalties, sig, "synced");
      expect(ev.split.toBase58()).to.equal(split.toBase58());
      expect(big(ev.amount)).to.equal(1_000_000n);
      expect(big(ev.totalReceived)).to.equal(big(before.totalReceived) + 1_000_000n);
      const after = await royalties.account.split.fetch(split);
      expect(big(after.totalReceived) - big(after.totalClaimed)).to.equal(vaultBefore + 1_000_000n);
      // A second sync has nothing to credit, and succeeds.
      const again = await eventOf(royalties, await send(syncSplitInstruction(split)), "synced");
      expect(big(again.amount)).to.equal(0n);
      // The recipients claim it: half each.
      expect((await eventOf(royalties, await claim(alice), "claimed")).amount.toNumber()).to.equal(500_000);
      expect((await eventOf(royalties, await claimFor(carol.publicKey, payer), "claimed")).amount.toNumber()).to.equal(
        500_000,
      );
    });

    it("hands the split to a new authority in two steps (propose_split_authority, accept_split_authority)", async () => {
      const propose = (signer: Keypair, newAuthority: PublicKey | null) =>
        send(proposeSplitAuthorityInstruction(signer.publicKey, split, newAuthority), [signer]);
      const accept = (signer: Keypair) => send(acceptSplitAuthorityInstruction(signer.publicKey, split), [signer]);
      await expectAnchorError(propose(carol, carol.publicKey), "NotSplitAuthority", "royalties");
      const proposed = await eventOf(royalties, await propose(authority, carol.publicKey), "splitAuthorityProposed");
      expect(proposed.authority.toBase58()).to.equal(authority.publicKey.toBase58());
      expect(proposed.proposed.toBase58()).to.equal(carol.publicKey.toBase58());
      // Nothing changes until carol accepts: the authority still updates, a stranger cannot accept.
      expect((await royalties.account.split.fetch(split)).authority.toBase58()).to.equal(authority.publicKey.toBase58());
      await expectAnchorError(accept(stranger), "NotPendingSplitAuthority", "royalties");
      const accepted = await eventOf(royalties, await accept(carol), "splitAuthorityAccepted");
      expect(accepted.previousAuthority.toBase58()).to.equal(authority.publicKey.toBase58());
      expect(accepted.authority.toBase58()).to.equal(carol.publicKey.toBase58());
      const s = await royalties.account.split.fetch(split);
      expect(s.authority.toBase58()).to.equal(carol.publicKey.toBase58());
      expect(s.pendingAuthority).to.equal(null);
      await expectAnchorError(
        update(authority, [{ address: alice.publicKey, bps: 10_000 }]),
        "NotSplitAuthority",
        "royalties",
      );
      const sig = await update(carol, [{ address: carol.publicKey, bps: 10_000 }]);
      const ev = await eventOf(royalties, sig, "splitUpdated");
      expect(ev.authority.toBase58()).to.equal(carol.publicKey.toBase58());
      expect(ev.version).to.equal(2);
    });
  });
});
