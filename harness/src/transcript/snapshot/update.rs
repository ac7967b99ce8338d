//! When a snapshot is written, as insta decides it: `INSTA_UPDATE` (`auto`, `always`, `new`,
//! `unseen`, `no`, `force`), `INSTA_FORCE_PASS`, and whether this is CI (`CI`, `TF_BUILD`);
//! `--accept` is `always`. insta's rules are in its `src/env.rs`
//! (`snapshot_update_behavior`) and `src/utils.rs` (`is_ci`).

/// `INSTA_UPDATE`: what to do with a transcript that differs from its snapshot, or has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Update {
    /// insta's default: `no` on CI, `new` elsewhere.
    #[default]
    Auto,
    /// Write the snapshot in place, and pass (`--accept`).
    Always,
    /// Write `<name>.snap.new` beside the snapshot, and fail.
    New,
    /// A missing snapshot in place, a changed one as `.snap.new`.
    Unseen,
    /// Write nothing, and fail.
    No,
    /// `always`, and rewrite even the snapshots that match.
    Force,
}

impl Update {
    /// The value of `INSTA_UPDATE` (empty: unset); `None` for a value insta refuses.
    pub fn parse(value: &str) -> Option<Update> {
        Some(match value {
            "" | "auto" => Update::Auto,
            "always" | "1" => Update::Always,
            "new" => Update::New,
            "unseen" => Update::Unseen,
            "no" => Update::No,
            "force" => Update::Force,
            _ => return None,
        })
    }
}

/// Where a transcript that is not its snapshot goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Over the snapshot: accepted.
    InPlace,
    /// Beside it, as `<name>.snap.new`, for review.
    NewFile,
    /// Nowhere.
    Nothing,
}

/// How snapshots are updated in one run: insta's environment, or `--accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// `INSTA_UPDATE`, or `always` for `--accept`.
    pub update: Update,
    /// Running on CI (`CI` set to anything but `false`, `0` or empty; or `TF_BUILD` set).
    pub on_ci: bool,
    /// `INSTA_FORCE_PASS=1` (`cargo insta test` sets it): a snapshot that differs is written
    /// as `update` says but fails nothing.
    pub force_pass: bool,
    /// `INSTA_YAML_BLOCK_STYLE=1`: multi-line strings as YAML literal blocks.
    pub literal_blocks: bool,
}

/// An insta variable whose value insta refuses.
#[derive(Debug, thiserror::Error)]
#[error("`{name}` is `{value}`, which insta does not know (it takes {takes})")]
pub struct InstaEnvError {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// The values it takes.
    pub takes: &'static str,
}

impl crate::errors::Explain for InstaEnvError {
    fn exit_code(&self) -> i32 {
        crate::exit_code::USAGE
    }

    fn hint(&self) -> Option<String> {
        Some(format!(
            "unset it (`unset {}`), or set it to one of {}",
            self.name, self.takes
        ))
    }
}

impl Policy {
    /// The policy insta's variables in this process's environment give.
    pub fn from_env() -> Result<Policy, InstaEnvError> {
        let var = |name: &str| std::env::var(name).ok();
        Policy::from_vars(&var)
    }

    /// The policy the variables `var` gives (`None`: unset).
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Result<Policy, InstaEnvError> {
        let update_value = var("INSTA_UPDATE").unwrap_or_default();
        let update = Update::parse(&update_value).ok_or(InstaEnvError {
            name: "INSTA_UPDATE",
            value: update_value,
            takes: "`auto`, `always`, `new`, `unseen`, `no` or `force`",
        })?;
        let force_pass = match var("INSTA_FORCE_PASS").unwrap_or_default().as_str() {
            "" | "0" => false,
            "1" => true,
            other => {
                return Err(InstaEnvError {
                    name: "INSTA_FORCE_PASS",
                    value: other.to_string(),
                    takes: "`0` or `1`",
                })
            }
        };
        let on_ci = match var("CI").as_deref() {
            Some("false") | Some("0") | Some("") => false,
            None => var("TF_BUILD").is_some(),
            Some(_) => true,
        };
        Ok(Policy {
            update,
            on_ci,
            force_pass,
            literal_blocks: var("INSTA_YAML_BLOCK_STYLE").as_deref() == Some("1"),
        })
    }

