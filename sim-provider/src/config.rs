//! The binding config of the simulated provider.
//!
//! Symphony passes the whole binding `config` as a flat JSON object of strings. Keys that do
//! not start with `sim.` belong to Symphony (`libFile`, `libHash`, `name`) or to the user and
//! are left alone; every `sim.*` key must be known and well-formed, so that a typo is an
//! error, not a silently ignored setting. [`KEYS`] is the one list of keys, with help and
//! default; the table of `docs/simulator.md` repeats it (a test checks that every key is there).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::bugs::Bug;

/// Where device state is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    /// `memory`: in this process, shared by every provider made from this library image.
    Memory,
    /// An absolute directory path: one JSON state file per device, shared by processes.
    Dir(PathBuf),
}

/// One change-detection entry of the validation rule (Symphony's `PropertyDesc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detect {
    /// Property name; `*` is a wildcard.
    pub name: String,
    /// Compare lowercased.
    pub ignore_case: bool,
    /// A key on one side only is not a change.
    pub skip_if_missing: bool,
    /// One value being a prefix of the other is equal.
    pub prefix_match: bool,
    /// Compare the component name instead.
    pub is_component_name: bool,
}

/// The validated settings of one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// `sim.device`: which simulated device this provider talks to.
    pub device: String,
    /// `sim.store`: where the device's state is kept.
    pub store: StoreKind,
    /// `sim.seed`: the seed of every fault decision.
    pub seed: u64,
    /// `sim.latencyMs`: each call takes between these many milliseconds (inclusive).
    pub latency_ms: (u64, u64),
    /// `sim.failRate`: probability that a `get` or `apply` returns a transient `Err`.
    pub fail_rate: f64,
    /// `sim.failComponents`: components whose `apply` fails (an `Ok` map with a failure code).
    pub fail_components: BTreeSet<String>,
    /// `sim.slowRate`: probability that a call is slow.
    pub slow_rate: f64,
    /// `sim.slowMs`: how much longer a slow call takes, after doing its work.
    pub slow_ms: u64,
    /// `sim.driftRate`: probability that, before a `get`, a property on the device changes.
    pub drift_rate: f64,
    /// `sim.driftProperty`: the property that drifts; `None` picks one of the component's.
    pub drift_property: Option<String>,
    /// `sim.visibleAfterGets`: an applied component is reported only after this many `get`s.
    pub visible_after_gets: u32,
    /// `sim.capacity`: the most components the device holds; `None` for no limit.
    pub capacity: Option<usize>,
    /// `sim.requiredProperties`: the validation rule's required properties.
    pub required_properties: Vec<String>,
    /// `sim.componentType`: the validation rule's required component type (empty: any).
    pub component_type: String,
    /// `sim.changeDetection`: the rule's property change detection; `None` keeps the
    /// default rule's `*` (ignoreCase, skipIfMissing).
    pub change_detection: Option<Vec<Detect>>,
    /// `sim.bugs`: provider bugs to enact (see [`Bug`]).
    pub bugs: BTreeSet<Bug>,
    /// `sim.print`: lines printed to stdout and to stderr by every call.
    pub print_lines: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            device: "default".to_string(),
            store: StoreKind::Memory,
            seed: 0,
            latency_ms: (0, 0),
            fail_rate: 0.0,
            fail_components: BTreeSet::new(),
            slow_rate: 0.0,
            slow_ms: 0,
            drift_rate: 0.0,
            drift_property: None,
            visible_after_gets: 0,
            capacity: None,
            required_properties: Vec::new(),
            component_type: String::new(),
            change_detection: None,
            bugs: BTreeSet::new(),
            print_lines: 0,
        }
    }
}

