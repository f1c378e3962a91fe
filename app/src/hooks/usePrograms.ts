import { useConnection } from "@solana/wallet-adapter-react";
import { useMemo } from "react";

import { type Programs, programsFor } from "../lib/programs";

/** The three programs bound to the current connection. */
export function usePrograms(): Programs {
  const { connection } = useConnection();
  return useMemo(() => programsFor(connection), [connection]);
}
