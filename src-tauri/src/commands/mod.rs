//! Tauri commands, grouped by domain. Each is a few lines: take the state, call the core or the
//! player, map the error.

pub mod discover;
pub mod downloads;
pub mod library;
pub mod links;
pub mod player;
pub mod queue;
pub mod settings;
pub mod startup;
pub mod sync;