/// Every key the simulated provider understands: name, help, default.
pub const KEYS: [(&str, &str, &str); 17] = [
    (
        "sim.device",
        "device id (letters, digits, `.`, `_`, `-`); providers with the same id and store share one device",
        "default",
    ),
    (
        "sim.store",
        "`memory` (this process, fast) or an absolute directory holding one `<device>.json` per device (shared by processes)",
        "memory",
    ),
    ("sim.seed", "seed of every fault decision (unsigned integer)", "0"),
    (
        "sim.latencyMs",
        "each get/apply first takes `N` or `MIN-MAX` milliseconds (seeded pick)",
        "0",
    ),
    (
        "sim.failRate",
        "probability (0 to 1) that a get/apply returns a transient `Err` and changes nothing",
        "0",
    ),
    (
        "sim.failComponents",
        "comma-separated component names whose apply fails: `Ok` map with `UpdateFailed`/`DeleteFailed`",
        "none",
    ),
    (
        "sim.slowRate",
        "probability (0 to 1) that a get/apply is slow: it does its work, then takes `sim.slowMs` more",
        "0",
    ),
    (
        "sim.slowMs",
        "extra milliseconds of a slow call; set it above the caller's deadline",
        "0",
    ),
    (
        "sim.driftRate",
        "probability (0 to 1) that before a get one stored component's property changes behind the provider's back",
        "0",
    ),
    (
        "sim.driftProperty",
        "the property that drifts",
        "a seeded pick among the component's properties",
    ),
    (
        "sim.visibleAfterGets",
        "an applied component is reported by get only after this many gets that asked for it",
        "0",
    ),
    (
        "sim.capacity",
        "the most components the device holds; an update beyond it fails with `UpdateFailed`",
        "no limit",
    ),
    (
        "sim.requiredProperties",
        "comma-separated required properties: in the validation rule and checked by apply (dry run too)",
        "none",
    ),
    (
        "sim.componentType",
        "required component type: in the validation rule and checked by apply",
        "any",
    ),
    (
        "sim.changeDetection",
        "the rule's property change detection: comma-separated `NAME[/ignoreCase][/skipIfMissing][/prefixMatch][/isComponentName]`",
        "`*/ignoreCase/skipIfMissing` (`ValidationRule::default()`)",
    ),
    (
        "sim.bugs",
        "comma-separated provider bugs to enact (see the bug catalog)",
        "none",
    ),
    (
        "sim.print",
        "lines every call (create_provider too) prints with `println!` and with `eprintln!`, as chatty providers do",
        "0",
    ),
];

/// Why a config was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Not a JSON object of strings.
    NotAnObjectOfStrings(String),
    /// A `sim.*` key this provider does not know.
    UnknownKey(String),
    /// A known key with a value it cannot use.
    BadValue {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What was expected.
        expected: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotAnObjectOfStrings(err) => {
                write!(f, "config is not a JSON object of strings: {err}")
            }
            ConfigError::UnknownKey(key) => {
                let known: Vec<&str> = KEYS.iter().map(|(name, _, _)| *name).collect();
                write!(f, "unknown key `{key}`; known keys: {}", known.join(", "))
            }
            ConfigError::BadValue {
                key,
                value,
                expected,
            } => write!(f, "bad value `{value}` for `{key}`: expected {expected}"),
        }
    }
}

impl std::error::Error for ConfigError {}

fn bad(key: &str, value: &str, expected: &str) -> ConfigError {
    ConfigError::BadValue {
        key: key.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

/// The items of the comma-separated `value` of `key`, trimmed; a blank value has none. An
/// empty item (`a,,b`, or a comma at either end) is refused: it is a slip, not "nothing".
fn list<'v>(key: &str, value: &'v str) -> Result<Vec<&'v str>, ConfigError> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<&str> = value.split(',').map(str::trim).collect();
    if items.iter().any(|item| item.is_empty()) {
        return Err(bad(
            key,
            value,
            "comma-separated items, none of them empty (no `,,`, no comma at either end)",
        ));
    }
    Ok(items)
}

fn parse_u64(key: &str, value: &str) -> Result<u64, ConfigError> {
    value
        .trim()
        .parse()
        .map_err(|_| bad(key, value, "an unsigned integer"))
}

fn parse_rate(key: &str, value: &str) -> Result<f64, ConfigError> {
    match value.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(bad(key, value, "a probability from 0 to 1, e.g. `0.25`")),
    }
}

fn parse_latency(key: &str, value: &str) -> Result<(u64, u64), ConfigError> {
    let expected = "milliseconds as `N` or `MIN-MAX` with MIN <= MAX";
    let range = match value.split_once('-') {
        Some((low, high)) => (low.trim().parse(), high.trim().parse()),
        None => (value.trim().parse(), value.trim().parse()),
    };
    match range {
        (Ok(low), Ok(high)) if low <= high => Ok((low, high)),
        _ => Err(bad(key, value, expected)),
    }
}

