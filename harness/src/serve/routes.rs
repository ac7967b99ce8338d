//! The routes `serve` answers: Symphony's `v1alpha2` routes that the tutorial's scripts and
//! a curl user touch, the harness's own `harness/v1` routes behind the page, and the page.
//!
//! Owns the route table of each release, read from Symphony's vendors
//! (`api/pkg/apis/v1alpha1/vendors/`, routes as `symphony-api-no-k8s.json` mounts them):
//! `users/auth`, `greetings`, `targets/registry[/{name}]`, `instances[/{name}]`, and the
//! solutions: 0.48 `solutions[/{name}]` (versioned) and `solutioncontainers[/{name}]`;
//! 0.49 `solutionversions[/{name}]` (versioned) and `solutions[/{name}]` (containers). Every
//! route but the page, `users/auth` and `greetings` needs a token ([`super::auth`]), as the
//! JWT middleware runs before Symphony's router. Writes of Targets and Instances publish a
//! job ([`super::jobs`]); their `DELETE` publishes the removal and answers 200 at once, as
//! Symphony does with `useJobManager`; `?direct=true` deletes without a removal.

use serde_json::{json, Value};

use super::auth::{self, AuthRequest};
use super::events::{ObjectKind, ObjectRef, ServeEvent};
use super::http::{CoaError, CoaState, Request, Response};
use super::jobs::Command;
use super::page;
use super::shared::{lock, Shared};
use super::store::{Collection, Key, Written};
use crate::load::resolve;
use crate::model::Symphony;

/// How many round entries per object `harness/v1/objects` (the page) shows: the latest.
const PAGE_ROUNDS: usize = 50;

/// What `GET /v1alpha2/greetings` says (`echovendor.go`).
const GREETING: &str = "Hello from Symphony K8s control plane (S8C)";

/// A route, with the `{name}` it names, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route<'p> {
    Page(&'p str),
    Auth,
    Greetings,
    Objects(Collection, Option<&'p str>),
    HarnessRecords,
    HarnessRecord(ObjectKind, &'p str),
    HarnessScenario(ObjectKind, &'p str),
    Unknown,
}

/// The route `path` names under `release`.
fn route(release: Symphony, path: &str) -> Route<'_> {
    if let Some(asset) = page::asset_name(path) {
        return Route::Page(asset);
    }
    let trimmed = path.trim_end_matches('/');
    let parts: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
    let collection = |segment: &str| match (segment, release) {
        ("instances", _) => Some(Collection::Instances),
        ("solutions", Symphony::V048) | ("solutionversions", Symphony::V049) => {
            Some(Collection::Solutions)
        }
        ("solutioncontainers", Symphony::V048) | ("solutions", Symphony::V049) => {
            Some(Collection::Containers)
        }
        _ => None,
    };
    let kind = |segment: &str| match segment {
        "targets" => Some(ObjectKind::Target),
        "instances" => Some(ObjectKind::Instance),
        _ => None,
    };
    match parts.as_slice() {
        ["v1alpha2", "users", "auth"] => Route::Auth,
        ["v1alpha2", "greetings"] => Route::Greetings,
        ["v1alpha2", "targets", "registry"] => Route::Objects(Collection::Targets, None),
        ["v1alpha2", "targets", "registry", name] => {
            Route::Objects(Collection::Targets, Some(name))
        }
        ["v1alpha2", segment] => match collection(segment) {
            Some(c) => Route::Objects(c, None),
            None => Route::Unknown,
        },
        ["v1alpha2", segment, name] => match collection(segment) {
            Some(c) => Route::Objects(c, Some(name)),
            None => Route::Unknown,
        },
        ["harness", "v1", "objects"] => Route::HarnessRecords,
        ["harness", "v1", segment, name] => match kind(segment) {
            Some(kind) => Route::HarnessRecord(kind, name),
            None => Route::Unknown,
        },
        ["harness", "v1", segment, name, "scenario"] => match kind(segment) {
            Some(kind) => Route::HarnessScenario(kind, name),
            None => Route::Unknown,
        },
        _ => Route::Unknown,
    }
}

/// Whether requests to `path` are printed on the console: not the page and the records it
/// polls, which would drown everything else.
pub fn is_logged(release: Symphony, method: &str, path: &str) -> bool {
    !matches!(
        (method, route(release, path)),
        (
            "GET",
            Route::Page(_) | Route::HarnessRecords | Route::HarnessRecord(..)
        )
    )
}

/// A response, and the job it publishes once it is logged (so the console shows the request
/// before the round it starts).
#[derive(Debug)]
pub struct Answer {
    /// The response.
    pub response: Response,
    /// The job to publish.
    pub publish: Option<(ObjectRef, Command)>,
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer {
            response,
            publish: None,
        }
    }
}

/// Answers `request`.
pub fn handle(shared: &Shared, request: &Request) -> Answer {
    let release = shared.settings.release;
    let method = request.method.as_str();
    let route = route(release, &request.path);
    if let Route::Page(asset) = route {
        return match method {
            "GET" | "HEAD" => page::serve(asset).into(),
            _ => Response::method_not_allowed().into(),
        };
    }
    if let Err(refusal) = auth::admit(
        release,
        method,
        &request.path,
        request.authorization.as_deref(),
    ) {
        return Response::unauthorized(refusal.describe()).into();
    }
    if method == "OPTIONS" {
        return Response::ok().into();
    }
    if let Route::Objects(collection, name) = route {
        return objects(shared, request, collection, name);
    }
    let response = match route {
        Route::Auth if method == "POST" => sign_in(&request.body),
        Route::Greetings if method == "GET" => {
            Response::with("text/plain; charset=utf-8", GREETING)
        }
        Route::Greetings if method == "POST" => Response::ok(),
        Route::HarnessRecords if method == "GET" => {
            let records = lock(&shared.records);
            let recent: Vec<_> = records.values().map(|r| r.recent(PAGE_ROUNDS)).collect();
            Response::json(&recent)
        }
        Route::HarnessRecord(kind, name) if method == "GET" => {
            let object = object_ref(kind, request, name);
            match lock(&shared.records).get(&object) {
                Some(record) => Response::json(record),
                None => CoaError::new(CoaState::NotFound, format!("no record of {object}")).into(),
            }
        }
        Route::HarnessScenario(kind, name) if method == "GET" => {
            scenario(shared, kind, request, name)
        }
        Route::Unknown => {
            CoaError::new(CoaState::NotFound, format!("no route `{}`", request.path)).into()
        }
        _ => Response::method_not_allowed(),
    };
    response.into()
}

/// `POST users/auth`: a body Go cannot read is 401 with the decoder's text, a wrong user or
/// password 401 `login failed`.
fn sign_in(body: &[u8]) -> Response {
    let request: AuthRequest = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(err) => return CoaError::new(CoaState::Unauthorized, err.to_string()).into(),
    };
    match auth::sign_in(&request) {
        Some(answer) => Response::with("application/json", answer)
            .noting(format!("signed in as `{}`", request.username)),
        None => Response {
            status: 401,
            content_type: Some("text/plain; charset=utf-8"),
            body: b"login failed".to_vec(),
            note: Some(format!("login failed for `{}`", request.username)),
        },
    }
}

