// SHA-256 of a file in the browser. Small files: Web Crypto in one call. Large files (and pages
// served without a secure context, where crypto.subtle is absent): streamed chunk by chunk
// through @noble/hashes' incremental SHA-256, so memory stays flat whatever the file's size.

import { sha256 } from "@noble/hashes/sha2.js";

/** Files up to this size are read whole and hashed by Web Crypto. */
export const WEB_CRYPTO_MAX_BYTES = 16 * 1024 * 1024;

export type HashMethod = "web-crypto" | "streamed";

export interface FileDigest {
  hash: Uint8Array;
  method: HashMethod;
}

export async function sha256File(file: Blob, onProgress?: (done: number, total: number) => void): Promise<FileDigest> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle && file.size <= WEB_CRYPTO_MAX_BYTES) {
    const digest = await subtle.digest("SHA-256", await file.arrayBuffer());
    onProgress?.(file.size, file.size);
    return { hash: new Uint8Array(digest), method: "web-crypto" };
  }
  const hasher = sha256.create();
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    hasher.update(chunk.value);
    done += chunk.value.length;
    onProgress?.(done, file.size);
  }
  return { hash: hasher.digest(), method: "streamed" };
}

export function sha256Text(text: string): Uint8Array {
  return sha256(new TextEncoder().encode(text));
}

export const toHex = (bytes: Uint8Array | number[]) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function fromHex(hex: string): Uint8Array | null {
  const h = hex.trim().replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{64}$/.test(h)) return null;
  return Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
}
