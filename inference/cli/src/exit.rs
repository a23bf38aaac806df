//! Exit codes: 0 everything done, 1 some input (or the model, the runtime, a write) failed, 2 the
//! command line itself is wrong. Scripts tell "fix the call" from "look at these files" by the code.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use adain::AdainError;

/// Options that cannot work together or values out of range: exit code 2, like clap's own errors.
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A usage error as an `anyhow` error, for `return Err(usage(…))`.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Usage(message.into()).into()
}

/// Some inputs of a batch failed while the others were done: the summary names each with its reason.
#[derive(Debug)]
pub struct InputsFailed {
    pub what: &'static str,
    pub total: usize,
    pub written: u64,
    pub failed: Vec<(PathBuf, String)>,
}

impl fmt::Display for InputsFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} {} failed ({} results written):",
            self.failed.len(),
            self.total,
            self.what,
            self.written
        )?;
        for (path, reason) in &self.failed {
            // The reason usually starts with the file's name already.
            let prefix = format!("{}: ", path.display());
            let mut reason = reason.as_str();
            while let Some(rest) = reason.strip_prefix(&prefix) {
                reason = rest;
            }
            write!(f, "\n  - {}: {reason}", path.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for InputsFailed {}

pub const SUCCESS: u8 = 0;
pub const INPUT_FAILED: u8 = 1;
pub const USAGE: u8 = 2;

/// The exit code for an error: 2 when the call was wrong (ours, or a parameter the library refused),
/// 1 for everything else.
pub fn code_for(error: &anyhow::Error) -> u8 {
    let usage = error.chain().any(|cause| {
        cause.is::<Usage>()
            || is_misconfigured_server(cause)
            || matches!(
                cause.downcast_ref::<AdainError>(),
                Some(AdainError::InvalidParameter(_) | AdainError::NeedsStyleImage { .. })
            )
    });
    if usage {
        USAGE
    } else {
        INPUT_FAILED
    }
}

#[cfg(feature = "serve")]
fn is_misconfigured_server(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause.is::<adain_serve::Misconfigured>()
}

#[cfg(not(feature = "serve"))]
fn is_misconfigured_server(_: &(dyn std::error::Error + 'static)) -> bool {
    false
}

pub fn exit_code(code: u8) -> ExitCode {
    ExitCode::from(code)
}
