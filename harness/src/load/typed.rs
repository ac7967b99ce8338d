//! A [`ProviderFactory`] for a provider type compiled into this process: no library, no
//! loader, no worker.
//!
//! Made for a provider author's own `cargo test` (`testing::Conformance::in_process`): the
//! factory calls a constructor with the binding config JSON, exactly the text
//! `create_provider` would receive, and hands the engine what it returns, adapted as a loaded
//! library's provider is ([`InProcessProvider::compiled_in`]). A panic in the constructor or
//! in a call is caught and ends that call as `panic`, so the test process lives on to report
//! it. What it cannot tell: anything about the library's bytes, its loading, or output (the
//! test harness captures what the provider prints).

use std::sync::Arc;

use symphony::ITargetProvider;

use super::provider::catch_panic;
use super::{InProcessProvider, LoadInfo, PreloadError, PreloadFactory};
use crate::engine::{CallError, Provider, ProviderFactory};
use crate::model::BindingConfig;

/// Makes one provider from a binding config JSON (`config_json`), as a library's
/// `create_provider` does.
pub type ProviderConstructor = dyn Fn(&str) -> Box<dyn ITargetProvider> + Send + Sync;

/// Creates providers by calling a constructor in this process, as Symphony calls
/// `create_provider`: once per `get` and per `apply` step, with the binding config JSON.
///
/// ```
/// use symphony_harness::engine::ProviderFactory;
/// use symphony_harness::load::TypeFactory;
/// use symphony_harness::model::BindingConfig;
/// # struct Mine;
/// # impl symphony::ITargetProvider for Mine {
/// #     fn get_validation_rule(&self) -> Result<symphony::models::ValidationRule, String> {
/// #         Ok(Default::default())
/// #     }
/// #     fn get(&self, _: symphony::models::DeploymentSpec, _: Vec<symphony::models::ComponentStep>)
/// #         -> Result<Vec<symphony::models::ComponentSpec>, String> { Ok(vec![]) }
/// #     fn apply(&self, _: symphony::models::DeploymentSpec, _: symphony::models::DeploymentStep, _: bool)
/// #         -> Result<std::collections::HashMap<String, symphony::models::ComponentResultSpec>, String> {
/// #         Ok(Default::default())
/// #     }
/// # }
/// let mut factory = TypeFactory::new(|_config_json: &str| {
///     Box::new(Mine) as Box<dyn symphony::ITargetProvider>
/// });
/// let config = BindingConfig::new("", "any", "mine");
/// let mut provider = factory.create(&config).expect("a provider");
/// assert!(provider.get_validation_rule().is_ok());
/// ```
#[derive(Clone)]
pub struct TypeFactory {
    construct: Arc<ProviderConstructor>,
}

impl std::fmt::Debug for TypeFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeFactory").finish_non_exhaustive()
    }
}

impl TypeFactory {
    /// A factory calling `construct` with the binding config JSON for every provider.
    ///
    /// ```
    /// # use symphony_harness::load::TypeFactory;
    /// # struct Mine;
    /// # impl Mine { fn new(_: &str) -> Self { Mine } }
    /// # impl symphony::ITargetProvider for Mine {
    /// #     fn get_validation_rule(&self) -> Result<symphony::models::ValidationRule, String> {
    /// #         Ok(Default::default())
    /// #     }
    /// #     fn get(&self, _: symphony::models::DeploymentSpec, _: Vec<symphony::models::ComponentStep>)
    /// #         -> Result<Vec<symphony::models::ComponentSpec>, String> { Ok(vec![]) }
    /// #     fn apply(&self, _: symphony::models::DeploymentSpec, _: symphony::models::DeploymentStep, _: bool)
    /// #         -> Result<std::collections::HashMap<String, symphony::models::ComponentResultSpec>, String> {
    /// #         Ok(Default::default())
    /// #     }
    /// # }
    /// let factory = TypeFactory::new(|config_json: &str| -> Box<dyn symphony::ITargetProvider> {
    ///     Box::new(Mine::new(config_json))
    /// });
    /// ```
    pub fn new(
        construct: impl Fn(&str) -> Box<dyn ITargetProvider> + Send + Sync + 'static,
    ) -> TypeFactory {
        TypeFactory {
            construct: Arc::new(construct),
        }
    }

