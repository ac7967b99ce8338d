//! The loader: opens a provider library exactly as Symphony does, but safely.
//!
//! Owns the only `unsafe` code in the crate. [`LibraryFile::open`] opens the file once and
//! hashes (SHA-256, streaming) the bytes it reads; [`LibraryFile::verify`] checks them against
//! the binding's `libHash` (`any` skips the check with a warning, as Symphony does);
//! [`LibraryFile::load`] `dlopen`s that same open file through `/proc/self/fd/N`, so the bytes
//! hashed are the bytes run; [`LoadedLibrary::create_provider`] calls `create_provider` with
//! the binding config and gives an [`InProcessProvider`].
//!
//! Why not as Symphony does: Symphony hashes a path and then opens the path again, so a file
//! swapped in between runs unhashed; and `dlopen` of an already loaded path returns the old
//! image (`shared/symphony/abi.md`).
//!
//! [`DeviceChannel`] reads and changes the simulated provider's device behind its back, through
//! the simulator's extra exports: the harness's ground truth.
//!
//! A loaded library is never unloaded (Symphony never unloads one either): it outlives every
//! provider made from it.

mod device;
mod error;
mod factory;
mod file;
mod library;
pub mod probe;
mod provider;
pub mod resolve;
mod symphony_host;

pub use device::{
    DeviceCall, DeviceChannel, DeviceComponent, DeviceDrift, DeviceError, DeviceSnapshot,
};
pub use error::{LoadError, LoadFailure, LoadFailureClass, LoadInfo, PreloadError, PreloadFactory};
pub use factory::{InProcessFactory, LibFileResolver};
pub use file::{sha256_hex, ExpectedHash, HashCheck, LibraryFile};
pub use library::{LoadOptions, LoadedLibrary, MarshalledConfig};
pub use provider::{HostArguments, InProcessProvider};
pub use symphony_host::{SymphonyHost, SymphonyHostFactory, GO_APPLY_FAILED, GO_GET_FAILED};
