pub mod accept_admin;
// delist_asset, relist_asset and retire_asset: one accounts struct (`SetAssetState`) in asset_state.rs.
pub mod asset_state;
pub mod buy_access;
pub mod claim_free_pass;
pub mod initialize_config;
pub mod propose_admin;
pub mod publish_asset;
pub mod redeem_access;
pub mod revoke_pass;
pub mod sweep_fees;
pub mod update_asset;
pub mod update_config;
pub mod verify_access;

pub use accept_admin::*;
pub use asset_state::*;
pub use buy_access::*;
pub use claim_free_pass::*;
pub use initialize_config::*;
pub use propose_admin::*;
pub use publish_asset::*;
pub use redeem_access::*;
pub use revoke_pass::*;
pub use sweep_fees::*;
pub use update_asset::*;
pub use update_config::*;
pub use verify_access::*;
