//! Instruction builders for every instruction of the Tessera programs.

pub mod channels;
pub mod escrow;
pub mod registry;
pub mod royalties;
