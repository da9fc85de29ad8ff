//! The sandbox API server's own tests, in one binary: the API's shapes and semantics
//! (`api`, `admission`, `escalation`, `watch`, `client_certs`), its controllers, its seeds,
//! and the real kubectl against it. Shared helpers are in `support`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admission;
mod api;
mod client_certs;
mod controller;
mod escalation;
mod kubectl;
mod seed;
mod support;
mod watch;
