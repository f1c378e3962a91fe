// A mint's name, symbol and URI, as wallets and explorers show them. Two standards, read in this
// order:
// 1. Token-2022's metadata (the token-metadata interface). The mint's MetadataPointer extension
//    names the account that holds it: the mint itself (its TokenMetadata extension), another
//    Token-2022 mint (that mint's extension), a Metaplex metadata account, or an account of a
//    program implementing the interface (a TLV entry at the start of its data: the interface's
//    8-byte discriminator, a u32 length, the value). The value's layout is
//    @solana/spl-token-metadata's `unpack`.
// 2. Metaplex Token Metadata: the PDA ["metadata", program id, mint] of
//    metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s, for SPL Token mints and for Token-2022 mints
//    without metadata of their own (decoded here: `decodeMetaplexMetadata`).
// Metadata counts only when it names the mint (the interface's `mint` field, Metaplex's `mint`):
// a pointer to another mint's metadata does not give that mint's name to this one. Anything
// missing, unreadable or malformed gives null, never an exception: a page then shows the mint's
// address. The symbol is what the mint's creator chose; it is not unique and proves nothing (the
// registry's allow-list of payment mints is what vets a mint).

import { ExtensionType, getExtensionData, getMetadataPointerState, type Mint, unpackMint } from "@solana/spl-token";
import { TOKEN_METADATA_DISCRIMINATOR, type TokenMetadata, unpack as unpackTokenMetadata } from "@solana/spl-token-metadata";
import { type AccountInfo, type Commitment, type Connection, PublicKey } from "@solana/web3.js";

import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "./programs";

/** Metaplex's Token Metadata program. */
export const METAPLEX_TOKEN_METADATA_PROGRAM_ID = new PublicKey("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s");

/** Where a mint's metadata was found: Token-2022's metadata interface, or Metaplex's metadata account. */
export type MintMetadataSource = "token-2022" | "metaplex";

export interface MintMetadata {
  name: string;
  symbol: string;
  uri: string;
  source: MintMetadataSource;
}

/** What `fetchMintMetadata` needs of a connection (a web3.js `Connection`, or a test's stand-in). */
export type MintMetadataConnection = Pick<Connection, "getAccountInfo" | "getMultipleAccountsInfo">;

/** The Metaplex metadata account of a mint: PDA ["metadata", program id, mint] of the Metaplex program. */
export function metaplexMetadataAddress(mint: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync(
    [new TextEncoder().encode("metadata"), METAPLEX_TOKEN_METADATA_PROGRAM_ID.toBytes(), mint.toBytes()],
    METAPLEX_TOKEN_METADATA_PROGRAM_ID,
  )[0];
}

/** Metaplex's account key of a metadata account (`Key::MetadataV1`), its first byte. */
export const METAPLEX_METADATA_V1_KEY = 4;

/** The fixed-layout prefix of a Metaplex metadata account: all that is read of it. */
export interface MetaplexMetadata {
  updateAuthority: PublicKey;
  mint: PublicKey;
  name: string;
  symbol: string;
  uri: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** NUL padding (Metaplex pads name, symbol and URI to 32, 10 and 200 bytes), control characters and outer spaces removed. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, "").trim();
}

/**
 * Decodes the prefix of a Metaplex metadata account (mpl-token-metadata's `Metadata`, borsh):
 * key u8 (4 = MetadataV1), update authority (32 bytes), mint (32 bytes), then the `Data`
 * struct's name, symbol and uri, each a borsh string (u32 little-endian byte length, UTF-8
 * bytes). The rest (seller fee, creators, collection, …) is not read. Null when the bytes are
 * not such an account (another key, too short, a length past the end, invalid UTF-8).
 */
export function decodeMetaplexMetadata(data: Uint8Array): MetaplexMetadata | null {
  if (data.length < 1 + 32 + 32 || data[0] !== METAPLEX_METADATA_V1_KEY) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 1 + 32 + 32;
  const readString = (): string | null => {
    if (at + 4 > data.length) return null;
    const len = view.getUint32(at, true);
    const start = at + 4;
    if (len > data.length - start) return null;
    at = start + len;
    try {
      return utf8.decode(data.subarray(start, start + len));
    } catch {
      return null;
    }
  };
  const name = readString();
  const symbol = name === null ? null : readString();
  const uri = symbol === null ? null : readString();
  if (name === null || symbol === null || uri === null) return null;
  return {
    updateAuthority: new PublicKey(data.subarray(1, 33)),
    mint: new PublicKey(data.subarray(33, 65)),
    name: clean(name),
    symbol: clean(symbol),
    uri: clean(uri),
  };
}

/**
 * The token-metadata interface's value in an account of a program implementing the interface:
 * its data is a list of TLV entries (8-byte discriminator, u32 little-endian length, value);
 * the entry with the TokenMetadata discriminator, or null.
 */
export function tokenMetadataTlvValue(data: Uint8Array): Uint8Array | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at + 12 <= data.length) {
    const discriminator = data.subarray(at, at + 8);
    const len = view.getUint32(at + 8, true);
    const start = at + 12;
    if (len > data.length - start) return null;
    if (discriminator.every((b, i) => b === TOKEN_METADATA_DISCRIMINATOR[i])) return data.subarray(start, start + len);
    // An all-zero discriminator: the rest of the account is unused.
    if (discriminator.every((b) => b === 0)) return null;
    at = start + len;
  }
  return null;
}

