import { useWallet } from "@solana/wallet-adapter-react";

import { TxStatus } from "../components/TxStatus";
import { JobTable } from "../components/jobs/JobTable";
import { useIndexer } from "../components/publisher/indexer";
import { BondPanel, RecordPanel, RegisterForm, ServedModels } from "../components/provider/ProviderPanels";
import { fetchProviderJobs } from "../components/provider/providerJobs";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { useTx } from "../hooks/useTx";
import { type Job, type Keyed, fetchEscrowConfig } from "../lib/accounts";
import { big } from "../lib/amounts";

/**
 * The provider console: register, the bond (bond, request unbond, withdraw after the delay), the
 * models served, the open jobs it may accept (fee, windows, slash at stake) and its accepted ones
 * (submit results) — My jobs' table —, its record and earnings. Every transaction is confirmed
 * first (what it does, what is at stake), then shown by TxStatus: pending, confirmed with an
 * explorer link, or refused with the program's error name.
 */
export function ProviderPage() {
  const programs = usePrograms();
  const indexer = useIndexer();
  const { publicKey } = useWallet();
  const tx = useTx();

  const chain = useAsync(async () => {
    if (!publicKey) return null;
    const [jobs, config] = await Promise.all([fetchProviderJobs(programs, publicKey), fetchEscrowConfig(programs)]);
    return { provider: jobs.provider, config, open: jobs.mayAccept, mine: jobs.accepted };
  }, [programs, publicKey]);
  const history = useAsync(async () => {
    if (!publicKey || !chain.data?.provider) return null;
    const [record, jobs] = await Promise.all([
      indexer.provider(publicKey.toBase58()),
      indexer.jobsOf(publicKey.toBase58()),
    ]);
    const names = new Map<string, string>();
    await Promise.all(
      chain.data.provider.models.map(async (m) => {
        const a = await indexer.asset(m.toBase58()).catch(() => null);
        if (a?.metadata.name) names.set(m.toBase58(), a.metadata.name);
      }),
    );
    return { record, jobs, names };
  }, [indexer, publicKey, chain.data]);
  const mints = useMints([
    ...(chain.data?.config?.minBonds.map((b) => b.mint) ?? []),
    ...(chain.data?.provider ? [chain.data.provider.mint] : []),
  ]);
  const reload = () => {
    chain.reload();
  };

  if (!publicKey) {
    return (
      <div className="page">
        <h1>Provider console</h1>
        <p className="muted">Connect a wallet to run inference jobs as a provider.</p>
      </div>
    );
  }
  const provider = chain.data?.provider ?? null;
  const config = chain.data?.config ?? null;
  const info = provider ? mints.get(provider.mint.toBase58()) : undefined;
  /** A card of jobs (My jobs' table as this provider), each action behind a confirmation. */
  const jobsSection = (title: string, testId: string, jobs: Keyed<Job>[]) => (
    <section className="card">
      <h2>{title}</h2>
      <JobTable
        jobs={jobs}
        role="provider"
        tx={tx}
        mints={mints}
        servedModels={provider?.models ?? []}
        config={config}
        providerBond={provider ? big(provider.bond) : null}
        onDone={reload}
        testId={testId}
        label={title}
        confirmActions
      />
    </section>
  );
  return (
    <div className="page">
      <h1>Provider console</h1>
      {chain.error && <p className="error">Could not load the provider: {chain.error.message}</p>}
      <TxStatus state={tx.state} />
      {chain.data && !provider && <RegisterForm config={config} mints={mints} tx={tx} onDone={reload} />}
      {provider && (
        <>
          <BondPanel provider={provider} config={config} info={info} tx={tx} onDone={reload} />
          <ServedModels provider={provider} names={history.data?.names ?? new Map()} tx={tx} onDone={reload} />
          {jobsSection("Open jobs you may accept", "open-jobs", chain.data?.open ?? [])}
          {jobsSection("Your jobs", "my-provider-jobs", chain.data?.mine ?? [])}
          <RecordPanel
            provider={provider}
            indexed={history.data?.record}
            jobs={history.data?.jobs}
            indexerError={history.error}
            info={info}
          />
        </>
      )}
    </div>
  );
}