    /// A factory sharing `construct` (cheap to clone: every session of a check gets one).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use symphony_harness::load::{ProviderConstructor, TypeFactory};
    /// # struct Mine;
    /// # impl symphony::ITargetProvider for Mine {
    /// #     fn get_validation_rule(&self) -> Result<symphony::models::ValidationRule, String> {
    /// #         Ok(Default::default())
    /// #     }
    /// #     fn get(&self, _: symphony::models::DeploymentSpec, _: Vec<symphony::models::ComponentStep>)
    /// #         -> Result<Vec<symphony::models::ComponentSpec>, String> { Ok(vec![]) }
    /// #     fn apply(&self, _: symphony::models::DeploymentSpec, _: symphony::models::DeploymentStep, _: bool)
    /// #         -> Result<std::collections::HashMap<String, symphony::models::ComponentResultSpec>, String> {
    /// #         Ok(Default::default())
    /// #     }
    /// # }
    /// let construct: Arc<ProviderConstructor> =
    ///     Arc::new(|_: &str| -> Box<dyn symphony::ITargetProvider> { Box::new(Mine) });
    /// let (one, two) = (TypeFactory::shared(Arc::clone(&construct)), TypeFactory::shared(construct));
    /// ```
    pub fn shared(construct: Arc<ProviderConstructor>) -> TypeFactory {
        TypeFactory { construct }
    }
}

impl ProviderFactory for TypeFactory {
    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        let json = config.to_json();
        let provider = catch_panic(|| (self.construct)(&json))?;
        Ok(Box::new(InProcessProvider::compiled_in(provider)))
    }
}

impl PreloadFactory for TypeFactory {
    /// Nothing to load: the provider is part of this process, so there is no hash either.
    fn preload(&mut self, _config: &BindingConfig) -> Result<LoadInfo, PreloadError> {
        Ok(LoadInfo {
            sha256: String::new(),
            hash_checked: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use symphony::models::{
        ComponentResultSpec, ComponentSpec, ComponentStep, DeploymentSpec, DeploymentStep,
        ValidationRule,
    };

    use super::*;
    use crate::engine::Outcome;

    /// Panics in `get`; `get_validation_rule` fails with the config it was made with.
    struct Touchy {
        config: String,
    }

    impl ITargetProvider for Touchy {
        fn get_validation_rule(&self) -> Result<ValidationRule, String> {
            Err(format!("made with {}", self.config))
        }

        fn get(
            &self,
            _deployment: DeploymentSpec,
            _references: Vec<ComponentStep>,
        ) -> Result<Vec<ComponentSpec>, String> {
            panic!("get is not ready")
        }

        fn apply(
            &self,
            _deployment: DeploymentSpec,
            _step: DeploymentStep,
            _is_dry_run: bool,
        ) -> Result<HashMap<String, ComponentResultSpec>, String> {
            Ok(HashMap::new())
        }
    }

    fn touchy(seen: Arc<Mutex<Vec<String>>>) -> TypeFactory {
        TypeFactory::new(move |config_json: &str| {
            seen.lock().unwrap().push(config_json.to_string());
            Box::new(Touchy {
                config: config_json.to_string(),
            }) as Box<dyn ITargetProvider>
        })
    }

    #[test]
    fn every_provider_gets_the_config_json_create_provider_would() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut factory = touchy(Arc::clone(&seen));
        let mut config = BindingConfig::new("/extensions/libp.so", "any", "p");
        config.insert("root", "/tmp/x");
        for _ in 0..2 {
            let err = factory.create(&config).unwrap().get_validation_rule();
            assert_eq!(
                err.unwrap_err(),
                CallError::Error {
                    message: format!("made with {}", config.to_json())
                }
            );
        }
        assert_eq!(*seen.lock().unwrap(), vec![config.to_json(); 2]);
    }

    #[test]
    fn a_panic_in_a_call_is_a_panic_outcome_with_its_message_and_the_next_call_works() {
        let mut factory = touchy(Arc::default());
        let config = BindingConfig::new("", "any", "p");
        let sample: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/wire-0.49/deployment.json"))
                .unwrap();
        let round = crate::model::RoundDeployment::new(&sample);
        let mut provider = factory.create(&config).unwrap();
        let err = provider.get(&round.whole(), &[]).unwrap_err();
        assert_eq!(err.outcome(), Outcome::Panic, "{err}");
        assert!(err.to_string().contains("get is not ready"), "{err}");
        let next = factory.create(&config).unwrap().get_validation_rule();
        assert_eq!(next.unwrap_err().outcome(), Outcome::Error);
    }

    #[test]
    fn a_panic_in_the_constructor_is_a_panic_outcome() {
        let mut factory = TypeFactory::new(|_: &str| -> Box<dyn ITargetProvider> {
            panic!("no config, no provider")
        });
        let err = factory
            .create(&BindingConfig::new("", "any", "p"))
            .err()
            .expect("no provider");
        let CallError::Panic { message } = &err else {
            panic!("{err:?}");
        };
        // The message, and where the constructor panicked (`load/panics.rs`).
        assert!(
            message.starts_with("no config, no provider (at harness/src/load/typed.rs:"),
            "{message}"
        );
    }
}
