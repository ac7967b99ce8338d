//! Reading scenario files: JSON with `file:line:col` errors that say what was expected there
//! (an unknown key gets a "did you mean"), Symphony's objects inline or by path (read as
//! Go reads them, with notes for keys Symphony would ignore), paths resolved from the
//! scenario file's folder.
//!
//! The file is parsed once; each object and each step is a slice of the file's text
//! ([`RawValue`]), parsed on its own and its errors moved back to the file's lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::format::{
    Action, ComponentChange, Expect, ProviderSpec, ReconcileStep, Scenario, Step, StoredStart,
};
use crate::engine::objects::{stored_instance, stored_solution, stored_target, Objects};
use crate::engine::reconcile::StoredState;
use crate::engine::state::DeploymentState;
use crate::input::{parse_symphony, InputError, KeyNote};
use crate::load::{DeviceEdit, Fault};
use crate::model::{ComponentSpec, DeploymentSpec, InstanceState, SolutionState, TargetState};

/// Why a scenario file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid scenario at a place in it.
    #[error("scenario `{}:{line}:{column}`: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What is wrong, and what was expected there.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// An object the scenario names (inline or by path) cannot be used.
    #[error("scenario `{}:{line}:{column}`: the {what} cannot be used", path.display())]
    Object {
        /// The scenario file.
        path: PathBuf,
        /// Where the object (or its path) is.
        line: usize,
        /// Column.
        column: usize,
        /// Which object.
        what: &'static str,
        /// Why.
        #[source]
        source: Box<InputError>,
    },
}

impl ScenarioError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ScenarioError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some("check the path; `run` with no argument runs every `scenarios/*.json`".into())
            }
            ScenarioError::Read { .. } => None,
            ScenarioError::Invalid { hint, .. } => hint.clone(),
            ScenarioError::Object { source, .. } => match &**source {
                InputError::Read { source, .. }
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    Some(
                        "check the path; paths in a scenario start from the scenario file's folder"
                            .into(),
                    )
                }
                other => other.hint(),
            },
        }
    }
}

/// A scenario read from a file, with the notes about keys Symphony would read differently.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// Keys in its objects that Symphony ignores or reads only because Go ignores case.
    pub notes: Vec<KeyNote>,
}

/// Reads the scenario file at `path`.
pub fn read_scenario(path: &Path) -> Result<Loaded, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_scenario(&text, path)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile<'a> {
    #[serde(rename = "$schema", default)]
    #[allow(dead_code)] // Read so that editors may name the schema; not used.
    schema: Option<String>,
    description: String,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    provider: ProviderSpec,
    #[serde(borrow)]
    objects: &'a RawValue,
    #[serde(default, borrow)]
    stored: Option<&'a RawValue>,
    #[serde(borrow)]
    steps: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectsFile<'a> {
    #[serde(default, borrow)]
    target: Option<&'a RawValue>,
    #[serde(default, borrow)]
    targets: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    solution: Option<&'a RawValue>,
    #[serde(default, borrow)]
    instance: Option<&'a RawValue>,
}

/// `stored`: Symphony's entry (`SolutionVersionManagerDeploymentState`, whose `spec` and
/// `state` Go also reads capitalised), or the `deployed` form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredFile<'a> {
    #[serde(default, borrow, alias = "Spec")]
    spec: Option<&'a RawValue>,
    #[serde(default, borrow, alias = "State")]
    state: Option<&'a RawValue>,
    #[serde(default)]
    deployed: Option<Vec<String>>,
    #[serde(default, borrow)]
    objects: Option<&'a RawValue>,
}