fn valid_device_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn parse_store(key: &str, value: &str) -> Result<StoreKind, ConfigError> {
    if value == "memory" {
        return Ok(StoreKind::Memory);
    }
    let path = PathBuf::from(value);
    if path.is_absolute() {
        Ok(StoreKind::Dir(path))
    } else {
        Err(bad(key, value, "`memory` or an absolute directory path"))
    }
}

fn parse_detection(key: &str, value: &str) -> Result<Vec<Detect>, ConfigError> {
    let mut entries = Vec::new();
    for entry in list(key, value)? {
        let mut parts = entry.split('/').map(str::trim);
        let name = parts.next().unwrap_or_default();
        if name.is_empty() {
            return Err(bad(key, entry, "a property name before any `/flag`"));
        }
        let mut detect = Detect {
            name: name.to_string(),
            ignore_case: false,
            skip_if_missing: false,
            prefix_match: false,
            is_component_name: false,
        };
        for flag in parts {
            match flag {
                "ignoreCase" => detect.ignore_case = true,
                "skipIfMissing" => detect.skip_if_missing = true,
                "prefixMatch" => detect.prefix_match = true,
                "isComponentName" => detect.is_component_name = true,
                _ => {
                    return Err(bad(
                        key,
                        flag,
                        "one of the flags ignoreCase, skipIfMissing, prefixMatch, isComponentName",
                    ))
                }
            }
        }
        entries.push(detect);
    }
    Ok(entries)
}

/// How many parsed configs [`SimConfig::shared`] remembers.
const SHARED_KEPT: usize = 16;