const sameKey = (a: PublicKey, b: PublicKey) => a.toBase58() === b.toBase58();

/** Name and symbol both empty is no metadata to show. */
function result(
  mint: PublicKey,
  found: { mint: PublicKey; name: string; symbol: string; uri: string } | null,
  source: MintMetadataSource,
): MintMetadata | null {
  if (!found || !sameKey(found.mint, mint)) return null;
  const [name, symbol, uri] = [clean(found.name), clean(found.symbol), clean(found.uri)];
  return name || symbol ? { name, symbol, uri, source } : null;
}

/** The TokenMetadata extension of a Token-2022 mint's state (the interface's layout), or null. */
function inMint(state: Mint): TokenMetadata | null {
  const value = getExtensionData(ExtensionType.TokenMetadata, state.tlvData);
  return value ? unpackTokenMetadata(value) : null;
}

/** The metadata of `mint` in the account its metadata pointer names (`address`, already read). */
function inPointedAccount(mint: PublicKey, address: PublicKey, account: AccountInfo<Buffer>): MintMetadata | null {
  if (account.owner.equals(TOKEN_2022_PROGRAM_ID)) {
    return result(mint, inMint(unpackMint(address, account, TOKEN_2022_PROGRAM_ID)), "token-2022");
  }
  if (account.owner.equals(METAPLEX_TOKEN_METADATA_PROGRAM_ID)) {
    return result(mint, decodeMetaplexMetadata(account.data), "metaplex");
  }
  const value = tokenMetadataTlvValue(account.data);
  return result(mint, value ? unpackTokenMetadata(value) : null, "token-2022");
}

/**
 * Token-2022's metadata of `mint`: in the mint itself when its pointer names the mint (or names
 * nothing), else in the account the pointer names. Null when there is none or it cannot be read.
 */
async function token2022Metadata(
  connection: MintMetadataConnection,
  mint: PublicKey,
  mintAccount: AccountInfo<Buffer>,
  metaplexAccount: AccountInfo<Buffer> | null,
  commitment: Commitment,
): Promise<MintMetadata | null> {
  try {
    const state = unpackMint(mint, mintAccount, TOKEN_2022_PROGRAM_ID);
    const pointer = getMetadataPointerState(state)?.metadataAddress ?? null;
    if (!pointer || sameKey(pointer, mint)) return result(mint, inMint(state), "token-2022");
    // The pointer names the Metaplex account, already read with the mint.
    if (sameKey(pointer, metaplexMetadataAddress(mint))) {
      return metaplexAccount ? inPointedAccount(mint, pointer, metaplexAccount) : null;
    }
    const account = await connection.getAccountInfo(pointer, commitment);
    return account ? inPointedAccount(mint, pointer, account) : null;
  } catch {
    return null;
  }
}

/**
 * The metadata of `mint` from its account and its Metaplex metadata account (either null when it
 * does not exist), read by the caller, e.g. in one `getMultipleAccountsInfo` with the mint. A
 * Token-2022 mint's metadata interface comes first (a pointer naming another account reads that
 * account); Metaplex's account is the fallback for every mint. Null when the mint has no
 * readable metadata that names it; never throws.
 */
export async function mintMetadataFromAccounts(
  connection: MintMetadataConnection,
  mint: PublicKey,
  mintAccount: AccountInfo<Buffer> | null,
  metaplexAccount: AccountInfo<Buffer> | null,
  commitment: Commitment = "confirmed",
): Promise<MintMetadata | null> {
  try {
    if (!mintAccount) return null;
    if (mintAccount.owner.equals(TOKEN_2022_PROGRAM_ID)) {
      const found = await token2022Metadata(connection, mint, mintAccount, metaplexAccount, commitment);
      if (found) return found;
    } else if (!mintAccount.owner.equals(TOKEN_PROGRAM_ID)) {
      return null;
    }
    if (!metaplexAccount || !metaplexAccount.owner.equals(METAPLEX_TOKEN_METADATA_PROGRAM_ID)) return null;
    return result(mint, decodeMetaplexMetadata(metaplexAccount.data), "metaplex");
  } catch {
    return null;
  }
}

/**
 * A mint's name, symbol and URI from Token-2022's metadata interface or Metaplex's metadata
 * account (see the top of this module), or null when it has none, the mint does not exist or
 * anything fails. One `getMultipleAccountsInfo` (the mint and its Metaplex PDA), plus one
 * `getAccountInfo` when a metadata pointer names another account.
 */
export async function fetchMintMetadata(
  connection: MintMetadataConnection,
  mint: PublicKey,
  commitment: Commitment = "confirmed",
): Promise<MintMetadata | null> {
  try {
    const [mintAccount, metaplexAccount] = await connection.getMultipleAccountsInfo(
      [mint, metaplexMetadataAddress(mint)],
      commitment,
    );
    return await mintMetadataFromAccounts(connection, mint, mintAccount ?? null, metaplexAccount ?? null, commitment);
  } catch {
    return null;
  }
}
