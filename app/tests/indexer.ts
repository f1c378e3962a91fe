// The indexer the dashboards read: the real `tessera index serve` against the tests' validator
// (SQLite in a temporary directory, one ingestion pass a second, CORS for the app's origin), and
// a tiny metadata server (assets' `http://` URIs point at it; the indexer fetches their names
// from it as from any gateway). The CLI binary comes from the shared Cargo target dir
// (scripts/app-test.sh builds it and sets TESSERA_BIN).

import { type ChildProcessByStdio, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";

import { APP_URL, RPC_URL } from "./chain.ts";
import { TESSERA_BIN } from "./gate.ts";

export interface MetadataServer {
  /** The URI of a document served with `doc` (set before the asset is published). */
  uri: (name: string, doc: { name: string; description?: string; tags?: string[] }) => string;
  close: () => Promise<void>;
}

/** Serves JSON metadata documents at /meta/<name>.json. */
export async function startMetadataServer(): Promise<MetadataServer> {
  const docs = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const body = docs.get(req.url ?? "");
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: (name, doc) => {
      docs.set(`/meta/${name}.json`, JSON.stringify(doc));
      return `http://127.0.0.1:${port}/meta/${name}.json`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Indexer {
  /** e.g. http://127.0.0.1:41234 (the API is under /v1/). */
  url: string;
  /** GET /v1/<path> as JSON (throws on an error status). */
  get: <T>(path: string) => Promise<T>;
  stop: () => Promise<void>;
  /** Its stderr so far (quoted when a test fails). */
  log: () => string;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `tessera index serve`; resolves once /v1/status answers. */
export async function startIndexer(): Promise<Indexer> {
  if (!fs.existsSync(TESSERA_BIN)) {
    throw new Error(`${TESSERA_BIN} is missing: build it (cargo build --locked --workspace --bin tessera) or set TESSERA_BIN`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-app-index-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    "--url",
    RPC_URL,
    "index",
    "serve",
    "--database",
    `sqlite://${path.join(dir, "index.db")}`,
    "--listen",
    `127.0.0.1:${port}`,
    "--interval",
    "1",
    "--cors-origin",
    new URL(APP_URL).origin,
  ];
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(TESSERA_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  const keep = (c: Buffer) => {
    stderr += c.toString("utf8");
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  };
  child.stderr.on("data", keep);
  child.stdout.on("data", keep);
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? -1));
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}/v1/${p}`);
    if (!res.ok) throw new Error(`GET /v1/${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const start = Date.now();
  for (;;) {
    if (exited !== null) throw new Error(`the indexer exited (${exited}) before answering: ${stderr.slice(-2_000)}`);
    if (await get("status").then(() => true, () => false)) break;
    if (Date.now() - start > 60_000) {
      child.kill("SIGKILL");
      throw new Error(`the indexer did not answer within 60 s: ${stderr.slice(-2_000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    get,
    stop: async () => {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await done;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
    log: () => stderr,
  };
}