impl SimConfig {
    /// Parses `text` as [`SimConfig::from_json`] does, remembering the last configs parsed:
    /// Symphony creates a provider for every call, each time with the same config text.
    pub fn shared(text: &str) -> Result<Arc<SimConfig>, ConfigError> {
        static PARSED: Mutex<Vec<(String, Arc<SimConfig>)>> = Mutex::new(Vec::new());
        // A panic while holding the lock (a bug of the simulator) leaves a usable list.
        let mut parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, config)) = parsed.iter().find(|(known, _)| known == text) {
            return Ok(Arc::clone(config));
        }
        let config = Arc::new(SimConfig::from_json(text)?);
        if parsed.len() >= SHARED_KEPT {
            parsed.remove(0);
        }
        parsed.push((text.to_string(), Arc::clone(&config)));
        Ok(config)
    }

    /// Parses and validates a binding config.
    pub fn from_json(text: &str) -> Result<SimConfig, ConfigError> {
        let map: BTreeMap<String, String> = serde_json::from_str(text)
            .map_err(|err| ConfigError::NotAnObjectOfStrings(err.to_string()))?;
        let mut config = SimConfig::default();
        for (key, value) in &map {
            let key = key.as_str();
            match key {
                "sim.device" => {
                    if !valid_device_id(value) {
                        return Err(bad(
                            key,
                            value,
                            "a device id of 1 to 128 letters, digits, `.`, `_` or `-`, not starting with `.`",
                        ));
                    }
                    config.device = value.clone();
                }
                "sim.store" => config.store = parse_store(key, value)?,
                "sim.seed" => config.seed = parse_u64(key, value)?,
                "sim.latencyMs" => config.latency_ms = parse_latency(key, value)?,
                "sim.failRate" => config.fail_rate = parse_rate(key, value)?,
                "sim.failComponents" => {
                    config.fail_components =
                        list(key, value)?.into_iter().map(str::to_string).collect();
                }
                "sim.slowRate" => config.slow_rate = parse_rate(key, value)?,
                "sim.slowMs" => config.slow_ms = parse_u64(key, value)?,
                "sim.driftRate" => config.drift_rate = parse_rate(key, value)?,
                "sim.driftProperty" => {
                    if value.trim().is_empty() {
                        return Err(bad(key, value, "a property name"));
                    }
                    config.drift_property = Some(value.trim().to_string());
                }
                "sim.visibleAfterGets" => {
                    config.visible_after_gets = value
                        .trim()
                        .parse()
                        .map_err(|_| bad(key, value, "a number of gets (0 to 4294967295)"))?;
                }
                "sim.capacity" => {
                    let capacity = parse_u64(key, value)?;
                    config.capacity = Some(
                        usize::try_from(capacity)
                            .map_err(|_| bad(key, value, "a number of components"))?,
                    );
                }
                "sim.requiredProperties" => {
                    config.required_properties =
                        list(key, value)?.into_iter().map(str::to_string).collect();
                }
                "sim.componentType" => config.component_type = value.trim().to_string(),
                "sim.changeDetection" => {
                    config.change_detection = Some(parse_detection(key, value)?);
                }
                "sim.bugs" => {
                    for name in list(key, value)? {
                        let bug = Bug::from_name(name).ok_or_else(|| {
                            bad(key, name, &format!("one of: {}", Bug::names().join(", ")))
                        })?;
                        config.bugs.insert(bug);
                    }
                }
                "sim.print" => config.print_lines = parse_u64(key, value)?,
                other if other.starts_with("sim.") => {
                    return Err(ConfigError::UnknownKey(other.to_string()))
                }
                _ => {}
            }
        }
        Ok(config)
    }

    /// Prints `sim.print` lines about `call` to stdout and as many to stderr.
    pub fn print(&self, call: &str) {
        let lines = self.print_lines;
        for line in 1..=lines {
            println!(
                "sim stdout: {call} line {line}/{lines} on device {}",
                self.device
            );
        }
        for line in 1..=lines {
            eprintln!(
                "sim stderr: {call} line {line}/{lines} on device {}",
                self.device
            );
        }
    }

    /// Whether `bug` is enabled.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_configs_are_parsed_once_per_text_and_refusals_are_not_kept() {
        let text = r#"{"sim.device":"shared-a"}"#;
        let first = SimConfig::shared(text).unwrap();
        assert!(Arc::ptr_eq(&first, &SimConfig::shared(text).unwrap()));
        let other = SimConfig::shared(r#"{"sim.device":"shared-b"}"#).unwrap();
        assert_eq!(other.device, "shared-b");
        let bad = r#"{"sim.device":"shared-c","sim.nope":"1"}"#;
        assert!(SimConfig::shared(bad).is_err());
        assert!(
            SimConfig::shared(bad).is_err(),
            "a refusal is refused again"
        );
    }

    fn parse(text: &str) -> SimConfig {
        SimConfig::from_json(text).unwrap()
    }

    fn refused(text: &str) -> String {
        SimConfig::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn symphony_keys_are_accepted_and_everything_defaults() {
        let config = parse(r#"{"libFile":"/x.so","libHash":"any","name":"n","foo":"bar"}"#);
        assert_eq!(config, SimConfig::default());
        assert_eq!(config.device, "default");
        assert_eq!(config.store, StoreKind::Memory);
    }

    #[test]
    fn unknown_sim_key_is_refused_with_the_known_keys() {
        let err = refused(r#"{"sim.devise":"a"}"#);
        assert!(err.starts_with("unknown key `sim.devise`; known keys: sim.device, sim.store"));
        for (key, _, _) in KEYS {
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn print_is_a_line_count() {
        assert_eq!(parse(r#"{"sim.print":"3"}"#).print_lines, 3);
        assert_eq!(parse("{}").print_lines, 0);
        assert!(refused(r#"{"sim.print":"yes"}"#).contains("sim.print"));
    }

    #[test]
    fn bugs_are_parsed_by_name_and_unknown_names_refused() {
        let config = parse(r#"{"sim.bugs":"panic-on-get, empty-error"}"#);
        assert!(config.has(Bug::PanicOnGet));
        assert!(config.has(Bug::EmptyError));
        let err = refused(r#"{"sim.bugs":"panic-on-gte"}"#);
        assert!(err.contains("panic-on-gte"), "{err}");
        assert!(err.contains("panic-on-get"), "{err}");
    }

    #[test]
    fn a_list_with_an_empty_item_is_refused_and_a_blank_one_is_empty() {
        for key in [
            "sim.bugs",
            "sim.failComponents",
            "sim.requiredProperties",
            "sim.changeDetection",
        ] {
            for value in ["lying-get,,", "image,,replicas", ",image", "image, ,tag"] {
                let err = refused(&format!(r#"{{"{key}":"{value}"}}"#));
                assert!(
                    err.contains(&format!("bad value `{value}` for `{key}`"))
                        && err.contains("none of them empty"),
                    "{key}={value}: {err}"
                );
            }
            assert!(SimConfig::from_json(&format!(r#"{{"{key}":"  "}}"#)).is_ok());
        }
        assert!(parse(r#"{"sim.bugs":""}"#).bugs.is_empty());
    }

    #[test]
    fn non_string_values_are_refused() {
        assert!(matches!(
            SimConfig::from_json(r#"{"sim.device":1}"#),
            Err(ConfigError::NotAnObjectOfStrings(_))
        ));
    }

    #[test]
    fn every_key_parses_a_good_value() {
        let config = parse(
            r#"{"sim.device":"edge-1","sim.store":"/var/sim","sim.seed":"42",
                "sim.latencyMs":"5-20","sim.failRate":"0.25","sim.failComponents":"a, b",
                "sim.slowRate":"1","sim.slowMs":"1500","sim.driftRate":"0.5",
                "sim.driftProperty":"image","sim.visibleAfterGets":"2","sim.capacity":"3",
                "sim.requiredProperties":"image,replicas","sim.componentType":"rust-workload",
                "sim.changeDetection":"image, *.env/ignoreCase/skipIfMissing",
                "sim.bugs":"racy"}"#,
        );
        assert_eq!(config.device, "edge-1");
        assert_eq!(config.store, StoreKind::Dir(PathBuf::from("/var/sim")));
        assert_eq!(config.seed, 42);
        assert_eq!(config.latency_ms, (5, 20));
        assert_eq!(config.fail_rate, 0.25);
        assert_eq!(
            config.fail_components.iter().collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!((config.slow_rate, config.slow_ms), (1.0, 1500));
        assert_eq!(config.drift_rate, 0.5);
        assert_eq!(config.drift_property.as_deref(), Some("image"));
        assert_eq!(config.visible_after_gets, 2);
        assert_eq!(config.capacity, Some(3));
        assert_eq!(config.required_properties, ["image", "replicas"]);
        assert_eq!(config.component_type, "rust-workload");
        let detection = config.change_detection.unwrap();
        assert_eq!(detection.len(), 2);
        assert!(!detection[0].ignore_case && !detection[0].skip_if_missing);
        assert_eq!(detection[1].name, "*.env");
        assert!(detection[1].ignore_case && detection[1].skip_if_missing);
        assert!(config.bugs.contains(&Bug::Racy));
        assert_eq!(parse(r#"{"sim.latencyMs":"7"}"#).latency_ms, (7, 7));
        assert_eq!(parse(r#"{"sim.store":"memory"}"#).store, StoreKind::Memory);
    }

    #[test]
    fn bad_values_name_the_key_and_what_was_expected() {
        let cases = [
            (r#"{"sim.device":""}"#, "`sim.device`"),
            (r#"{"sim.device":"../etc"}"#, "`sim.device`"),
            (r#"{"sim.device":".hidden"}"#, "`sim.device`"),
            (r#"{"sim.store":"relative/dir"}"#, "absolute directory"),
            (r#"{"sim.seed":"-1"}"#, "unsigned integer"),
            (r#"{"sim.latencyMs":"20-5"}"#, "MIN <= MAX"),
            (r#"{"sim.latencyMs":"fast"}"#, "`sim.latencyMs`"),
            (r#"{"sim.failRate":"1.5"}"#, "probability from 0 to 1"),
            (r#"{"sim.failRate":"NaN"}"#, "probability from 0 to 1"),
            (r#"{"sim.slowRate":"-0.1"}"#, "`sim.slowRate`"),
            (r#"{"sim.slowMs":"soon"}"#, "`sim.slowMs`"),
            (r#"{"sim.driftRate":"2"}"#, "`sim.driftRate`"),
            (r#"{"sim.driftProperty":" "}"#, "a property name"),
            (r#"{"sim.visibleAfterGets":"-2"}"#, "number of gets"),
            (r#"{"sim.capacity":"lots"}"#, "`sim.capacity`"),
            (
                r#"{"sim.changeDetection":"image/ignorecase"}"#,
                "ignoreCase",
            ),
            (r#"{"sim.changeDetection":"/ignoreCase"}"#, "property name"),
        ];
        for (text, needle) in cases {
            let err = refused(text);
            assert!(err.starts_with("bad value `"), "{text}: {err}");
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn the_simulator_page_documents_every_key_and_every_bug() {
        let page = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/simulator.md"));
        for (key, _, _) in KEYS {
            let row = format!("| `{key}` |");
            assert!(page.contains(&row), "docs/simulator.md misses {key}");
        }
        for bug in Bug::names() {
            let row = format!("| `{bug}` |");
            assert!(page.contains(&row), "docs/simulator.md misses {bug}");
        }
    }
}
