//! A simulated device, as a real Eclipse Symphony Rust target provider.
//!
//! Symphony can load this library as it is: it exports `create_provider` with the `symphony`
//! 0.1.4+ ABI. Each provider it creates talks to a device that lives outside the provider
//! value (Symphony makes a new provider for every `get` and `apply` step and never drops
//! them), so state survives from call to call, and a crashed call does not wipe it.
//!
//! Modules:
//! - [`config`]: the binding config (`sim.*` keys), validated strictly.
//! - [`bugs`]: the catalog of provider bugs the simulator can enact on purpose.
//! - [`device`]: a device's state, and its JSON format.
//! - [`faults`]: faults armed on a device for its next calls, and which call consumes them.
//! - [`store`]: where devices live: process memory or a directory, with locking.
//! - [`rng`]: seeded, counter-based decisions for the environmental faults.
//! - [`provider`]: the `ITargetProvider` implementation.
//! - [`channel`]: the harness's way to read and change a device behind the provider's back.
//! - [`ffi`]: the exported C functions; the only `unsafe` code.
//!
//! A panic in a provider aborts Symphony, so no code outside tests may `unwrap` or `expect`.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![deny(missing_docs)]

pub mod bugs;
pub mod channel;
pub mod config;
pub mod device;
pub mod faults;
pub mod ffi;
pub mod provider;
pub mod rng;
pub mod store;

pub use config::SimConfig;
pub use provider::SimProvider;