/// `{}`: a step key that takes no arguments.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Nothing {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StepFile<'a> {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    reconcile: Option<ReconcileStep>,
    #[serde(default)]
    remove: Option<Nothing>,
    #[serde(default, borrow)]
    set_objects: Option<&'a RawValue>,
    #[serde(default, borrow)]
    add_component: Option<&'a RawValue>,
    #[serde(default)]
    change_component: Option<ComponentChange>,
    #[serde(default)]
    remove_component: Option<String>,
    #[serde(default)]
    device: Option<DeviceEdit>,
    #[serde(default)]
    fault: Option<Fault>,
    #[serde(default)]
    clear_faults: Option<bool>,
    #[serde(default)]
    restart_worker: Option<bool>,
    #[serde(default)]
    restart_symphony: Option<bool>,
}

/// The step keys, as written (one of them per step).
pub const STEP_KEYS: [&str; 11] = [
    "reconcile",
    "remove",
    "setObjects",
    "addComponent",
    "changeComponent",
    "removeComponent",
    "device",
    "fault",
    "clearFaults",
    "restartWorker",
    "restartSymphony",
];

/// Reads a scenario from `text`, the contents of `path`.
pub fn parse_scenario(text: &str, path: &Path) -> Result<Loaded, ScenarioError> {
    let reader = Reader { text, path };
    let file: ScenarioFile<'_> = reader.parse_at(text, "a scenario")?;
    let mut notes = Vec::new();
    let objects = reader.objects(file.objects, &mut notes)?;
    let stored = file
        .stored
        .map(|raw| reader.stored(raw, &mut notes))
        .transpose()?;
    if file.steps.is_empty() {
        return Err(reader.invalid(
            steps_part(text),
            "the scenario has no steps: it plays nothing, so it would pass whatever the provider \
             does"
                .into(),
            Some("add a step, e.g. `{\"reconcile\": {\"untilConverged\": 3}}`".into()),
        ));
    }
    let mut steps = Vec::with_capacity(file.steps.len());
    for raw in &file.steps {
        steps.push(reader.step(raw, &mut notes)?);
    }
    if let (Some(raw), Some(stored)) = (file.stored, &stored) {
        reader.deployed_are_desired(raw, stored, &objects)?;
    }
    let mut provider = file.provider;
    if let Some(library) = &provider.library {
        provider.library = Some(reader.relative(library));
    }
    let name = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Loaded {
        scenario: Scenario {
            name,
            path: path.to_path_buf(),
            description: file.description,
            seed: file.seed,
            provider,
            objects,
            stored,
            steps,
        },
        notes,
    })
}

/// The text from the scenario's `"steps"` key on (where an empty list is reported), or the
/// whole text.
fn steps_part(text: &str) -> &str {
    text.find("\"steps\"").map_or(text, |at| &text[at..])
}

/// The most rounds one reconcile step may ask for: about three days of Symphony's polls.
pub const MAX_ROUNDS: u32 = 10_000;

/// Reads parts of one scenario file's text.
struct Reader<'t> {
    text: &'t str,
    path: &'t Path,
}

impl<'t> Reader<'t> {
    /// The 1-based line and column of `part` (a slice of the file's text) in the file.
    fn position_of(&self, part: &str) -> (usize, usize) {
        // Both are slices of one string: the difference of their addresses is the offset.
        let offset = (part.as_ptr() as usize)
            .saturating_sub(self.text.as_ptr() as usize)
            .min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(offset, |newline| offset - newline - 1)
            + 1;
        (line, column)
    }

    /// Moves a position inside `part` to the file's lines.
    fn absolute(&self, part: &str, line: usize, column: usize) -> (usize, usize) {
        let (base_line, base_column) = self.position_of(part);
        if line <= 1 {
            (base_line, base_column + column.saturating_sub(1))
        } else {
            (base_line + line - 1, column)
        }
    }

    /// A path written in the file, from the file's folder.
    fn relative(&self, written: &Path) -> PathBuf {
        if written.is_absolute() {
            return written.to_path_buf();
        }
        self.path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(written)
    }

