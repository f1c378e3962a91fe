import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import type { TransactionInstruction } from "@solana/web3.js";
import { useCallback, useState } from "react";

import { TxFailedError, type TxErrorDetails, decodeThrown } from "../lib/errors";
import { sendInstructions } from "../lib/tx";

export type TxState =
  | { status: "idle" }
  | { status: "pending"; label: string; signature?: string }
  | { status: "success"; label: string; signature: string }
  | { status: "error"; label: string; error: TxErrorDetails; signature?: string };

export interface TxRunner {
  state: TxState;
  busy: boolean;
  /**
   * Builds the instructions (errors while building are shown like failures) and sends them
   * with the connected wallet. Resolves to the signature, or null if it failed.
   */
  run: (label: string, build: () => Promise<TransactionInstruction[]>) => Promise<string | null>;
  reset: () => void;
}

/** One transaction at a time, with its state for <TxStatus>. */
export function useTx(): TxRunner {
  const { connection } = useConnection();
  const wallet = useWallet();
  const [state, setState] = useState<TxState>({ status: "idle" });

  const run = useCallback(
    async (label: string, build: () => Promise<TransactionInstruction[]>) => {
      setState({ status: "pending", label });
      let instructions: TransactionInstruction[] = [];
      try {
        instructions = await build();
        const signature = await sendInstructions(connection, wallet, instructions, (sig) =>
          setState({ status: "pending", label, signature: sig }),
        );
        setState({ status: "success", label, signature });
        return signature;
      } catch (e) {
        const error = e instanceof TxFailedError ? e.details : decodeThrown(e, instructions.map((ix) => ix.programId));
        setState({ status: "error", label, error, signature: e instanceof TxFailedError ? e.signature : undefined });
        return null;
      }
    },
    [connection, wallet],
  );

  const reset = useCallback(() => setState({ status: "idle" }), []);
  return { state, busy: state.status === "pending", run, reset };
}
