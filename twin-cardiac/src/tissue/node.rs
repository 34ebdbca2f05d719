//! Grid → node index map conventions shared by the monodomain solver and its
//! stencil (a leaf module, so neither depends on the other for it).

/// Marker for "no tissue" in the grid → node index map.
pub const NO_NODE: u32 = u32::MAX;
