import { useWallet } from "@solana/wallet-adapter-react";

import { TxStatus } from "../components/TxStatus";
import { JobTable } from "../components/jobs/JobTable";
import { fetchProviderJobs } from "../components/provider/providerJobs";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { useTx } from "../hooks/useTx";
import { type Job, type Keyed, fetchEscrowConfig, fetchJobs } from "../lib/accounts";
import { big } from "../lib/amounts";

export function JobsPage() {
  const programs = usePrograms();
  const { publicKey } = useWallet();
  const tx = useTx();

  const data = useAsync(async () => {
    if (!publicKey) return null;
    const [asConsumer, jobs, config] = await Promise.all([
      fetchJobs(programs, { consumer: publicKey }),
      fetchProviderJobs(programs, publicKey),
      fetchEscrowConfig(programs),
    ]);
    const provider = jobs.provider;
    const asProvider: Keyed<Job>[] = [...jobs.mayAccept, ...jobs.accepted];
    return { asConsumer, asProvider, provider, config };
  }, [programs, publicKey]);
  const mints = useMints([...(data.data?.asConsumer ?? []), ...(data.data?.asProvider ?? [])].map((j) => j.account.mint));

  if (!publicKey) {
    return (
      <div className="page">
        <h1>My jobs</h1>
        <p className="muted">Connect a wallet to see your inference jobs.</p>
      </div>
    );
  }
  const servedModels = data.data?.provider?.models ?? [];
  const config = data.data?.config ?? null;
  const providerBond = data.data?.provider ? big(data.data.provider.bond) : null;
  return (
    <div className="page">
      <h1>My jobs</h1>
      {data.error && <p className="error">Could not load the jobs: {data.error.message}</p>}
      <TxStatus state={tx.state} />
      <section className="card">
        <h2>As consumer</h2>
        <JobTable
          jobs={data.data?.asConsumer ?? []}
          role="consumer"
          tx={tx}
          mints={mints}
          servedModels={[]}
          config={config}
          providerBond={null}
          onDone={data.reload}
          testId="consumer-jobs"
          label="Jobs you opened"
        />
      </section>
      <section className="card">
        <h2>As provider</h2>
        {data.data && !data.data.provider ? (
          <p className="muted">This wallet is not a registered provider (tessera provider register).</p>
        ) : (
          <JobTable
            jobs={data.data?.asProvider ?? []}
            role="provider"
            tx={tx}
            mints={mints}
            servedModels={servedModels}
            config={config}
            providerBond={providerBond}
            onDone={data.reload}
            testId="provider-jobs"
            label="Jobs for the models you serve"
          />
        )}
      </section>
    </div>
  );
}
