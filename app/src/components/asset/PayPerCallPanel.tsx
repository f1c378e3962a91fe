import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { PublicKey } from "@solana/web3.js";
import {
  fetchChannelsConfig,
  finalizeCloseFlow,
  graceEndsAt,
  listChannels,
  openChannelFlow,
  providersServing,
  requestCloseFlow,
  topUpFlow,
} from "@tessera/sdk";
import { useState } from "react";

import { Address } from "../Address";
import { ConfirmedAction } from "../ConfirmedAction";
import { Countdown, useNow } from "../Countdown";
import { TokenAmount } from "../TokenAmount";
import { TxStatus } from "../TxStatus";
import { useSettings } from "../../context/Settings";
import { useAsync } from "../../hooks/useAsync";
import { useTx } from "../../hooks/useTx";
import type { Asset, MintInfo } from "../../lib/accounts";
import { formatDuration, formatUnits, tryParseUnits } from "../../lib/amounts";
import { loadVoucher, remainingOf } from "../../lib/payPerCall";
import { CallBox, type GateView } from "./CallBox";

/** A channel as listChannels gives it. */
export type ChannelEntry = Awaited<ReturnType<typeof listChannels>>[number];

/**
 * Pay per call: the wallet's payment channels for this model (deposit, settled, what remains,
 * state), open / top up / request close / finalize, and the Call box that pays the model's
 * metered gate with vouchers signed by the wallet.
 */
export function PayPerCallPanel({ assetKey, asset, mint }: { assetKey: PublicKey; asset: Asset; mint: MintInfo | undefined }) {
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const { endpoint } = useSettings();
  const tx = useTx();
  const now = useNow();
  const [closed, setClosed] = useState<{ address: string; refund: bigint }[]>([]);
  const [gateView, setGateView] = useState<GateView>({ accepted: new Map(), signedTick: 0 });

  const channels = useAsync(async () => {
    if (!publicKey) return [];
    const found = await listChannels(connection, { payer: publicKey, model: assetKey });
    return found.sort((a, b) => (a.channel.channelId < b.channel.channelId ? 1 : -1));
  }, [connection, publicKey, assetKey.toBase58()]);
  const config = useAsync(() => fetchChannelsConfig(connection).catch(() => null), [connection]).data ?? null;
  const providers = useAsync(() => providersServing(connection, assetKey), [connection, assetKey.toBase58()]).data ?? [];

  const decimals = mint?.decimals ?? 0;
  const list = channels.data ?? [];

  const run = async (label: string, build: () => Promise<{ instructions: import("@solana/web3.js").TransactionInstruction[] }>) => {
    const sig = await tx.run(label, async () => (await build()).instructions);
    channels.reload();
    return sig;
  };

  return (
    <section className="card" data-testid="pay-per-call">
      <h2>Pay per call</h2>
      <p className="muted">
        Lock a deposit once in a payment channel to a provider of this model; each call is then paid by a voucher your
        wallet signs (no transaction per call). The provider settles the vouchers on chain, paying the protocol fee, the
        model's royalty and its parents' shares; after a close, the unspent deposit comes back to you.
      </p>
      {!publicKey ? (
        <p className="muted">Connect a wallet to see your channels.</p>
      ) : (
        <>
          <ChannelsTable
            list={list}
            loading={channels.loading && !channels.data}
            closed={closed}
            asset={asset}
            mint={mint}
            now={now}
            endpoint={endpoint}
            gateView={gateView}
            busy={tx.busy}
            onTopUp={(entry, amount) =>
              run(`Top up channel ${entry.channel.channelId}`, () => topUpFlow(connection, entry.address, amount))
            }
            onRequestClose={(entry) =>
              run(`Request the close of channel ${entry.channel.channelId}`, () => requestCloseFlow(connection, entry.address))
            }
            onFinalize={async (entry) => {
              const refund = entry.channel.deposit - entry.channel.settled;
              const sig = await run(`Finalize channel ${entry.channel.channelId}`, () =>
                finalizeCloseFlow(connection, publicKey, entry.address),
              );
              if (sig) setClosed((c) => [...c, { address: entry.address.toBase58(), refund }]);
            }}
            onRefresh={channels.reload}
          />
          <OpenChannelForm
            asset={asset}
            mint={mint}
            providers={providers}
            minGrace={config?.minCloseGrace ?? 1}
            maxGrace={config?.maxCloseGrace ?? 30 * 86_400}
            busy={tx.busy}
            onOpen={(payee, deposit, grace) =>
              run(`Open a channel (${formatUnits(deposit, decimals)})`, () =>
                openChannelFlow(connection, {
                  payer: publicKey,
                  model: assetKey,
                  deposit,
                  payee,
                  closeGrace: grace,
                  asset: { paymentMint: asset.paymentMint, inferenceGated: asset.inferenceGated },
                }),
              )
            }
          />
          <TxStatus state={tx.state} />
          <CallBox
            assetKey={assetKey}
            mint={mint}
            channels={list.filter((c) => c.channel.closeRequestedAt === 0n)}
            onGateView={setGateView}
            onCalled={channels.reload}
          />
        </>
      )}
    </section>
  );
}

