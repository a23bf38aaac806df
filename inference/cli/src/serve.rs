//! `adain serve`: the server's own options (crate `adain-serve`) next to the model options every
//! command shares.

use anyhow::Result;
use clap::Args;

use crate::common::ModelArgs;

#[derive(Debug, Args)]
pub struct ServeCommand {
    #[command(flatten)]
    pub server: adain_serve::ServeArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(command: &ServeCommand) -> Result<()> {
    // A wrong call is reported before the (slow) model load.
    command.server.check()?;
    let package = command.model.load_package()?;
    let options = command.model.session_options()?;
    adain_serve::run(&command.server, package, options)
}