    /// Parses `part` (a slice of the file) as a `T` ("a scenario", "a step", …).
    fn parse_at<T: Deserialize<'t>>(&self, part: &'t str, what: &str) -> Result<T, ScenarioError> {
        serde_json::from_str(part).map_err(|err| {
            let (line, column) = self.absolute(part, err.line(), err.column());
            let text = err.to_string();
            let suffix = format!(" at line {} column {}", err.line(), err.column());
            let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
            let hint = did_you_mean(&message);
            ScenarioError::Invalid {
                path: self.path.to_path_buf(),
                line,
                column,
                message: format!("not {what}: {message}"),
                hint,
            }
        })
    }

    fn invalid(&self, part: &str, message: String, hint: Option<String>) -> ScenarioError {
        let (line, column) = self.position_of(part);
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
            hint,
        }
    }

    /// A Symphony object, inline (an object) or by path (a string), read as Go reads it.
    fn symphony_object<T: DeserializeOwned>(
        &self,
        raw: &'t RawValue,
        what: &'static str,
        notes: &mut Vec<KeyNote>,
    ) -> Result<T, ScenarioError> {
        let part = raw.get();
        let object_error = |source: InputError| {
            let (line, column) = self.position_of(part);
            ScenarioError::Object {
                path: self.path.to_path_buf(),
                line,
                column,
                what,
                source: Box::new(source),
            }
        };
        if part.starts_with('"') {
            let written: String = self.parse_at(part, "a path")?;
            let file = self.relative(Path::new(&written));
            let checked = crate::input::read_symphony::<T>(&file, what).map_err(object_error)?;
            notes.extend(checked.notes);
            return Ok(checked.value);
        }
        match parse_symphony::<T>(part, self.path, what) {
            Ok(checked) => {
                notes.extend(checked.notes);
                Ok(checked.value)
            }
            Err(InputError::Parse {
                line,
                column,
                message,
                ..
            }) => {
                let (line, column) = self.absolute(part, line, column);
                Err(ScenarioError::Invalid {
                    path: self.path.to_path_buf(),
                    line,
                    column,
                    hint: did_you_mean(&message),
                    message: format!("not a valid {what}: {message}"),
                })
            }
            Err(other) => Err(object_error(other)),
        }
    }

    /// `objects`: `target` or `targets`, and optionally `solution` with `instance`.
    fn objects(
        &self,
        raw: &'t RawValue,
        notes: &mut Vec<KeyNote>,
    ) -> Result<Objects, ScenarioError> {
        let file: ObjectsFile<'t> = self.parse_at(raw.get(), "the objects")?;
        let mut raws: Vec<&RawValue> = file.target.into_iter().collect();
        raws.extend(file.targets.into_iter().flatten());
        if raws.is_empty() {
            return Err(self.invalid(
                raw.get(),
                "the objects name no target".into(),
                Some("add `\"target\": \"targets/my-target.json\"` (or an inline Target)".into()),
            ));
        }
        let stored_error = |part: &str, what: &'static str| {
            let (line, column) = self.position_of(part);
            move |source| ScenarioError::Object {
                path: self.path.to_path_buf(),
                line,
                column,
                what,
                source: Box::new(InputError::Object {
                    what,
                    path: self.path.to_path_buf(),
                    source: Box::new(source),
                }),
            }
        };
        let mut objects = Objects::default();
        for raw in raws {
            let target: TargetState = self.symphony_object(raw, "target", notes)?;
            objects
                .targets
                .push(stored_target(target).map_err(stored_error(raw.get(), "target"))?);
        }
        match (file.solution, file.instance) {
            (None, None) => {}
            (Some(solution), Some(instance)) => {
                let solution_value: SolutionState =
                    self.symphony_object(solution, "solution", notes)?;
                let instance_value: InstanceState =
                    self.symphony_object(instance, "instance", notes)?;
                objects.solution_and_instance = Some((
                    stored_solution(solution_value)
                        .map_err(stored_error(solution.get(), "solution"))?,
                    stored_instance(instance_value)
                        .map_err(stored_error(instance.get(), "instance"))?,
                ));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(self.invalid(
                    raw.get(),
                    "a solution needs an instance, and an instance a solution".into(),
                    Some("give both `solution` and `instance`, or neither".into()),
                ))
            }
        }
        Ok(objects)
    }

    /// `stored`: Symphony's `spec` and `state`, or `deployed` (and `objects`).
    fn stored(
        &self,
        raw: &'t RawValue,
        notes: &mut Vec<KeyNote>,
    ) -> Result<StoredStart, ScenarioError> {
        let file: StoredFile<'t> = self.parse_at(raw.get(), "a stored state")?;
        match (file.spec, file.state) {
            (Some(spec), Some(state)) if file.deployed.is_none() && file.objects.is_none() => {
                if names_nothing(state) {
                    return Err(self.invalid(
                        state.get(),
                        "`stored.state` holds nothing: Symphony would read it as an empty \
                         state, which deletes nothing and skips nothing"
                            .into(),
                        Some(
                            "copy Symphony's state with its `Components`, `Targets` and \
                             `TargetComponent` (docs/scenarios.md, \"`stored`\"), or write them \
                             empty (`[]`, `[]`, `{}`) if that is what it stored"
                                .into(),
                        ),
                    ));
                }
                let spec: DeploymentSpec =
                    self.symphony_object(spec, "stored deployment", notes)?;
                let state: DeploymentState = self.symphony_object(state, "stored state", notes)?;
                Ok(StoredStart::Symphony(StoredState {
                    spec: Arc::new(spec),
                    state,
                }))
            }
            (None, None) => Ok(StoredStart::Deployed {
                objects: file
                    .objects
                    .map(|objects| self.objects(objects, notes).map(Box::new))
                    .transpose()?,
                components: file.deployed,
            }),
            _ => Err(self.invalid(
                raw.get(),
                "a stored state is either Symphony's `spec` and `state`, or `deployed` \
                 (with optional `objects`)"
                    .into(),
                None,
            )),
        }
    }

    /// Every component `stored.deployed` names is one its objects (the scenario's own, or the
    /// stored state's `objects`) desire.
    fn deployed_are_desired(
        &self,
        raw: &'t RawValue,
        stored: &StoredStart,
        scenario_objects: &Objects,
    ) -> Result<(), ScenarioError> {
        let StoredStart::Deployed {
            objects,
            components: Some(deployed),
        } = stored
        else {
            return Ok(());
        };
        let objects = objects.as_deref().unwrap_or(scenario_objects);
        let desired = objects.desired_names();
        let unknown: Vec<&String> = deployed.iter().filter(|n| !desired.contains(n)).collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(self.invalid(
            raw.get(),
            format!(
                "`stored.deployed` names {} that the objects do not have (they have {})",
                quoted(&unknown.iter().map(|n| n.as_str()).collect::<Vec<_>>()),
                if desired.is_empty() {
                    "none".to_string()
                } else {
                    quoted(&desired.iter().map(String::as_str).collect::<Vec<_>>())
                }
            ),
            Some(
                "a stored state can only hold what a reconcile of the objects deployed; name \
                 those components, or give `stored.objects`"
                    .into(),
            ),
        ))
    }

    /// A `reconcile` step's rounds, within bounds.
    fn reconcile(&self, part: &str, reconcile: ReconcileStep) -> Result<Action, ScenarioError> {
        if reconcile.rounds.is_some() && reconcile.until_converged.is_some() {
            return Err(self.invalid(
                part,
                "`reconcile` takes `rounds` (exactly) or `untilConverged` (at most), not both"
                    .into(),
                None,
            ));
        }
        if reconcile.rounds == Some(0) || reconcile.until_converged == Some(0) {
            return Err(self.invalid(part, "a reconcile runs at least 1 round".into(), None));
        }
        if reconcile.max_rounds() > MAX_ROUNDS {
            return Err(self.invalid(
                part,
                format!(
                    "a reconcile of {} rounds: at most {MAX_ROUNDS} (each is a poll of \
                     Symphony's, 15 to 30 s apart)",
                    reconcile.max_rounds()
                ),
                Some(
                    "to pin a provider that never converges, `untilConverged` with a few \
                     rounds and `expect.neverConverges` say it"
                        .into(),
                ),
            ));
        }
        Ok(Action::Reconcile(reconcile))
    }

    /// One step: exactly one of [`STEP_KEYS`], with `note`, `on` and `expect`.
    fn step(&self, raw: &'t RawValue, notes: &mut Vec<KeyNote>) -> Result<Step, ScenarioError> {
        let part = raw.get();
        let file: StepFile<'t> = self.parse_at(part, "a step")?;
        let mut actions = Vec::new();
        if let Some(reconcile) = file.reconcile {
            actions.push(self.reconcile(part, reconcile)?);
        }
        if file.remove.is_some() {
            actions.push(Action::Remove);
        }
        if let Some(objects) = file.set_objects {
            actions.push(Action::SetObjects(Box::new(self.objects(objects, notes)?)));
        }
        if let Some(component) = file.add_component {
            let component: ComponentSpec = self.symphony_object(component, "component", notes)?;
            if component.name.is_empty() {
                return Err(self.invalid(part, "`addComponent` needs a `name`".into(), None));
            }
            actions.push(Action::AddComponent(Box::new(component)));
        }
        if let Some(change) = file.change_component {
            actions.push(Action::ChangeComponent(change));
        }
        if let Some(name) = file.remove_component {
            actions.push(Action::RemoveComponent(name));
        }
        if let Some(edit) = file.device {
            actions.push(Action::Device(edit));
        }
        if let Some(fault) = file.fault {
            if let Err(problem) = fault.check() {
                return Err(self.invalid(
                    part,
                    format!("the fault cannot be armed: {problem}"),
                    None,
                ));
            }
            actions.push(Action::Fault(fault));
        }
        if file.clear_faults == Some(true) {
            actions.push(Action::ClearFaults);
        }
        if file.restart_worker == Some(true) {
            actions.push(Action::RestartWorker);
        }
        if file.restart_symphony == Some(true) {
            actions.push(Action::RestartSymphony);
        }
        let action = match actions.len() {
            1 => actions.remove(0),
            0 => {
                return Err(self.invalid(
                    part,
                    "a step does nothing".into(),
                    Some(format!("give it one of {}", quoted(&STEP_KEYS))),
                ))
            }
            _ => {
                let keys: Vec<&str> = actions.iter().map(Action::key).collect();
                return Err(self.invalid(
                    part,
                    format!("a step does one thing; this one has {}", quoted(&keys)),
                    Some("split it into one step per action".into()),
                ));
            }
        };
        let (line, _) = self.position_of(part);
        Ok(Step {
            line,
            note: file.note,
            action,
            on: file.on,
            expect: file.expect.unwrap_or_default(),
        })
    }
}

