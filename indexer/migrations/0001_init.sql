-- Tessera indexer schema, version 1. Portable SQL: the same statements run on SQLite and on
-- Postgres. Integers are BIGINT (u64 amounts above i64::MAX are refused at ingestion; u128
-- accumulators are TEXT in decimal); flags are BIGINT 0/1; keys are base58 TEXT; hashes hex TEXT.
-- Tables marked "event rows" carry the event key (signature, ix_index, inner_index), the slot,
-- the block time and `finalized` (0 when ingested at `confirmed`, 1 once the slot is finalized).

-- Where each program's listing stopped: the newest signature ingested.
CREATE TABLE cursors (
    program TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    slot BIGINT NOT NULL
);

-- Every transaction ingested (failed ones too, with no events), so a signature listed by two
-- programs is applied once.
CREATE TABLE transactions (
    signature TEXT PRIMARY KEY,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    failed BIGINT NOT NULL,
    events BIGINT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX transactions_slot ON transactions (slot);

-- Every event (event rows). `data` is the Borsh body (hex) after Anchor's event tag and
-- discriminator; `name` the event type; `emitter` the instruction that emitted it.
CREATE TABLE events (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    program TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX events_slot ON events (slot);
CREATE INDEX events_name ON events (name);

CREATE TABLE assets (
    address TEXT PRIMARY KEY,
    publisher TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    uri TEXT NOT NULL,
    license_flags BIGINT NOT NULL,
    license_terms_hash TEXT NOT NULL,
    access_mint TEXT NOT NULL,
    payment_mint TEXT NOT NULL,
    split TEXT NOT NULL,
    price BIGINT NOT NULL,
    max_supply BIGINT NOT NULL,
    access_duration BIGINT NOT NULL,
    inference_royalty_bps BIGINT NOT NULL,
    inference_gated BIGINT NOT NULL,
    previous_version TEXT,
    sales BIGINT NOT NULL DEFAULT 0,
    sold BIGINT NOT NULL DEFAULT 0,
    revenue BIGINT NOT NULL DEFAULT 0,
    published_slot BIGINT NOT NULL,
    published_at BIGINT,
    updated_slot BIGINT NOT NULL,
    -- The metadata document at `uri`: pending, ok, error (retried) or unsupported.
    meta_status TEXT NOT NULL DEFAULT 'pending',
    meta_attempts BIGINT NOT NULL DEFAULT 0,
    meta_name TEXT,
    meta_description TEXT,
    meta_tags TEXT,
    meta_error TEXT,
    meta_fetched_at BIGINT
);
CREATE INDEX assets_publisher ON assets (publisher);
CREATE INDEX assets_published ON assets (published_slot);

-- Lineage edges: `child` was published with `parent` as its parent at `position`.
CREATE TABLE lineage (
    child TEXT NOT NULL,
    position BIGINT NOT NULL,
    parent TEXT NOT NULL,
    parent_split TEXT NOT NULL,
    bps BIGINT NOT NULL,
    PRIMARY KEY (child, position)
);
CREATE INDEX lineage_parent ON lineage (parent);

-- Sales (event rows of AccessBought). `parent_amounts`: JSON array, in the parents' order.
CREATE TABLE sales (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    asset TEXT NOT NULL,
    buyer TEXT NOT NULL,
    pass TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    price BIGINT NOT NULL,
    total BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    to_parents BIGINT NOT NULL,
    parent_amounts TEXT NOT NULL,
    net BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    perpetual BIGINT NOT NULL,
    sale_seq BIGINT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX sales_asset ON sales (asset, sale_seq);
CREATE INDEX sales_buyer ON sales (buyer);

-- Access passes: one per (asset, holder).
CREATE TABLE passes (
    address TEXT PRIMARY KEY,
    asset TEXT NOT NULL,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    perpetual BIGINT NOT NULL,
    purchased BIGINT NOT NULL,
    redeemed BIGINT NOT NULL,
    revoked BIGINT NOT NULL,
    revoke_reason BIGINT NOT NULL,
    created_slot BIGINT NOT NULL,
    updated_slot BIGINT NOT NULL
);
CREATE INDEX passes_holder ON passes (holder);
CREATE INDEX passes_asset_holder ON passes (asset, holder);

-- Redemptions (event rows of AccessRedeemed).
CREATE TABLE redemptions (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    asset TEXT NOT NULL,
    holder TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    redeemed_total BIGINT NOT NULL,
    remaining BIGINT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);

-- Splits: the royalties program's accounting, replayed from the events with the program's own
-- `Split` methods (u128 accumulators in decimal TEXT).
CREATE TABLE splits (
    address TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    authority TEXT NOT NULL,
    mint TEXT NOT NULL,
    vault TEXT NOT NULL,
    total_received TEXT NOT NULL,
    total_claimed TEXT NOT NULL,
    epoch_start TEXT NOT NULL,
    version BIGINT NOT NULL,
    pending_authority TEXT,
    created_slot BIGINT NOT NULL,
    updated_slot BIGINT NOT NULL
);
CREATE INDEX splits_subject ON splits (subject);

-- A split's entries, in the program's order (`position`).
CREATE TABLE split_entries (
    split TEXT NOT NULL,
    position BIGINT NOT NULL,
    address TEXT NOT NULL,
    bps BIGINT NOT NULL,
    settled BIGINT NOT NULL,
    claimed_in_epoch TEXT NOT NULL,
    PRIMARY KEY (split, position)
);
CREATE INDEX split_entries_address ON split_entries (address);

-- Balances an update parked out of a split (BalancesParked), until `claim_parked` pays them.
CREATE TABLE parked (
    parked TEXT NOT NULL,
    address TEXT NOT NULL,
    split TEXT NOT NULL,
    version BIGINT NOT NULL,
    owed BIGINT NOT NULL,
    paid BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (parked, address)
);
CREATE INDEX parked_address ON parked (address);

-- Tokens credited to a split (event rows): `deposit` (Deposited) or `sync` (Synced).
CREATE TABLE deposits (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    split TEXT NOT NULL,
    kind TEXT NOT NULL,
    depositor TEXT,
    amount BIGINT NOT NULL,
    received BIGINT NOT NULL,
    total_received TEXT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX deposits_split ON deposits (split);

-- Claims (event rows of Claimed); `parked` = 1 when paid by `claim_parked`.
CREATE TABLE claims (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    split TEXT NOT NULL,
    recipient TEXT NOT NULL,
    destination TEXT NOT NULL,
    amount BIGINT NOT NULL,
    claimed_by TEXT NOT NULL,
    parked BIGINT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX claims_split ON claims (split);
CREATE INDEX claims_recipient ON claims (recipient);

-- Jobs: the latest state (Open, Accepted, Delivered, Disputed, Settled) and, once settled, the
-- outcome and the division of the fee.
CREATE TABLE jobs (
    address TEXT PRIMARY KEY,
    consumer TEXT NOT NULL,
    job_id BIGINT NOT NULL,
    model TEXT NOT NULL,
    requested_provider TEXT,
    provider TEXT,
    fee BIGINT NOT NULL,
    fee_bps BIGINT NOT NULL,
    royalty_bps BIGINT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    provider_share_bps BIGINT,
    input_commitment TEXT NOT NULL,
    result_commitment TEXT,
    funded_at BIGINT NOT NULL,
    accept_deadline BIGINT NOT NULL,
    delivery_window BIGINT NOT NULL,
    challenge_window BIGINT NOT NULL,
    delivery_deadline BIGINT,
    challenge_deadline BIGINT,
    dispute_deadline BIGINT,
    slash_amount BIGINT,
    arbiter TEXT,
    to_treasury BIGINT,
    to_model_split BIGINT,
    to_provider BIGINT,
    to_consumer BIGINT,
    slashed BIGINT,
    surplus BIGINT,
    opened_slot BIGINT NOT NULL,
    updated_slot BIGINT NOT NULL
);
CREATE INDEX jobs_consumer ON jobs (consumer);
CREATE INDEX jobs_provider ON jobs (provider);
CREATE INDEX jobs_state ON jobs (state);

-- Every transition of every job (event rows): the state it moved to.
CREATE TABLE job_transitions (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    job TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX job_transitions_job ON job_transitions (job);

-- Providers (the escrow program's provider accounts).
CREATE TABLE providers (
    address TEXT PRIMARY KEY,
    authority TEXT NOT NULL,
    mint TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    models TEXT NOT NULL,
    bond BIGINT NOT NULL,
    unbond_amount BIGINT NOT NULL DEFAULT 0,
    unbond_available_at BIGINT NOT NULL DEFAULT 0,
    registered_slot BIGINT NOT NULL,
    updated_slot BIGINT NOT NULL
);
CREATE INDEX providers_authority ON providers (authority);

-- Bond movements (event rows of BondChanged): Deposit, Withdrawal, Slash, Sync. A slash names
-- the job settled in the same transaction.
CREATE TABLE bond_changes (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    provider TEXT NOT NULL,
    delta TEXT NOT NULL,
    bond BIGINT NOT NULL,
    reason TEXT NOT NULL,
    job TEXT,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX bond_changes_provider ON bond_changes (provider);

-- Slashes: the bond changes taken by a refund or a lost dispute.
CREATE VIEW slashes AS
SELECT signature, ix_index, inner_index, slot, block_time, provider, job, bond, finalized,
       CAST(SUBSTR(delta, 2) AS BIGINT) AS amount
FROM bond_changes WHERE reason = 'Slash';

-- Payment channels (tessera-channels).
CREATE TABLE channels (
    address TEXT PRIMARY KEY,
    payer TEXT NOT NULL,
    payee TEXT NOT NULL,
    provider TEXT NOT NULL,
    authorized_signer TEXT NOT NULL,
    model TEXT NOT NULL,
    mint TEXT NOT NULL,
    channel_id BIGINT NOT NULL,
    deposit BIGINT NOT NULL,
    settled BIGINT NOT NULL DEFAULT 0,
    fee_bps BIGINT NOT NULL,
    royalty_bps BIGINT NOT NULL,
    close_grace BIGINT NOT NULL,
    opened_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    grace_ends_at BIGINT,
    refund BIGINT,
    surplus BIGINT,
    closed_by TEXT,
    opened_slot BIGINT NOT NULL,
    updated_slot BIGINT NOT NULL
);
CREATE INDEX channels_payer ON channels (payer);
CREATE INDEX channels_payee ON channels (payee);

-- Voucher settlements of channels (event rows of ChannelSettled).
CREATE TABLE channel_settlements (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    channel TEXT NOT NULL,
    cumulative BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    to_treasury BIGINT NOT NULL,
    to_model_split BIGINT NOT NULL,
    to_parents TEXT NOT NULL,
    to_payee BIGINT NOT NULL,
    settled BIGINT NOT NULL,
    remaining BIGINT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX channel_settlements_channel ON channel_settlements (channel);
