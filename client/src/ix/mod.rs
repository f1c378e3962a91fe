//! Instruction builders for every instruction of the Tessera programs.

pub mod registry;
pub mod royalties;
