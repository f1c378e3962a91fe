// The indexer's HTTP JSON API (`tessera index serve --cors-origin <the app>`; indexer/README.md):
// the history the chain does not keep in accounts (sales over time, revenue per bucket, a
// provider's record, metadata names). Amounts are base units (JSON numbers, exact below 2^53:
// converted to bigint here); times Unix seconds. The URL is a Settings field.

import { useMemo } from "react";

import { useSettings } from "../../context/Settings";

export interface IndexedMetadata {
  /** `pending`, `ok`, `error` or `unsupported`. */
  status: string;
  name: string | null;
  description: string | null;
  tags: string[];
  error: string | null;
}

export interface IndexedAsset {
  address: string;
  publisher: string;
  kind: string;
  state: string;
  uri: string;
  paymentMint: string;
  previousVersion: string | null;
  sales: number;
  sold: number;
  revenue: number;
  metadata: IndexedMetadata;
}

export interface IndexedSale {
  signature: string;
  slot: number;
  blockTime: number | null;
  buyer: string;
  pass: string;
  quantity: number;
  price: number;
  total: number;
  fee: number;
  net: number;
  saleSeq: number;
}

export interface RevenueBucket {
  start: number;
  sales: number;
  quantity: number;
  gross: number;
  fees: number;
  toParents: number;
  net: number;
}

export interface IndexedRevenue {
  asset: string;
  bucketSeconds: number;
  series: RevenueBucket[];
  total: RevenueBucket;
  asParent: number;
}

export interface IndexedProvider {
  address: string;
  authority: string;
  mint: string;
  endpoint: string;
  models: string[];
  bond: number;
  unbondAmount: number;
  unbondAvailableAt: number;
  jobsAccepted: number;
  jobsCompleted: number;
  jobsMissed: number;
  jobsDisputed: number;
  jobsOpen: number;
  slashes: number;
  slashedTotal: number;
}

export interface IndexedJob {
  address: string;
  jobId: number;
  model: string;
  fee: number;
  state: string;
  outcome: string | null;
  toProvider: number | null;
  slashed: number | null;
}

export interface IndexPage<T> {
  items: T[];
  total: number;
  nextOffset: number | null;
}

export class IndexerError extends Error {}

/** A client of the indexer at `base` (e.g. http://127.0.0.1:8788). */
export class IndexerClient {
  constructor(readonly base: string) {}

  private async get<T>(path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/v1/${path}`);
    } catch (e) {
      throw new IndexerError(
        `The indexer at ${this.base} did not answer (${(e as Error).message}): start \`tessera index serve --cors-origin ${window.location.origin}\` or change its URL in Settings`,
      );
    }
    if (res.status === 404) throw new IndexerError(`not indexed yet: ${path}`);
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: string } | null;
      throw new IndexerError(`The indexer refused ${path}: ${res.status} ${body?.error ?? res.statusText}`);
    }
    return (await res.json()) as T;
  }

  /** Every page of a list (the API serves at most 500 per page). */
  private async all<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    let offset: number | null = 0;
    const sep = path.includes("?") ? "&" : "?";
    while (offset !== null) {
      const page: IndexPage<T> = await this.get<IndexPage<T>>(`${path}${sep}limit=500&offset=${offset}`);
      out.push(...page.items);
      offset = page.nextOffset;
    }
    return out;
  }

  assetsOf(publisher: string): Promise<IndexedAsset[]> {
    return this.all<IndexedAsset>(`assets?publisher=${publisher}`);
  }

  asset(address: string): Promise<IndexedAsset> {
    return this.get<IndexedAsset>(`assets/${address}`);
  }

  sales(asset: string): Promise<IndexedSale[]> {
    return this.all<IndexedSale>(`assets/${asset}/sales`);
  }

  revenue(asset: string, bucketSeconds: number): Promise<IndexedRevenue> {
    return this.get<IndexedRevenue>(`assets/${asset}/revenue?bucket=${bucketSeconds}`);
  }

  /** The provider of an authority (or a provider account); null when not indexed. */
  async provider(authority: string): Promise<IndexedProvider | null> {
    try {
      return await this.get<IndexedProvider>(`providers/${authority}`);
    } catch (e) {
      if (e instanceof IndexerError && e.message.startsWith("not indexed yet")) return null;
      throw e;
    }
  }

  jobsOf(provider: string): Promise<IndexedJob[]> {
    return this.all<IndexedJob>(`jobs?provider=${provider}`);
  }
}

/** The indexer of the Settings. */
export function useIndexer(): IndexerClient {
  const { indexerUrl } = useSettings();
  return useMemo(() => new IndexerClient(indexerUrl), [indexerUrl]);
}
