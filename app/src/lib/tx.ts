// Sending a transaction through the connected wallet: simulate first (so a refusal comes back
// as the program's named error before the wallet is asked to sign), send, then wait until the
// cluster confirms it.

import type { WalletContextState } from "@solana/wallet-adapter-react";
import {
  type Connection,
  type TransactionInstruction,
  Transaction,
  VersionedTransaction,
} from "@solana/web3.js";

import { TxFailedError, decodeThrown, decodeTransactionError } from "./errors";

export type SendingWallet = Pick<WalletContextState, "publicKey" | "sendTransaction">;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `instructions` in one legacy transaction paid and signed by the wallet. Calls `onSent`
 * with the signature as soon as the wallet has sent it; resolves once it is confirmed. Throws a
 * TxFailedError whose details name the program error.
 */
export async function sendInstructions(
  connection: Connection,
  wallet: SendingWallet,
  instructions: TransactionInstruction[],
  onSent?: (signature: string) => void,
): Promise<string> {
  const payer = wallet.publicKey;
  const programs = instructions.map((ix) => ix.programId);
  if (!payer) {
    throw new TxFailedError({ name: "WalletNotConnected", message: "Connect a wallet first", logs: [] });
  }
  try {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("confirmed");
    const tx = new Transaction({ feePayer: payer, blockhash, lastValidBlockHeight }).add(...instructions);

    const simulation = await connection.simulateTransaction(new VersionedTransaction(tx.compileMessage()), {
      sigVerify: false,
      commitment: "confirmed",
    });
    if (simulation.value.err) {
      throw new TxFailedError(decodeTransactionError(simulation.value.err, simulation.value.logs ?? [], programs));
    }

    const signature = await wallet.sendTransaction(tx, connection, {
      preflightCommitment: "confirmed",
      maxRetries: 5,
    });
    onSent?.(signature);

    for (;;) {
      const { value } = await connection.getSignatureStatuses([signature]);
      const status = value[0];
      if (status?.err) {
        const found = await connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
        throw new TxFailedError(
          decodeTransactionError(status.err, found?.meta?.logMessages ?? [], programs),
          signature,
        );
      }
      if (status?.confirmationStatus === "confirmed" || status?.confirmationStatus === "finalized") return signature;
      if ((await connection.getBlockHeight("confirmed")) > lastValidBlockHeight) {
        throw new TxFailedError(
          { name: "TransactionExpired", message: "The transaction was not confirmed before its blockhash expired", logs: [] },
          signature,
        );
      }
      await sleep(400);
    }
  } catch (err) {
    if (err instanceof TxFailedError) throw err;
    throw new TxFailedError(decodeThrown(err, programs));
  }
}