fn object_ref(kind: ObjectKind, request: &Request, name: &str) -> ObjectRef {
    let key = Key::new(request.query.get("namespace").map(String::as_str), name);
    ObjectRef {
        kind,
        namespace: key.namespace,
        name: key.name,
    }
}

/// The reconciled kind of a collection, if its objects are reconciled.
fn reconciled(collection: Collection) -> Option<ObjectKind> {
    match collection {
        Collection::Targets => Some(ObjectKind::Target),
        Collection::Instances => Some(ObjectKind::Instance),
        Collection::Solutions | Collection::Containers => None,
    }
}

/// `GET`, `POST` and `DELETE` of a collection's objects.
fn objects(
    shared: &Shared,
    request: &Request,
    collection: Collection,
    name: Option<&str>,
) -> Answer {
    let namespace = request.query.get("namespace").map(String::as_str);
    let key = Key::new(namespace, name.unwrap_or_default());
    match (request.method.as_str(), name) {
        ("GET", None) => Response::json(&lock(&shared.store).list(collection, namespace)).into(),
        ("GET", Some(_)) => match lock(&shared.store).get(collection, &key) {
            Ok(object) => Response::json(&object).into(),
            Err(err) => Response::from(err).into(),
        },
        ("POST", _) => post(shared, request, collection, name.unwrap_or_default()),
        ("DELETE", _) => delete(shared, request, collection, &key),
        _ => Response::method_not_allowed().into(),
    }
}

fn post(shared: &Shared, request: &Request, collection: Collection, name: &str) -> Answer {
    if collection == Collection::Targets {
        if let Some(binding) = request.query.get("with-binding") {
            let message = if binding == "staging" {
                "the staging binding (`providers.target.staging`) is not run by serve".to_string()
            } else {
                "invalid binding, supported is: 'staging'".to_string()
            };
            return Response::from(CoaError::new(CoaState::BadRequest, message)).into();
        }
    }
    let namespace = request.query.get("namespace").map(String::as_str);
    let written = {
        let mut store = lock(&shared.store);
        match collection {
            Collection::Targets => store.put_target(name, namespace, &request.body),
            Collection::Instances => store.put_instance(name, namespace, &request.body),
            Collection::Solutions => store.put_solution(name, namespace, &request.body),
            Collection::Containers => store.put_container(name, namespace, &request.body),
        }
    };
    let Written { key, notes } = match written {
        Ok(written) => written,
        Err(err) => return Response::from(err).into(),
    };
    let what = collection.what(shared.settings.release);
    let Some(kind) = reconciled(collection) else {
        return Response::ok()
            .noting(format!("{what} `{}` stored", key.name))
            .into();
    };
    let object = ObjectRef {
        kind,
        namespace: key.namespace,
        name: key.name,
    };
    for note in &notes {
        shared.sink.event(&ServeEvent::Warning {
            object: Some(&object),
            message: &note.to_string(),
        });
    }
    Answer {
        response: Response::ok()
            .noting(format!("{what} stored; job published: reconcile {object}")),
        publish: Some((object, Command::Reconcile)),
    }
}

