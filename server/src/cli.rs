//! The command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "workbench",
    version,
    about = "A self-hosted web workbench for your homelab"
)]
pub struct Cli {
    /// Configuration file (default: ./workbench.toml when it exists). Every key can also
    /// be set as WORKBENCH_<SECTION>__<KEY>; see workbench.example.toml.
    #[arg(long, global = true, value_name = "PATH", env = "WORKBENCH_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Default, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Serve the web app (the default).
    #[default]
    Serve,
}
