//! `workbench`: the command line.

use std::process::ExitCode;

use clap::Parser;
use server::cli::{BrainCommand, Cli, Command, ContentCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or_default() {
        Command::Serve => server::run_serve(cli.config.as_deref()),
        Command::Brain(BrainCommand::Index { rebuild }) => {
            match server::brain::cli::run_index(cli.config.as_deref(), rebuild) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(err) => Err(err),
            }
        }
        Command::Brain(BrainCommand::Ask { question, model }) => {
            match server::brain::cli::run_ask(cli.config.as_deref(), &question, model.as_deref()) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(err) => Err(err),
            }
        }
        Command::Content(ContentCommand::Check { format, dirs }) => {
            match server::content::run_check(cli.config.as_deref(), &dirs, format) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(err) => Err(err),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The chain reads as one sentence: what failed, then why.
            eprintln!("workbench: {err:#}");
            ExitCode::from(2)
        }
    }
}
