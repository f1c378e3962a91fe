// The metered gate the browser pays: a tiny upstream model (an HTTP server in this process that
// answers the request body upper-cased, and can hold an answer back to make the page time out),
// and the real `tessera serve` in metered mode in front of it (--price-per-call, --cors-origin
// for the app's origin), as client/cli/tests/metered.rs starts it. The CLI binary comes from
// the shared Cargo target dir (scripts/app-test.sh builds it and sets TESSERA_BIN).

import { type ChildProcessByStdio, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import type { Readable } from "node:stream";

import type { Keypair } from "@solana/web3.js";

import { APP_URL, RPC_URL } from "./chain.ts";

export const TESSERA_BIN =
  process.env.TESSERA_BIN ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache/tessera/target"), "debug/tessera");

export interface Upstream {
  url: string;
  /** Every body the upstream received, in order. */
  received: string[];
  /** The next request whose body is `body` is answered only after `ms` (a slow model). */
  holdNext: (body: string, ms: number) => void;
  close: () => Promise<void>;
}

/** The model behind the gate: POST body → 200 with the body upper-cased. */
export async function startUpstream(): Promise<Upstream> {
  const received: string[] = [];
  const holds = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push(body);
      const hold = holds.get(body) ?? 0;
      holds.delete(body);
      setTimeout(() => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(body.toUpperCase());
      }, hold);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/generate`,
    received,
    holdNext: (body, ms) => holds.set(body, ms),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Gate {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The gate's own record of a channel (GET /v1/assets/<model>/channels/<channel>). */
  channelState: (channel: string) => Promise<{ accepted: number; settled: number; calls: number; deposit: number | null }>;
  stop: () => Promise<void>;
  /** The gate's stderr so far (quoted when a test fails). */
  log: () => string;
}

export interface GateOptions {
  /** The gate's wallet: a provider registered for the model; it pays the settlement fees. */
  provider: Keypair;
  model: string;
  upstream: string;
  /** UI units, e.g. "0.001". */
  pricePerCall: string;
  minDeposit?: string;
  settleThreshold?: string;
  minCloseGrace?: number;
}

/** Starts `tessera serve` in metered mode on a free port; resolves once it prints its start line. */
export async function startGate(o: GateOptions): Promise<Gate> {
  if (!fs.existsSync(TESSERA_BIN)) {
    throw new Error(`${TESSERA_BIN} is missing: build it (cargo build --locked --workspace --bin tessera) or set TESSERA_BIN`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-app-gate-"));
  const keypair = path.join(dir, "provider.json");
  fs.writeFileSync(keypair, JSON.stringify(Array.from(o.provider.secretKey)), { mode: 0o600 });
  const args = [
    "--url",
    RPC_URL,
    "--keypair",
    keypair,
    "serve",
    "--bind",
    "127.0.0.1:0",
    "--domain",
    "gate.test",
    "--asset",
    o.model,
    "--upstream",
    o.upstream,
    "--data-dir",
    path.join(dir, "data"),
    "--price-per-call",
    o.pricePerCall,
    "--channel-refresh",
    "1",
    "--cors-origin",
    new URL(APP_URL).origin,
  ];
  if (o.minDeposit) args.push("--min-deposit", o.minDeposit);
  if (o.settleThreshold) args.push("--settle-threshold", o.settleThreshold);
  if (o.minCloseGrace !== undefined) args.push("--min-close-grace", String(o.minCloseGrace));
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(TESSERA_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const lines = readline.createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gate did not start within 60 s: ${stderr.slice(-2_000)}`)), 60_000);
    lines.once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the gate exited (${code}) before starting: ${stderr.slice(-2_000)}`));
    });
  });
  if (!first.startsWith("tessera serve:") || !first.includes("metered")) {
    child.kill();
    throw new Error(`unexpected start line of the gate: ${first}`);
  }
  const bound = /on http:\/\/([0-9.]+:\d+)/.exec(first);
  if (!bound) throw new Error(`no address in the gate's start line: ${first}`);
  const url = `http://${bound[1]}`;
  return {
    url,
    channelState: async (channel) => {
      const res = await fetch(`${url}/v1/assets/${o.model}/channels/${channel}`);
      if (!res.ok) throw new Error(`GET channel state: ${res.status} ${await res.text()}`);
      return (await res.json()) as { accepted: number; settled: number; calls: number; deposit: number | null };
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
    log: () => stderr,
  };
}
