//! What a subject's bindings hold, for the commands that make their own Targets (`check`,
//! `explore`): the binding config, `libHash`, the component type and the Symphony release;
//! turned into the library's [`SubjectSpec`].

use clap::{Args, ValueEnum};
use symphony_harness::model::Symphony;
use symphony_harness::scenario::format::SymphonyRelease;
use symphony_harness::subject::{parse_config, Reserved, Source, SubjectSpec};
use symphony_harness::worker::Backend;

/// The binding flags of `check` and `explore`.
#[derive(Args, Debug)]
pub struct SubjectArgs {
    /// A binding config key the provider needs (`KEY=VALUE`), or `@FILE.json` holding an
    /// object of them; repeatable. Passed to `create_provider` exactly as a binding would
    #[arg(long, value_name = "KEY=VALUE|@FILE", help_heading = "Binding")]
    pub config: Vec<String>,

    /// The binding's `libHash`: a SHA-256, or `any` [default: the file's own SHA-256]
    #[arg(long, value_name = "SHA256|any", help_heading = "Binding")]
    pub hash: Option<String>,

    /// The component type (the binding's role) of the components the command makes
    /// [default: the rule's `requiredType`, else `example_type`]
    #[arg(long, value_name = "TYPE", help_heading = "Binding")]
    pub component_type: Option<String>,

    /// The Symphony release whose JSON the provider receives
    #[arg(long, value_enum, default_value_t = SymphonyArg::V049, help_heading = "Binding")]
    pub symphony: SymphonyArg,
}

impl SubjectArgs {
    /// The subject these flags describe, for `source` on `backend`. `--config` refuses the
    /// keys the command sets itself (`libFile` from LIB, `libHash` from `--hash`).
    pub fn spec(&self, source: Source, backend: Backend) -> anyhow::Result<SubjectSpec> {
        let reserved = [Reserved::LIB_FILE, Reserved::LIB_HASH];
        Ok(SubjectSpec {
            hash: self.hash.clone(),
            config: parse_config(&self.config, &reserved)?,
            component_type: self.component_type.clone(),
            symphony: self.symphony.release(),
            backend,
            ..SubjectSpec::new(source)
        })
    }
}

/// `--symphony` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymphonyArg {
    /// Symphony 0.48 (Rust providers on this ABI: 0.48.42 to 0.48.48): `solutionName`, `solution`
    #[value(name = "0.48")]
    V048,
    /// Symphony 0.49.1 and later: `solutionversionName`, `solutionversion`
    #[value(name = "0.49")]
    V049,
}

impl SymphonyArg {
    /// The release, as scenarios name it.
    pub fn release(self) -> SymphonyRelease {
        match self {
            SymphonyArg::V048 => SymphonyRelease::V048,
            SymphonyArg::V049 => SymphonyRelease::V049,
        }
    }
}

impl From<SymphonyArg> for Symphony {
    fn from(arg: SymphonyArg) -> Symphony {
        match arg {
            SymphonyArg::V048 => Symphony::V048,
            SymphonyArg::V049 => Symphony::V049,
        }
    }
}
