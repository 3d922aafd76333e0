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
    /// The Resources library's content.
    #[command(subcommand)]
    Content(ContentCommand),
    /// The Brain: its index, and questions from the terminal.
    #[command(subcommand)]
    Brain(BrainCommand),
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum BrainCommand {
    /// Bring the index up to date with the Resources library and brain.dirs (only what
    /// changed is embedded again), with a progress bar. Safe to interrupt and run again.
    /// Exit status: 0 done, 1 some batches failed (recorded; the next run retries them),
    /// 2 could not run.
    Index {
        /// Drop the current index and build it again from scratch.
        #[arg(long)]
        rebuild: bool,
    },
    /// Ask a question; the answer streams to stdout, then its sources.
    Ask {
        /// The question.
        #[arg(value_name = "QUESTION")]
        question: String,
        /// The chat model (default: your remembered choice, then brain.chat_model).
        #[arg(long, value_name = "NAME")]
        model: Option<String>,
    },
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum ContentCommand {
    /// Check every file: front matter, links and anchors, duplicate slugs, and the syntax
    /// of YAML (Kubernetes, Compose), JSON, TOML and shell code blocks. No network.
    /// Exit status: 0 clean, 1 problems found, 2 could not run.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: crate::content::Format,
        /// Content folder(s) to check instead of content.dir and content.extra_dirs.
        #[arg(long = "dir", value_name = "PATH")]
        dirs: Vec<PathBuf>,
    },
}