function ChannelsTable({
  list,
  loading,
  closed,
  asset,
  mint,
  now,
  endpoint,
  gateView,
  busy,
  onTopUp,
  onRequestClose,
  onFinalize,
  onRefresh,
}: {
  list: ChannelEntry[];
  loading: boolean;
  closed: { address: string; refund: bigint }[];
  asset: Asset;
  mint: MintInfo | undefined;
  now: number;
  endpoint: string;
  gateView: GateView;
  busy: boolean;
  onTopUp: (c: ChannelEntry, amount: bigint) => Promise<string | null>;
  onRequestClose: (c: ChannelEntry) => void;
  onFinalize: (c: ChannelEntry) => void;
  onRefresh: () => void;
}) {
  const [topUps, setTopUps] = useState<Record<string, string>>({});
  const amount = (v: bigint, testId: string) => <TokenAmount amount={v} mint={asset.paymentMint} info={mint} testId={testId} />;
  if (loading) return <p className="muted">Loading your channels…</p>;
  const shownClosed = closed.filter((c) => !list.some((l) => l.address.toBase58() === c.address));
  return (
    <>
      <h3>
        Your channels{" "}
        <button type="button" className="link" data-testid="channels-refresh" onClick={onRefresh}>
          refresh
        </button>
      </h3>
      {list.length === 0 && shownClosed.length === 0 && <p className="muted" data-testid="no-channels">No channel for this model yet.</p>}
      {list.length > 0 && (
        <table className="table" data-testid="channels-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Payee</th>
              <th>Deposit</th>
              <th>Settled</th>
              <th>Signed here</th>
              <th>Remaining</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((entry) => {
              const c = entry.channel;
              const key = entry.address.toBase58();
              const kept = loadVoucher(endpoint, key);
              const signed = kept ? BigInt(kept.cumulative) : null;
              const accepted = gateView.accepted.get(key) ?? null;
              const remaining = remainingOf({ deposit: c.deposit, settled: c.settled, accepted, signed });
              const ends = graceEndsAt(c);
              const state = ends === null ? "open" : "close requested";
              const graceOver = ends !== null && now >= Number(ends);
              const topUpText = topUps[key] ?? "";
              const topUpUnits = mint ? tryParseUnits(topUpText, mint.decimals) : null;
              return (
                <tr key={key} data-testid="channel-row" data-channel={key} data-channel-id={c.channelId.toString()}>
                  <td>
                    {c.channelId.toString()} <Address value={entry.address} />
                  </td>
                  <td>
                    <Address value={c.payee} />
                  </td>
                  <td data-base-units={c.deposit.toString()} data-testid="channel-deposit-units">
                    {amount(c.deposit, "channel-deposit")}
                  </td>
                  <td data-base-units={c.settled.toString()} data-testid="channel-settled-units">
                    {amount(c.settled, "channel-settled")}
                  </td>
                  <td data-base-units={signed?.toString() ?? ""} data-testid="channel-signed-units">
                    {signed === null ? "—" : amount(signed, "channel-signed")}
                    {accepted !== null && (
                      <div className="muted" data-testid="channel-accepted" data-base-units={accepted.toString()}>
                        gate accepted {mint ? formatUnits(accepted, mint.decimals) : accepted.toString()}
                      </div>
                    )}
                  </td>
                  <td
                    data-base-units={remaining.toString()}
                    data-testid="channel-remaining-units"
                    title="deposit − the highest of: the settled total, what the gate accepted, the highest voucher signed here"
                  >
                    {amount(remaining, "channel-remaining")}
                  </td>
                  <td>
                    <span data-testid="channel-state">{state}</span>
                    {ends !== null && (
                      <div className="muted" data-testid="channel-grace" data-unix={ends.toString()}>
                        finalize {graceOver ? "possible now" : <Countdown deadline={Number(ends)} />}
                      </div>
                    )}
                    {ends === null && <div className="muted">close grace {formatDuration(c.closeGrace)}</div>}
                  </td>
                  <td>
                    {ends === null ? (
                      <>
                        <div className="row">
                          <input
                            data-testid="topup-amount"
                            placeholder="amount"
                            inputMode="decimal"
                            size={8}
                            value={topUpText}
                            onChange={(e) => setTopUps({ ...topUps, [key]: e.target.value })}
                          />
                          <button
                            type="button"
                            data-testid="topup-button"
                            disabled={busy || !topUpUnits}
                            onClick={async () => {
                              if (topUpUnits && (await onTopUp(entry, topUpUnits))) setTopUps((t) => ({ ...t, [key]: "" }));
                            }}
                          >
                            Top up
                          </button>
                        </div>
                        <button type="button" data-testid="request-close-button" disabled={busy} onClick={() => onRequestClose(entry)}>
                          Request close
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        data-testid="finalize-button"
                        disabled={busy || !graceOver}
                        title={graceOver ? "" : "possible once the close grace is over"}
                        onClick={() => onFinalize(entry)}
                      >
                        Finalize
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {shownClosed.map((c) => (
        <p key={c.address} className="ok" data-testid="channel-closed" data-channel={c.address} data-refund={c.refund.toString()}>
          Channel <Address value={c.address} /> closed: {amount(c.refund, "channel-refund")} back to you.
        </p>
      ))}
      <p className="muted">
        Remaining = deposit − the highest of the settled total, what the gate accepted and the highest voucher signed in
        this browser: vouchers are cumulative, each one pays for everything before it, and the provider may settle the
        highest one at any time.
      </p>
    </>
  );
}

function OpenChannelForm({
  asset,
  mint,
  providers,
  minGrace,
  maxGrace,
  busy,
  onOpen,
}: {
  asset: Asset;
  mint: MintInfo | undefined;
  providers: PublicKey[];
  minGrace: number;
  maxGrace: number;
  busy: boolean;
  onOpen: (payee: PublicKey, deposit: bigint, grace: number) => void;
}) {
  const [choice, setChoice] = useState("");
  const [other, setOther] = useState("");
  const [deposit, setDeposit] = useState("");
  const [grace, setGrace] = useState("3600");

  const selected = choice || (providers[0]?.toBase58() ?? "other");
  let payee: PublicKey | null = null;
  if (selected === "other") {
    try {
      payee = other.trim() ? new PublicKey(other.trim()) : null;
    } catch {
      payee = null;
    }
  } else {
    payee = new PublicKey(selected);
  }
  const depositUnits = mint ? tryParseUnits(deposit, mint.decimals) : null;
  const graceSecs = /^\d+$/.test(grace.trim()) ? Number(grace.trim()) : NaN;
  const problems: string[] = [];
  if (!payee) problems.push("Choose the provider to pay (its wallet address)");
  if (!depositUnits) problems.push("The deposit must be above zero");
  if (!(graceSecs >= minGrace && graceSecs <= maxGrace)) {
    problems.push(`The close grace must be ${formatDuration(minGrace)} to ${formatDuration(maxGrace)}`);
  }
  if (!("listed" in asset.state)) problems.push("This model is not listed");

  return (
    <>
      <h3>Open a channel</h3>
      <ConfirmedAction
        testId="open-channel"
        submitLabel="Open the channel"
        submitTestId="open-channel-button"
        problems={problems}
        showProblems={deposit.length > 0}
        busy={busy}
        onConfirmed={() => payee && depositUnits && onOpen(payee, depositUnits, graceSecs)}
      >
        <label>
          Provider (the payee)
          <select data-testid="open-channel-payee" value={selected} onChange={(e) => setChoice(e.target.value)}>
            {providers.map((p) => (
              <option key={p.toBase58()} value={p.toBase58()}>
                {p.toBase58()} (serves this model)
              </option>
            ))}
            <option value="other">another provider's wallet…</option>
          </select>
        </label>
        {selected === "other" && (
          <label>
            Provider's wallet address
            <input data-testid="open-channel-payee-other" value={other} onChange={(e) => setOther(e.target.value)} />
          </label>
        )}
        <label>
          Deposit
          <input data-testid="open-channel-deposit" value={deposit} inputMode="decimal" onChange={(e) => setDeposit(e.target.value)} />
        </label>
        <label>
          Close grace (seconds, {minGrace} to {maxGrace}: the time the provider has to settle after you request the close)
          <input data-testid="open-channel-grace" value={grace} inputMode="numeric" onChange={(e) => setGrace(e.target.value)} />
        </label>
        {asset.inferenceGated && <p className="muted">This model is access-gated: your pass is checked.</p>}
      </ConfirmedAction>
    </>
  );
}
