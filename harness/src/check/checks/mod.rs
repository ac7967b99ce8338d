//! The check functions, by area; [`super::CATALOG`] names each one's row.

pub(super) mod apply;
pub(super) mod build;
pub(super) mod delete;
pub(super) mod errors;
pub(super) mod get;
pub(super) mod lifecycle;
pub(super) mod rendering;
pub(super) mod round_trip;
pub(super) mod rule;
pub(super) mod scenarios;