/// True when `raw` is `null` or `{}`: a stored state with none of its keys.
fn names_nothing(raw: &RawValue) -> bool {
    serde_json::from_str::<Option<BTreeMap<String, IgnoredAny>>>(raw.get())
        .is_ok_and(|keys| keys.is_none_or(|keys| keys.is_empty()))
}

fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "did you mean `x`?" for serde's "unknown field `y`, expected one of `x`, …" (and unknown
/// variants), when a known name is close.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| !name.is_empty())
        .collect();
    let lower = unknown.to_lowercase();
    let best = known
        .iter()
        .map(|name| (strsim::jaro_winkler(&lower, &name.to_lowercase()), *name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!("did you mean `{}`?", best.1))
}

impl crate::errors::Explain for ScenarioError {
    fn hint(&self) -> Option<String> {
        ScenarioError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Loaded, ScenarioError> {
        parse_scenario(text, Path::new("/s/case.json"))
    }

    fn position(err: ScenarioError) -> (usize, usize, String) {
        match err {
            ScenarioError::Invalid {
                line,
                column,
                message,
                ..
            } => (line, column, message),
            other => panic!("not Invalid: {other:?}"),
        }
    }

    const TARGET: &str = r#"{"metadata": {"name": "t"}, "spec": {"components": [{"name": "a"}]}}"#;

    #[test]
    fn an_error_inside_an_inline_object_is_placed_on_the_files_line_and_column() {
        let text = format!(
            "{{\n  \"description\": \"d\",\n  \"objects\": {{\"target\": {}}},\n  \"steps\": []\n}}",
            TARGET.replace("\"a\"}]", "\"a\", \"properties\": 7}]")
        );
        let (line, column, message) = position(parse(&text).unwrap_err());
        assert_eq!(line, 3, "{message}");
        let at = text.lines().nth(2).unwrap().find("7}").unwrap() + 1;
        assert!(
            column.abs_diff(at) <= 1,
            "column {column} vs {at}: {message}"
        );
        assert!(message.contains("target"), "{message}");
    }

    #[test]
    fn a_step_with_two_actions_or_none_is_refused_at_its_line() {
        let text = format!(
            "{{\"description\": \"d\", \"objects\": {{\"target\": {TARGET}}},\n\"steps\": [\n{{\"reconcile\": {{}}, \"remove\": {{}}}}\n]}}"
        );
        let (line, _, message) = position(parse(&text).unwrap_err());
        assert_eq!(line, 3);
        assert!(message.contains("`reconcile`, `remove`"), "{message}");
        let none = text.replace("\"reconcile\": {}, \"remove\": {}", "\"note\": \"x\"");
        let (_, _, message) = position(parse(&none).unwrap_err());
        assert_eq!(message, "a step does nothing");
    }

    #[test]
    fn paths_start_from_the_scenario_files_folder_and_stored_states_take_two_forms() {
        let text = format!(
            r#"{{"description": "d", "provider": {{"library": "lib/p.so"}},
               "objects": {{"target": {TARGET}}}, "stored": {{"deployed": ["a"]}},
               "steps": [{{"reconcile": {{"untilConverged": 2}}}}]}}"#
        );
        let loaded = parse(&text).unwrap();
        let scenario = &loaded.scenario;
        assert_eq!(scenario.name, "case");
        assert_eq!(
            scenario.provider.library.as_deref(),
            Some(Path::new("/s/lib/p.so"))
        );
        assert!(matches!(
            &scenario.stored,
            Some(StoredStart::Deployed { objects: None, components: Some(c) }) if c == &["a"]
        ));
        let both = text.replace(
            r#"{"deployed": ["a"]}"#,
            r#"{"deployed": ["a"], "spec": {}}"#,
        );
        let (_, _, message) = position(parse(&both).unwrap_err());
        assert!(
            message.contains("either Symphony's `spec` and `state`"),
            "{message}"
        );
        let zero = text.replace(r#""untilConverged": 2"#, r#""rounds": 0"#);
        assert!(position(parse(&zero).unwrap_err())
            .2
            .contains("at least 1 round"));
        let unknown = text.replace(r#"{"deployed": ["a"]}"#, r#"{"deployed": ["a", "zz"]}"#);
        let (line, _, message) = position(parse(&unknown).unwrap_err());
        assert_eq!(line, 2, "{message}");
        assert!(
            message.contains("names `zz` that the objects do not have (they have `a`)"),
            "{message}"
        );
    }

    fn stored(state: &str) -> String {
        format!(
            "{{\"description\": \"d\", \"objects\": {{\"target\": {TARGET}}},\n\"stored\": {{\"spec\": {{}},\n  \"state\": {state}}},\n\"steps\": [{{\"reconcile\": {{}}}}]}}"
        )
    }

    fn stored_state(loaded: Loaded) -> StoredState {
        match loaded.scenario.stored {
            Some(StoredStart::Symphony(state)) => state,
            other => panic!("not Symphony's stored state: {other:?}"),
        }
    }

    #[test]
    fn a_stored_state_copied_from_symphony_reads_in_gos_names_as_in_camel_case() {
        let go = stored(
            r#"{"Components": [{"name": "a", "type": "app"}], "Targets": [{"Name": "t", "Spec": {}}], "TargetComponent": {"a::t": "app"}}"#,
        );
        let camel = stored(
            r#"{"components": [{"name": "a", "type": "app"}], "targets": [{"name": "t", "spec": {}}], "targetComponent": {"a::t": "app"}}"#,
        );
        let from_go = stored_state(parse(&go).unwrap());
        assert_eq!(from_go.state.components[0].name, "a");
        assert_eq!(from_go.state.target_component["a::t"], "app");
        assert_eq!(from_go, stored_state(parse(&camel).unwrap()));
        let capitalised = go
            .replace("\"spec\"", "\"Spec\"")
            .replace("\"state\"", "\"State\"");
        assert_eq!(from_go, stored_state(parse(&capitalised).unwrap()));
    }

    #[test]
    fn a_misspelt_stored_state_key_is_refused_at_its_place_with_a_suggestion() {
        let text = stored(r#"{"Components": [], "Targets": [], "TargetComponnet": {}}"#);
        let err = parse(&text).unwrap_err();
        let hint = err.hint();
        let (line, column, message) = position(err);
        assert_eq!(line, 3, "{message}");
        let at = text
            .lines()
            .nth(2)
            .unwrap()
            .find("\"TargetComponnet\"")
            .unwrap()
            + 1;
        assert!(
            column >= at,
            "column {column} before the key at {at}: {message}"
        );
        assert!(
            message.contains(
                "unknown field `TargetComponnet`, expected one of `Components`, `Targets`, \
                 `TargetComponent`"
            ),
            "{message}"
        );
        assert_eq!(hint.as_deref(), Some("did you mean `TargetComponent`?"));
    }

    #[test]
    fn a_stored_state_with_nothing_in_it_is_refused_and_an_explicit_empty_one_is_not() {
        let (line, _, message) = position(parse(&stored("{}")).unwrap_err());
        assert_eq!(line, 3);
        assert!(message.contains("holds nothing"), "{message}");
        let (_, _, message) = position(parse(&stored("null")).unwrap_err());
        assert!(
            message.contains("either Symphony's `spec` and `state`"),
            "{message}"
        );
        let empty = stored(r#"{"Components": [], "Targets": [], "TargetComponent": {}}"#);
        assert_eq!(
            stored_state(parse(&empty).unwrap()).state,
            DeploymentState::default()
        );
    }

    #[test]
    fn a_written_scenario_reads_back_the_same() {
        let text = format!(
            r#"{{"description": "d", "seed": 3, "objects": {{"target": {TARGET}}},
               "steps": [{{"reconcile": {{"dryRun": true}}, "expect": {{"updates": ["a"]}}}},
                         {{"changeComponent": {{"name": "a", "properties": {{"x": null}}}}}},
                         {{"fault": {{"call": "apply", "effect": "fail"}}}},
                         {{"remove": {{}}}}]}}"#
        );
        let first = parse(&text).unwrap().scenario;
        let written = serde_json::to_string(&first.to_file_json()).unwrap();
        let mut again = parse(&written).unwrap().scenario;
        // Lines differ: the written file is one line.
        for (step, original) in again.steps.iter_mut().zip(&first.steps) {
            step.line = original.line;
        }
        assert_eq!(again, first);
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion_and_others_do_not() {
        assert_eq!(
            did_you_mean("unknown field `reconcle`, expected one of `note`, `reconcile`, `remove`")
                .as_deref(),
            Some("did you mean `reconcile`?")
        );
        assert_eq!(
            did_you_mean("unknown field `zzz`, expected one of `note`, `reconcile`"),
            None
        );
        assert_eq!(did_you_mean("invalid type: string, expected u32"), None);
    }
}
