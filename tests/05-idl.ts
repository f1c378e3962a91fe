// The committed IDLs (idl/*.json and the TypeScript types idl/*.ts, which these tests compile
// against) must be what Anchor's IDL build produces from the program sources today:
// `cargo run -p tessera-idl -- --check` (tools/idl) rebuilds them and fails on any difference.
// It compiles the programs with the `idl-build` feature (about a minute when warm).

import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "..");

describe("committed IDLs", () => {
  it("match what the program sources produce (tessera-idl --check)", function () {
    this.timeout(45 * 60 * 1000); // a cold build takes much longer than a warm one
    const env = {
      ...process.env,
      // The same build cache as scripts/test.sh (tessera-idl keeps its own idl-target beside it).
      CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache", "tessera", "target"),
      CARGO_TERM_COLOR: "never",
    };
    const run = spawnSync("cargo", ["run", "-q", "-p", "tessera-idl", "--", "--check"], {
      cwd: ROOT,
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error) throw run.error;
    const output = `${run.stdout}\n${run.stderr}`.trim();
    expect(run.status, `tessera-idl --check failed:\n${output.split("\n").slice(-40).join("\n")}`).to.equal(0);
    expect(run.stdout).to.match(/IDLs up to date/);
  });
});
