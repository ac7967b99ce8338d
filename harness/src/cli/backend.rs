//! Which code runs a provider: a supervised worker (the default), or this process
//! (`--in-process`); with the harness's loader or Symphony's own host functions (`--host`).
//! [`provider_factory`] is the one place every command gets its providers from.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use symphony_harness::load::{
    InProcessFactory, LibFileResolver, PreloadFactory, SymphonyHostFactory,
};
use symphony_harness::worker::{HostMode, InstanceLifetime, SupervisorConfig, WorkerFactory};

/// Flags that choose how providers run. Every command that calls a provider takes them.
#[derive(Args, Debug, Clone)]
pub struct ProviderArgs {
    /// Deadline of every provider call (e.g. `500ms`, `2s`, `1m`); a call still running is
    /// killed and reported as `timeout`
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        value_parser = parse_duration,
        env = "SYMPHONY_HARNESS_CALL_TIMEOUT",
        hide_env_values = true,
        help_heading = "Isolation"
    )]
    pub call_timeout: Duration,

    /// Call the provider inside this process: faster, but a panic in the provider ends the
    /// harness (and `--call-timeout` cannot be enforced)
    #[arg(long, help_heading = "Isolation")]
    pub in_process: bool,

    /// Which host code calls the provider
    #[arg(long, value_enum, default_value_t = Host::Harness, help_heading = "Isolation")]
    pub host: Host,

    /// How long provider instances live
    #[arg(long, value_enum, default_value_t = Instances::Symphony, help_heading = "Isolation")]
    pub instances: Instances,

    /// Tuning (README, "Performance"): how long supervisor and worker poll for each other
    /// before sleeping (e.g. `100us`; `0` always sleeps). Default: 100us, or 0 on one CPU.
    #[arg(
        long,
        hide = true,
        value_name = "DURATION",
        value_parser = parse_spin,
        env = "SYMPHONY_HARNESS_POLL_SPIN",
        hide_env_values = true
    )]
    pub poll_spin: Option<Duration>,
}

/// Parses `--poll-spin`: `0`, or a duration in `us`, `ms` or `s`.
fn parse_spin(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.trim_end_matches(|c: char| c.is_ascii_alphabetic()) == "0" {
        return Ok(Duration::ZERO);
    }
    match text.strip_suffix("us") {
        Some(micros) => micros
            .trim()
            .parse::<u64>()
            .map(Duration::from_micros)
            .map_err(|_| format!("`{text}` is not a duration like `100us`, `1ms` or `0`")),
        None => parse_duration(text)
            .map_err(|_| format!("`{text}` is not a duration like `100us`, `1ms` or `0`")),
    }
}

/// `--host`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// The harness's loader: the hashed file descriptor is loaded, errors are typed and keep
    /// the provider's message
    Harness,
    /// The `symphony` crate's own host functions, bit for bit what Symphony runs: a
    /// provider's error message is lost, and input the host cannot parse aborts
    Symphony,
}

/// `--instances`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instances {
    /// A new provider instance for every get and apply step, never destroyed (as Symphony)
    Symphony,
    /// One instance per binding config, reused for every call
    Reuse,
}

/// Parses `500ms`, `2s`, `1m`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like `500ms`, `2s` or `1m`"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use ms, s or m"
            ))
        }
    };
    if !(seconds > 0.0 && seconds.is_finite()) {
        return Err(format!("`{text}` must be a positive duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// The factory that runs providers as `args` say, mapping `libFile` through `resolve`.
pub fn provider_factory(
    args: &ProviderArgs,
    resolve: LibFileResolver,
    force: bool,
) -> anyhow::Result<Box<dyn PreloadFactory>> {
    if args.in_process {
        if args.instances == Instances::Reuse {
            bail!("`--instances reuse` needs a worker\nhint: drop `--in-process`");
        }
        return Ok(match args.host {
            Host::Harness => Box::new(InProcessFactory::with_resolver(resolve).force(force)),
            Host::Symphony => Box::new(SymphonyHostFactory::with_resolver(resolve).force(force)),
        });
    }
    let program: PathBuf =
        std::env::current_exe().context("cannot find this executable to start workers")?;
    let mut config = SupervisorConfig::new(program);
    config.call_timeout = args.call_timeout;
    if let Some(spin) = args.poll_spin {
        config.spin = spin;
    }
    config.host = match args.host {
        Host::Harness => HostMode::Harness,
        Host::Symphony => HostMode::Symphony,
    };
    let lifetime = match args.instances {
        Instances::Symphony => InstanceLifetime::Symphony,
        Instances::Reuse => InstanceLifetime::Reuse,
    };
    Ok(Box::new(
        WorkerFactory::new(config, resolve)
            .force(force)
            .lifetime(lifetime),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_spin_takes_zero_and_microseconds() {
        assert_eq!(parse_spin("0"), Ok(Duration::ZERO));
        assert_eq!(parse_spin("0us"), Ok(Duration::ZERO));
        assert_eq!(parse_spin("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_spin("2ms"), Ok(Duration::from_millis(2)));
        assert!(parse_spin("fast").is_err());
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
    }

    #[test]
    fn bad_durations_say_what_is_expected() {
        assert!(parse_duration("2h").unwrap_err().contains("use ms, s or m"));
        assert!(parse_duration("fast").unwrap_err().contains("500ms"));
        assert!(parse_duration("0s").unwrap_err().contains("positive"));
    }
}
