// An ESM facade over @anchor-lang/core's CommonJS build (see anchor-esm.mjs).
import { createRequire } from "node:module";

const anchor = createRequire(import.meta.url)("@anchor-lang/core");

export default anchor;
export const {
  AnchorError,
  AnchorProvider,
  BN,
  BorshAccountsCoder,
  BorshCoder,
  EventParser,
  LangErrorCode,
  LangErrorMessage,
  Program,
  ProgramError,
  Wallet,
  utils,
  web3,
} = anchor;