    /// This policy under `--accept`: every new or changed transcript written in place.
    pub fn accepting(self) -> Policy {
        Policy {
            update: Update::Always,
            ..self
        }
    }

    /// Where a transcript goes that differs from its snapshot (`exists`) or has none.
    pub fn write_for(&self, exists: bool) -> Write {
        match self.update {
            Update::Always | Update::Force => Write::InPlace,
            Update::Auto if self.on_ci => Write::Nothing,
            Update::Auto | Update::New => Write::NewFile,
            Update::Unseen if exists => Write::NewFile,
            Update::Unseen => Write::InPlace,
            Update::No => Write::Nothing,
        }
    }

    /// Whether a snapshot that matches is written again anyway (`force`).
    pub fn rewrites_matches(&self) -> bool {
        self.update == Update::Force
    }

    /// What the run says when nothing was written for a transcript that is not its snapshot.
    pub fn why_nothing_written(&self) -> &'static str {
        if self.update == Update::No {
            "not written: `INSTA_UPDATE=no`"
        } else {
            "not written on CI (`CI` is set); set `INSTA_UPDATE=new` to write it here"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(vars: &[(&str, &str)]) -> Result<Policy, InstaEnvError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Policy::from_vars(&|name| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn insta_update_values_decide_where_a_new_or_changed_transcript_goes() {
        use Write::*;
        /// Environment variables set.
        type Vars = &'static [(&'static str, &'static str)];
        // (environment, changed snapshot, missing snapshot)
        let rows: [(Vars, Write, Write); 10] = [
            (&[], NewFile, NewFile),
            (&[("CI", "true")], Nothing, Nothing),
            (&[("CI", "false")], NewFile, NewFile),
            (&[("TF_BUILD", "True")], Nothing, Nothing),
            (&[("INSTA_UPDATE", "always"), ("CI", "1")], InPlace, InPlace),
            (&[("INSTA_UPDATE", "1")], InPlace, InPlace),
            (&[("INSTA_UPDATE", "new"), ("CI", "1")], NewFile, NewFile),
            (&[("INSTA_UPDATE", "unseen")], NewFile, InPlace),
            (&[("INSTA_UPDATE", "no")], Nothing, Nothing),
            (&[("INSTA_UPDATE", "force")], InPlace, InPlace),
        ];
        for (vars, changed, missing) in rows {
            let policy = policy(vars).unwrap();
            assert_eq!(policy.write_for(true), changed, "{vars:?}: changed");
            assert_eq!(policy.write_for(false), missing, "{vars:?}: missing");
        }
        let accepting = policy(&[("INSTA_UPDATE", "no"), ("CI", "1")])
            .unwrap()
            .accepting();
        assert_eq!(accepting.write_for(true), InPlace, "--accept wins");
        assert!(policy(&[("INSTA_UPDATE", "force")])
            .unwrap()
            .rewrites_matches());
    }

    #[test]
    fn values_insta_refuses_are_refused_with_the_values_it_takes() {
        let err = policy(&[("INSTA_UPDATE", "yes")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`INSTA_UPDATE` is `yes`, which insta does not know (it takes `auto`, `always`, \
             `new`, `unseen`, `no` or `force`)"
        );
        assert!(policy(&[("INSTA_FORCE_PASS", "maybe")]).is_err());
        assert!(policy(&[("INSTA_FORCE_PASS", "1")]).unwrap().force_pass);
        assert!(
            policy(&[("INSTA_YAML_BLOCK_STYLE", "1")])
                .unwrap()
                .literal_blocks
        );
    }
}
