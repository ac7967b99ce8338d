//! The loader: opens a provider library exactly as Symphony does, but safely.
//!
//! Owns the only `unsafe` code in the crate. [`LibraryFile::open`] reads the file once and
//! hashes (SHA-256, streaming) the bytes it reads; [`LibraryFile::verify`] checks the hash
//! against the binding's `libHash` (`any` skips the check with a warning, as Symphony does);
//! [`LibraryFile::accept`] checks the hash, inspects those bytes, refuses what must not be
//! loaded where it would run ([`Placement`]) and copies the bytes into a `memfd` sealed with
//! `F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL`, giving an [`AcceptedLibrary`];
//! [`LoadedLibrary::open`] takes only that, and `dlopen`s the sealed memory file through
//! `/proc/self/fd/N`; [`InProcessProvider::create`] calls its `create_provider` with the
//! binding config and gives an [`InProcessProvider`]. The worker loads the same way.
//!
//! What is guaranteed: the bytes hashed, the bytes inspected and the bytes mapped are the same
//! bytes, whatever happens to the file on disk after [`LibraryFile::open`] read it (renamed
//! over, rewritten in place, truncated): the bytes are held in memory from that one read on,
//! nobody can change a sealed memory file, and the
//! library's code (its initialisers included) only runs from it. Not guaranteed: that the
//! bytes read are a consistent version of a file that was being written *while* it was read
//! (the hash then names that mix, and a `libHash` check refuses it); and the libraries the
//! library itself depends on (`DT_NEEDED`) are found and loaded by the dynamic loader as
//! usual, neither hashed nor sealed.
//!
//! Why not as Symphony does: Symphony hashes a path and then opens the path again, so a file
//! swapped in between runs unhashed; and `dlopen` of an already loaded path returns the old
//! image (`docs/loading.md`).
//!
//! [`TypeFactory`] is the loader's counterpart for a provider type compiled into this process
//! (a provider author's own tests): it calls a constructor where a library's
//! `create_provider` would be called, and catches the provider's panics.
//!
//! [`DeviceChannel`] reads and changes the simulated provider's device behind its back, through
//! the simulator's extra exports: the harness's ground truth. It also arms [`Fault`]s for the
//! device's next calls and makes [`DeviceEdit`]s, the device steps of a scenario.
//!
//! A loaded library is never unloaded (Symphony never unloads one either): it outlives every
//! provider made from it. A load in this process may be given a deadline
//! ([`LibraryFile::load_within`]); one that overruns it can never be stopped, and leaves the
//! process unable to load again or to `exit` normally ([`stuck_load`]).

pub mod capture;
mod deadline;
mod device;
mod device_error;
mod device_ops;
mod error;
mod factory;
mod file;
mod image;
mod library;
mod panics;
pub mod probe;
mod provider;
pub mod resolve;
mod slice;
mod symphony_host;
mod typed;

pub use deadline::{on_overrun, stuck_load};
pub use device::{
    DeviceCall, DeviceChannel, DeviceComponent, DeviceDrift, DeviceSnapshot, DEVICE_CHANNEL_ABI,
};
pub use device_error::DeviceError;
pub use device_ops::{DeviceEdit, Fault, FaultCall, FaultEffect, FaultTimes};
pub use error::{
    LoadError, LoadFailure, LoadFailureClass, LoadInfo, PreloadError, PreloadFactory,
    LOAD_TIMEOUT_HINT,
};
pub use factory::{InProcessFactory, LibFileResolver};
pub use file::{open_regular, sha256_hex, ExpectedHash, HashCheck, LibraryFile};
pub use image::{HandoffError, ImageHandoff, SharedImage};
pub use library::{AcceptedLibrary, LoadOptions, LoadedLibrary, MarshalledConfig, Placement};
pub use provider::{HostArguments, InProcessProvider};
pub use slice::{ask_for_slice, SHORT_SLICE};
pub use symphony_host::{
    preload_path, split_host_lines, SymphonyHost, SymphonyHostFactory, GO_APPLY_FAILED,
    GO_GET_FAILED,
};
pub use typed::{ProviderConstructor, TypeFactory};