fn delete(shared: &Shared, request: &Request, collection: Collection, key: &Key) -> Answer {
    let direct = request.query.get("direct").is_some_and(|v| v == "true");
    let what = collection.what(shared.settings.release);
    let Some(kind) = reconciled(collection).filter(|_| !direct) else {
        let deleted = lock(&shared.store).delete(collection, key);
        return match deleted {
            Ok(()) => Answer {
                response: Response::ok().noting(format!("{what} `{}` deleted", key.name)),
                publish: reconciled(collection).map(|kind| (object_from(kind, key), Command::Stop)),
            },
            Err(err) => Response::from(err).into(),
        };
    };
    let object = object_from(kind, key);
    if !lock(&shared.store).contains(collection, key) {
        // Symphony publishes the job anyway; it fails fetching the object.
        return Response::ok()
            .noting(format!(
                "no {what} `{}`: Symphony answers 200 and its delete job fails",
                key.name
            ))
            .into();
    }
    Answer {
        response: Response::ok().noting(format!(
            "job published: remove {object}; it is deleted when the removal succeeds"
        )),
        publish: Some((object, Command::Remove)),
    }
}

fn object_from(kind: ObjectKind, key: &Key) -> ObjectRef {
    ObjectRef {
        kind,
        namespace: key.namespace.clone(),
        name: key.name.clone(),
    }
}

/// `GET harness/v1/{targets|instances}/{name}/scenario`: the record as a scenario file.
fn scenario(shared: &Shared, kind: ObjectKind, request: &Request, name: &str) -> Response {
    let object = object_ref(kind, request, name);
    let records = lock(&shared.records);
    let Some(record) = records.get(&object) else {
        return CoaError::new(CoaState::NotFound, format!("no record of {object}")).into();
    };
    let mut resolve_here = resolve::extensions_into(&shared.settings.extensions);
    match record.to_scenario(shared.settings.release, &mut resolve_here) {
        Ok(scenario) => {
            let mut file = scenario.to_file_json();
            if let Value::Object(map) = &mut file {
                let mut with_schema = serde_json::Map::new();
                with_schema.insert(
                    "$schema".into(),
                    json!(crate::scenario::format::SCHEMA_FILE),
                );
                with_schema.extend(std::mem::take(map));
                *map = with_schema;
            }
            Response::json(&file).noting(format!("the scenario file of {object}"))
        }
        Err(err) => CoaError::new(CoaState::Conflict, err.to_string()).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_release_mounts_its_own_solution_routes() {
        assert_eq!(
            route(Symphony::V049, "/v1alpha2/solutionversions/app-v-1"),
            Route::Objects(Collection::Solutions, Some("app-v-1"))
        );
        assert_eq!(
            route(Symphony::V049, "/v1alpha2/solutions/app"),
            Route::Objects(Collection::Containers, Some("app"))
        );
        assert_eq!(
            route(Symphony::V048, "/v1alpha2/solutions/app-v-1"),
            Route::Objects(Collection::Solutions, Some("app-v-1"))
        );
        assert_eq!(
            route(Symphony::V048, "/v1alpha2/solutioncontainers"),
            Route::Objects(Collection::Containers, None)
        );
        assert_eq!(
            route(Symphony::V048, "/v1alpha2/solutionversions"),
            Route::Unknown
        );
    }

    #[test]
    fn targets_live_under_registry_and_the_page_is_not_logged() {
        assert_eq!(
            route(Symphony::V049, "/v1alpha2/targets/registry/"),
            Route::Objects(Collection::Targets, None)
        );
        assert_eq!(
            route(Symphony::V049, "/v1alpha2/targets/registry/t"),
            Route::Objects(Collection::Targets, Some("t"))
        );
        assert!(!is_logged(Symphony::V049, "GET", "/"));
        assert!(!is_logged(Symphony::V049, "GET", "/harness/v1/objects"));
        assert!(is_logged(
            Symphony::V049,
            "GET",
            "/v1alpha2/targets/registry"
        ));
    }
}
