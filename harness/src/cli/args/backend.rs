//! The flags that choose how providers run, turned into the library's
//! [`Backend`](symphony_harness::worker::Backend).

use std::time::Duration;

use clap::{Args, ValueEnum};
use symphony_harness::worker::{Backend, HostMode, InstanceLifetime, DEFAULT_CALL_TIMEOUT};

/// Flags that choose how providers run. Every command that calls a provider takes them.
#[derive(Args, Debug, Clone)]
pub struct ProviderArgs {
    /// Deadline of every provider call (e.g. `500ms`, `2s`, `1m`; from `1ms` to `1440m`); a
    /// call still running is killed and reported as `timeout`
    #[arg(
        long,
        value_name = "DURATION",
        default_value_t = CallTimeout(DEFAULT_CALL_TIMEOUT),
        value_parser = parse_call_timeout,
        env = "SYMPHONY_HARNESS_CALL_TIMEOUT",
        hide_env_values = true,
        help_heading = "Isolation"
    )]
    pub call_timeout: CallTimeout,

    /// Deadline of loading the library: reading the file, `dlopen` (where the library's
    /// initialisers run) and its checks; past it a worker is killed and the load reported as
    /// `timeout`, and with `--in-process` the harness ends with `load-failed` [default: the
    /// call timeout]
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_call_timeout,
        env = "SYMPHONY_HARNESS_LOAD_TIMEOUT",
        hide_env_values = true,
        help_heading = "Isolation"
    )]
    pub load_timeout: Option<CallTimeout>,

    /// Call the provider inside this process: faster, but a panic in the provider ends the
    /// harness (and `--call-timeout` cannot be enforced)
    #[arg(long, help_heading = "Isolation")]
    pub in_process: bool,

    /// Which host code calls the provider
    #[arg(long, value_enum, default_value_t = HostArg::Harness, help_heading = "Isolation")]
    pub host: HostArg,

    /// How long provider instances live
    #[arg(long, value_enum, default_value_t = InstancesArg::Symphony, help_heading = "Isolation")]
    pub instances: InstancesArg,

    /// Load even a library the inspector judges incompatible, or risky to run in this
    /// process with `--in-process` (it may crash)
    #[arg(long, help_heading = "Isolation")]
    pub force: bool,

    /// Tuning (`docs/isolation.md`, `docs/performance.md`): how long supervisor and worker poll for each other
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

impl ProviderArgs {
    /// The library's description of these flags.
    pub fn backend(&self) -> Backend {
        Backend {
            in_process: self.in_process,
            host: match self.host {
                HostArg::Harness => HostMode::Harness,
                HostArg::Symphony => HostMode::Symphony,
            },
            lifetime: match self.instances {
                InstancesArg::Symphony => InstanceLifetime::Symphony,
                InstancesArg::Reuse => InstanceLifetime::Reuse,
            },
            call_timeout: self.call_timeout.0,
            load_timeout: self.load_timeout.map(|timeout| timeout.0),
            poll_spin: self.poll_spin,
            force: self.force,
            worker_program: None,
        }
    }
}

/// `--call-timeout`: a duration shown as it is typed (`30s`, `500ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimeout(pub Duration);

impl std::fmt::Display for CallTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.subsec_nanos() == 0 {
            write!(f, "{}s", self.0.as_secs())
        } else {
            write!(f, "{}ms", self.0.as_millis())
        }
    }
}

/// The shortest deadline of a call or a load: deadlines are kept and reported in whole
/// milliseconds (`did not finish within N ms`), so a shorter one would read as 0 ms.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// The longest deadline of a call or a load: a day (`1440m`).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses `--call-timeout` and `--load-timeout`: a duration from [`MIN_TIMEOUT`] to
/// [`MAX_TIMEOUT`].
pub fn parse_call_timeout(text: &str) -> Result<CallTimeout, String> {
    let timeout = parse_duration(text)?;
    if timeout < MIN_TIMEOUT {
        return Err(format!(
            "`{}` is shorter than 1ms, the shortest deadline (deadlines are kept in whole \
             milliseconds): use at least `1ms`",
            text.trim()
        ));
    }
    if timeout > MAX_TIMEOUT {
        return Err(format!(
            "`{}` is longer than 24 hours, the longest deadline: use at most `1440m`",
            text.trim()
        ));
    }
    Ok(CallTimeout(timeout))
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

/// `--host`: the library's [`HostMode`].
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostArg {
    /// The harness's loader: the hashed file descriptor is loaded, errors are typed and keep
    /// the provider's message
    Harness,
    /// The `symphony` crate's own host functions, bit for bit what Symphony runs: a
    /// provider's error message is lost, and input the host cannot parse aborts
    Symphony,
}

/// `--instances`: the library's [`InstanceLifetime`].
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstancesArg {
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
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is too long a duration"))
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
    fn the_call_timeout_default_shows_as_typed_and_parses_back() {
        let default = CallTimeout(DEFAULT_CALL_TIMEOUT);
        assert_eq!(default.to_string(), "30s");
        assert_eq!(parse_call_timeout(&default.to_string()), Ok(default));
        let short = CallTimeout(Duration::from_millis(1500));
        assert_eq!(parse_call_timeout(&short.to_string()), Ok(short));
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
    fn timeouts_are_from_1ms_to_24h_and_say_so() {
        assert_eq!(
            parse_call_timeout("1ms"),
            Ok(CallTimeout(Duration::from_millis(1)))
        );
        assert_eq!(
            parse_call_timeout("1440m"),
            Ok(CallTimeout(Duration::from_secs(86_400)))
        );
        let short = parse_call_timeout("0.0001s").unwrap_err();
        assert!(short.contains("shorter than 1ms"), "{short}");
        assert!(short.contains("use at least `1ms`"), "{short}");
        assert!(parse_call_timeout("0.9ms").is_err());
        let long = parse_call_timeout("1441m").unwrap_err();
        assert!(long.contains("longer than 24 hours"), "{long}");
        assert!(long.contains("at most `1440m`"), "{long}");
        let huge = parse_call_timeout("99999999999999999999").unwrap_err();
        assert!(huge.contains("too long"), "{huge}");
        assert!(parse_call_timeout("0s").unwrap_err().contains("positive"));
    }

    #[test]
    fn bad_durations_say_what_is_expected() {
        assert!(parse_duration("2h").unwrap_err().contains("use ms, s or m"));
        assert!(parse_duration("fast").unwrap_err().contains("500ms"));
        assert!(parse_duration("0s").unwrap_err().contains("positive"));
    }
}
