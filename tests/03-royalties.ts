// The royalties program on its own: a standalone split (a keypair as subject), deposits,
// pull-based claims (exact floors, dust), claim_for into an associated token account created on
// the fly, update_split settling accruals (a removed recipient keeps what it earned), sync of
// tokens sent by plain transfer, the two-step authority transfer, refusals.

import { expect } from "chai";
import { Keypair, PublicKey } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID, transfer } from "@solana/spl-token";

import {
  BN,
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
  parkedAddress,
  payer,
  royalties,
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
    royalties.methods
      .createSplit({ authority: authority.publicKey, recipients })
      .accountsPartial({
        payer: payer.publicKey,
        subject: subj.publicKey,
        split: splitAddress(subj.publicKey),
        mint: w.usdc,
        vault: vaultAddress(splitAddress(subj.publicKey)),
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .signers([subj])
      .rpc();

  const deposit = (amount: number, v: PublicKey = vault) =>
    royalties.methods
      .deposit(new BN(amount))
      .accountsPartial({
        depositor: depositor.publicKey,
        source: depositorUsdc,
        split,
        vault: v,
        mint: w.usdc,
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .signers([depositor])
      .rpc();

  const claim = async (recipient: Keypair, destination?: PublicKey) =>
    royalties.methods
      .claim()
      .accountsPartial({
        recipient: recipient.publicKey,
        split,
        vault,
        mint: w.usdc,
        destination: destination ?? (await ata(w.usdc, recipient.publicKey)),
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .signers([recipient])
      .rpc();

  const claimFor = (recipient: PublicKey, by: Keypair) =>
    royalties.methods
      .claimFor()
      .accountsPartial({
        payer: by.publicKey,
        recipient,
        split,
        vault,
        mint: w.usdc,
        destination: ataAddress(w.usdc, recipient),
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .signers([by])
      .rpc();

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
      return royalties.methods
        .updateSplit({ recipients })
        .accountsPartial({ authority: signer.publicKey, split, vault, parked: parkedAddress(split, version) })
        .signers([signer])
        .rpc();
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
      const sig = await royalties.methods.sync().accountsPartial({ split, vault }).rpc();
      const ev = await eventOf(royalties, sig, "synced");
      expect(ev.split.toBase58()).to.equal(split.toBase58());
      expect(big(ev.amount)).to.equal(1_000_000n);
      expect(big(ev.totalReceived)).to.equal(big(before.totalReceived) + 1_000_000n);
      const after = await royalties.account.split.fetch(split);
      expect(big(after.totalReceived) - big(after.totalClaimed)).to.equal(vaultBefore + 1_000_000n);
      // A second sync has nothing to credit, and succeeds.
      const again = await eventOf(royalties, await royalties.methods.sync().accountsPartial({ split, vault }).rpc(), "synced");
      expect(big(again.amount)).to.equal(0n);
      // The recipients claim it: half each.
      expect((await eventOf(royalties, await claim(alice), "claimed")).amount.toNumber()).to.equal(500_000);
      expect((await eventOf(royalties, await claimFor(carol.publicKey, payer), "claimed")).amount.toNumber()).to.equal(
        500_000,
      );
    });

    it("hands the split to a new authority in two steps (propose_split_authority, accept_split_authority)", async () => {
      const propose = (signer: Keypair, newAuthority: PublicKey | null) =>
        royalties.methods
          .proposeSplitAuthority({ newAuthority })
          .accountsPartial({ authority: signer.publicKey, split })
          .signers([signer])
          .rpc();
      const accept = (signer: Keypair) =>
        royalties.methods
          .acceptSplitAuthority()
          .accountsPartial({ newAuthority: signer.publicKey, split })
          .signers([signer])
          .rpc();
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
