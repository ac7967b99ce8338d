//! `serve`: Symphony's REST API on this machine, reconciling through the real engine, so the
//! tutorial's own scripts (sign in, `POST` the Target, wait, `DELETE` it) run unchanged
//! without Docker, and a provider that panics does not take the server down.
//!
//! Owns the HTTP side and the job threads; plays rounds through the same engine, supervised
//! workers and loader every command uses, and has no reconcile logic of its own. The flow:
//! [`http`] reads a request → [`routes`] checks the token ([`auth`]), stores the object
//! ([`store`]) and publishes a job → [`jobs`] runs the round on the object's own thread
//! ([`play`]: its providers and stored state) → the status ([`status`], Symphony's shape) goes
//! into the store and the round into the object's [`record`], which `GET` and the [`page`]
//! show and which is written out as a scenario file on request. What happens is reported as
//! [`events::ServeEvent`]s to a [`events::ServeSink`] (the command line prints them).
//!
//! Main type: [`Server`] ([`server`]), made by [`Server::bind`] and run by [`Server::run`] until its stop
//! condition holds (Ctrl-C at the command line). `docs/serve.md` is the user's guide; the
//! routes and shapes are Symphony's, read from its source (paths in each file).

pub mod auth;
pub mod events;
pub mod http;
pub mod jobs;
pub mod page;
pub mod play;
pub mod record;
pub mod routes;
pub mod server;
pub mod shared;
pub mod status;
pub mod store;

pub use server::{ServeError, ServeOptions, Server, DEFAULT_PORT};
pub use shared::{Settings, Shared};
