-- Version 3: protocol fees accrue in each asset's own fee vault; `sweep_fees` (anyone) moves them
-- to the treasury (FeesSwept). `amount` left the vault; `received` reached the treasury's account
-- (less under a Token-2022 transfer fee).
CREATE TABLE fee_sweeps (
    signature TEXT NOT NULL,
    ix_index BIGINT NOT NULL,
    inner_index BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    asset TEXT NOT NULL,
    treasury_token_account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    received BIGINT NOT NULL,
    finalized BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (signature, ix_index, inner_index)
);
CREATE INDEX fee_sweeps_asset ON fee_sweeps (asset, slot);
