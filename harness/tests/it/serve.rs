//! `symphony-harness serve`: Symphony's REST API, answered by the harness.
//!
//! Real processes throughout: the harness binary serves on a free port of 127.0.0.1 (it names
//! the port on its first line), `curl` talks to it, the tutorial's script
//! (`tests/data/serve/tutorial.sh`, the shape of the tutorial's own: sign in, POST the Target,
//! wait, Enter, DELETE) runs unchanged, Debian's Chromium loads the page headless, and the
//! providers are the simulated provider built from this workspace, copied as the tutorial's
//! `libmy_provider.so` into an extensions folder. Waits are bounded polls, never sleeps "to
//! wait for" something.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use serde_json::Value;

use crate::support::{
    harness, lib, live_in_group, path_str, processes, wait_within, workspace_root, Lib,
};

/// How long any one wait in these tests may take before the test fails.
const LIMIT: Duration = Duration::from_secs(60);

/// The test data: the tutorial's script and Target.
fn data(file: &str) -> PathBuf {
    workspace_root().join("harness/tests/data/serve").join(file)
}

/// A folder holding the simulated provider as the tutorial's `libmy_provider.so`, and the
/// tutorial's Target bound to it (its `libHash` the library's), with `extra` binding keys.
struct Setup {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl Setup {
    fn new(extra: &[(&str, &str)]) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let ext = dir.path().join("providers");
        std::fs::create_dir(&ext).unwrap();
        let library = ext.join("libmy_provider.so");
        std::fs::copy(lib(Lib::Sim), &library).unwrap();
        let hashed = harness(&["hash", path_str(&library)]);
        let hash = hashed.stdout.split_whitespace().next().unwrap().to_string();
        let text = std::fs::read_to_string(data("my-target.json"))
            .unwrap()
            .replace("@@LIB_HASH@@", &hash);
        let mut target: Value = serde_json::from_str(&text).unwrap();
        let config = &mut target["spec"]["topologies"][0]["bindings"][0]["config"];
        config["sim.print"] = "1".into();
        for (key, value) in extra {
            config[*key] = (*value).into();
        }
        let path = dir.path().join("target.json");
        std::fs::write(&path, serde_json::to_string_pretty(&target).unwrap()).unwrap();
        Setup { dir, target: path }
    }

    fn extensions(&self) -> PathBuf {
        self.dir.path().join("providers")
    }
}

/// A running `serve`, its console collected line by line.
struct Serving {
    child: Child,
    url: String,
    console: Arc<Mutex<Vec<String>>>,
}

impl Serving {
    /// Starts `serve --port 0 --extensions DIR ARGS…` and waits for its first line.
    fn start(extensions: &Path, args: &[&str]) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
            .args(["serve", "--port", "0", "--extensions", path_str(extensions)])
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("SYMPHONY_HARNESS_COLOR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("symphony-harness runs");
        let console = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let console = Arc::clone(&console);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    console.lock().unwrap().push(line);
                }
            });
        }
        let mut serving = Serving {
            child,
            url: String::new(),
            console,
        };
        let first = serving.wait_for_line("listening on http://");
        let start = first.find("http://").unwrap();
        let end = first[start..].find(' ').map_or(first.len(), |n| start + n);
        serving.url = first[start..end].to_string();
        serving
    }

    /// Waits (bounded) until the console has a line holding `text`; returns it.
    fn wait_for_line(&self, text: &str) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(line) = self
                .console
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(text))
            {
                return line.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no console line with `{text}`:\n{}",
                self.console_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn console_text(&self) -> String {
        self.console.lock().unwrap().join("\n")
    }

    /// `curl -s ARGS… URL+path`: the status code and body.
    fn curl(&self, path: &str, args: &[&str]) -> (u16, String) {
        let output = Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}"])
            .args(args)
            .arg(format!("{}{path}", self.url))
            .output()
            .expect("curl runs (apt-get install curl)");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        (code.trim().parse().unwrap_or(0), body.to_string())
    }

    /// A token of Symphony's `admin` test user.
    fn token(&self) -> String {
        let (code, body) = self.curl(
            "/v1alpha2/users/auth",
            &["-X", "POST", "-d", r#"{"username":"admin","password":""}"#],
        );
        assert_eq!(code, 200, "{body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        answer["accessToken"].as_str().unwrap().to_string()
    }

    fn post_target(&self, token: &str, name: &str, file: &Path) {
        let auth = format!("Authorization: Bearer {token}");
        let data = format!("@{}", path_str(file));
        let path = format!("/v1alpha2/targets/registry/{name}");
        let (code, body) = self.curl(&path, &["-X", "POST", "-H", &auth, "-d", &data]);
        assert_eq!(code, 200, "{body}");
    }

    /// Waits (bounded) until target `name`'s provisioning status is `want`; returns it.
    fn wait_for_status(&self, token: &str, name: &str, want: &str) -> Value {
        self.wait_for(token, &format!("/v1alpha2/targets/registry/{name}"), want)
    }

    /// Waits (bounded) until the object at `path` has the provisioning status `want`.
    fn wait_for(&self, token: &str, path: &str, want: &str) -> Value {
        let auth = format!("Authorization: Bearer {token}");
        let name = path;
        let deadline = Instant::now() + LIMIT;
        loop {
            let (code, body) = self.curl(path, &["-H", &auth]);
            if code == 200 {
                let target: Value = serde_json::from_str(&body).unwrap();
                if target["status"]["provisioningStatus"]["status"] == want {
                    return target;
                }
            }
            assert!(
                Instant::now() < deadline,
                "`{name}` never became {want}; last answer {code}: {body}\nconsole:\n{}",
                self.console_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap()
    }

    /// Sends `signal` and waits (bounded) for the exit code.
    fn stop(mut self, signal: Signal) -> (Option<i32>, String) {
        rustix::process::kill_process(Pid::from_raw(self.pid()).unwrap(), signal).unwrap();
        let status = wait_within(&mut self.child, LIMIT).unwrap_or_else(|| {
            let _ = self.child.kill();
            panic!("serve did not stop:\n{}", self.console_text())
        });
        // The console threads read to the end of the pipes.
        std::thread::sleep(Duration::from_millis(50));
        (status.code(), self.console_text())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_tutorials_script_runs_unchanged_against_serve() {
    let setup = Setup::new(&[]);
    let serving = Serving::start(&setup.extensions(), &["--poll", "1s"]);
    let mut script = Command::new("bash")
        .arg(data("tutorial.sh"))
        .arg(&setup.target)
        .arg("my-target")
        .env("SYMPHONY_URL", &serving.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    // The Enter the script waits for before its DELETE.
    script.stdin.take().unwrap().write_all(b"\n").unwrap();
    let status = wait_within(&mut script, LIMIT).expect("the script ends");
    let output = script.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        status.success(),
        "the script failed:\n{out}\n{err}\nconsole:\n{}",
        serving.console_text()
    );
    for line in [
        "posted my-target",
        "status: Succeeded",
        r#""componentStatuses":[{"name":"mock-component","status":"Updated"}]"#,
        r#"targets: "name":"my-target""#,
        "deleted my-target",
        "GET my-target: 404",
    ] {
        assert!(out.contains(line), "`{line}` missing:\n{out}");
    }
    let (code, console) = serving.stop(Signal::INT);
    assert_eq!(code, Some(0), "Ctrl-C is how serve stops:\n{console}");
    // The console: each call and its outcome, the provider's output as the provider's, each
    // round's verdict.
    for line in [
        "http | POST /v1alpha2/users/auth → 200: signed in as `admin`",
        "http | POST /v1alpha2/targets/registry/my-target → 200",
        "target my-target |   apply               apply-phase step 0 `my-target`/`my_type` [+mock-component]",
        "target my-target |     provider stdout:",
        "target my-target |       | sim stdout: apply line 1/1 on device default",
        "target my-target | round 1 → Succeeded (applied 1, skipped 0)",
        "http | DELETE /v1alpha2/targets/registry/my-target → 200",
        "target my-target | removal",
        "target my-target | deleted after its removal: `GET` now answers 404",
        "http | GET /v1alpha2/targets/registry/my-target → 404: Not Found: entry 'my-target' is not found in namespace default",
        "serve | stopped (SIGINT)",
    ] {
        assert!(console.contains(line), "`{line}` missing:\n{console}");
    }
}

#[test]
fn every_route_but_sign_in_and_greetings_wants_a_token() {
    let setup = Setup::new(&[]);
    let serving = Serving::start(&setup.extensions(), &["--poll", "off"]);
    for (path, method) in [
        ("/v1alpha2/targets/registry", "GET"),
        ("/v1alpha2/targets/registry/my-target", "POST"),
        ("/v1alpha2/targets/registry/my-target", "DELETE"),
        ("/v1alpha2/solutionversions", "GET"),
        ("/v1alpha2/instances", "GET"),
        ("/harness/v1/objects", "GET"),
        ("/v1alpha2/nonsense", "GET"),
    ] {
        let (code, body) = serving.curl(path, &["-X", method]);
        assert_eq!(code, 401, "{method} {path}: {body}");
        let (code, _) = serving.curl(
            path,
            &["-X", method, "-H", "Authorization: Bearer forged.token.x"],
        );
        assert_eq!(code, 401, "{method} {path} with a forged token");
    }
    let (code, body) = serving.curl("/v1alpha2/greetings", &[]);
    assert_eq!(
        (code, body.as_str()),
        (200, "Hello from Symphony K8s control plane (S8C)")
    );
    let (code, body) = serving.curl(
        "/v1alpha2/users/auth",
        &[
            "-X",
            "POST",
            "-d",
            r#"{"username":"admin","password":"wrong"}"#,
        ],
    );
    assert_eq!((code, body.as_str()), (401, "login failed"));
    // A reader may look but not write, as Symphony's role policy says.
    let (_, body) = serving.curl(
        "/v1alpha2/users/auth",
        &["-X", "POST", "-d", r#"{"username":"reader","password":""}"#],
    );
    let reader: Value = serde_json::from_str(&body).unwrap();
    let auth = format!(
        "Authorization: Bearer {}",
        reader["accessToken"].as_str().unwrap()
    );
    assert_eq!(
        serving.curl("/v1alpha2/targets/registry", &["-H", &auth]).0,
        200
    );
    let data = format!("@{}", path_str(&setup.target));
    let (code, _) = serving.curl(
        "/v1alpha2/targets/registry/my-target",
        &["-X", "POST", "-H", &auth, "-d", &data],
    );
    assert_eq!(code, 401);
    let console = serving.console_text();
    assert!(
        console.contains("http | GET /v1alpha2/targets/registry → 401: no `Authorization: Bearer <token>` header"),
        "{console}"
    );
}

#[test]
fn a_panicking_provider_fails_its_target_and_the_server_goes_on() {
    let setup = Setup::new(&[("sim.bugs", "panic-on-apply")]);
    let serving = Serving::start(&setup.extensions(), &["--poll", "off"]);
    let token = serving.token();
    serving.post_target(&token, "my-target", &setup.target);
    let target = serving.wait_for_status(&token, "my-target", "Failed");
    let provisioning = &target["status"]["provisioningStatus"];
    let error = provisioning["error"]["message"].as_str().unwrap();
    assert!(error.contains("ended `panic`"), "{provisioning:#}");
    assert!(error.contains("sim bug panic-on-apply"), "{provisioning:#}");
    let cause = provisioning["failureCause"].as_str().unwrap();
    assert!(
        cause.contains("in Symphony this aborts the whole symphony-api process"),
        "{cause}"
    );
    assert_eq!(
        provisioning["error"]["details"][0]["code"],
        "Target Update Failed"
    );
    // The next request is served, and a healthy target next to it deploys (its own worker).
    let text = std::fs::read_to_string(&setup.target)
        .unwrap()
        .replace("my-target", "healthy")
        .replace("panic-on-apply", "");
    let file = setup.dir.path().join("healthy.json");
    std::fs::write(&file, text).unwrap();
    serving.post_target(&token, "healthy", &file);
    serving.wait_for_status(&token, "healthy", "Succeeded");
    let console = serving.console_text();
    assert!(
        console.contains("target my-target | round 1 → Failed: apply of step 0"),
        "{console}"
    );
    assert!(
        console.contains("target my-target |   in Symphony:"),
        "{console}"
    );
    // The round's transcript says the same.
    let auth = format!("Authorization: Bearer {token}");
    let (code, body) = serving.curl("/harness/v1/targets/my-target", &["-H", &auth]);
    assert_eq!(code, 200, "{body}");
    let record: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(record["rounds"][0]["outcome"], "panic");
    assert_eq!(record["status"], "Failed");
}

#[test]
fn the_page_shows_each_target_and_its_rounds_in_headless_chromium() {
    let setup = Setup::new(&[]);
    let serving = Serving::start(&setup.extensions(), &["--poll", "off"]);
    let token = serving.token();
    serving.post_target(&token, "my-target", &setup.target);
    serving.wait_for_status(&token, "my-target", "Succeeded");
    let profile = tempfile::tempdir().unwrap();
    let mut chromium = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", path_str(profile.path())))
        .arg(format!("{}/", serving.url))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium runs (Debian: apt-get install chromium; .ci/run installs it)");
    let status = wait_within(&mut chromium, LIMIT);
    if status.is_none() {
        let _ = chromium.kill();
    }
    let dom = String::from_utf8_lossy(&chromium.wait_with_output().unwrap().stdout).into_owned();
    for text in [
        r#"data-object="target default/my-target""#,
        "<h2>target my-target</h2>",
        r#"<span class="badge Succeeded">Succeeded</span>"#,
        r#"data-round="1""#,
        "round 1 · post · ",
        "apply [mock-component] ok",
        "sim stdout: apply line 1/1 on device default",
    ] {
        assert!(dom.contains(text), "the page lacks `{text}`:\n{dom}");
    }
}

#[test]
fn sigint_stops_serve_with_no_worker_left() {
    let setup = Setup::new(&[]);
    let serving = Serving::start(&setup.extensions(), &["--poll", "1s"]);
    let token = serving.token();
    serving.post_target(&token, "my-target", &setup.target);
    serving.wait_for_status(&token, "my-target", "Succeeded");
    let workers: Vec<i32> = processes()
        .into_iter()
        .filter(|&(_, state, ppid, _)| ppid == serving.pid() && state != 'Z')
        .map(|(pid, ..)| pid)
        .collect();
    assert_eq!(
        workers.len(),
        1,
        "the target's worker runs between rounds: {workers:?}"
    );
    let (code, console) = serving.stop(Signal::INT);
    assert_eq!(code, Some(0), "{console}");
    let deadline = Instant::now() + LIMIT;
    while !live_in_group(workers[0]).is_empty() {
        assert!(
            Instant::now() < deadline,
            "worker {} outlived serve",
            workers[0]
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        console.contains(
            "serve | stopped (SIGINT): no request is answered, no provider worker is left"
        ),
        "{console}"
    );
}

#[test]
fn a_taken_port_is_a_clear_error_and_serve_listens_on_localhost_unless_told() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = harness(&["serve", "--port", &port, "--extensions", "."]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("error: cannot listen on `127.0.0.1:{port}`")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Address already in use"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: another program listens on port"),
        "{}",
        run.stderr
    );
    let setup = Setup::new(&[]);
    let serving = Serving::start(&setup.extensions(), &[]);
    assert!(
        serving.url.starts_with("http://127.0.0.1:"),
        "{}",
        serving.url
    );
    let everywhere = Serving::start(&setup.extensions(), &["--listen", "0.0.0.0"]);
    assert!(
        everywhere.url.starts_with("http://0.0.0.0:"),
        "{}",
        everywhere.url
    );
}

#[test]
fn a_session_is_written_as_a_scenario_that_run_replays() {
    let setup = Setup::new(&[]);
    let serving = Serving::start(&setup.extensions(), &["--poll", "off"]);
    let token = serving.token();
    serving.post_target(&token, "my-target", &setup.target);
    serving.wait_for_status(&token, "my-target", "Succeeded");
    let auth = format!("Authorization: Bearer {token}");
    let (code, _) = serving.curl(
        "/v1alpha2/targets/registry/my-target",
        &["-X", "DELETE", "-H", &auth],
    );
    assert_eq!(code, 200);
    serving.wait_for_line("deleted after its removal");
    let file = setup.dir.path().join("my-target.scenario.json");
    let (code, body) = serving.curl(
        "/harness/v1/targets/my-target/scenario",
        &["-H", &auth, "-o", path_str(&file)],
    );
    assert_eq!(code, 200, "{body}");
    let scenario: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let steps = scenario["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "{scenario:#}");
    assert_eq!(steps[0]["expect"]["outcome"], "ok");
    assert!(steps[1].get("remove").is_some(), "{scenario:#}");
    let run = harness(&["run", path_str(&file)]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("PASS my-target.scenario (2 steps)"),
        "{}",
        run.stdout
    );
}

/// `POST` of `body` to `path` with `token`; fails the test unless it answers 200.
fn post_json(serving: &Serving, token: &str, path: &str, body: &Value) {
    let auth = format!("Authorization: Bearer {token}");
    let text = body.to_string();
    let (code, answer) = serving.curl(path, &["-X", "POST", "-H", &auth, "-d", &text]);
    assert_eq!(code, 200, "POST {path}: {answer}");
}

/// A solution container, a version of it with one component, a target without components,
/// and an instance deploying the version to the target, on `release`'s routes; the instance
/// deploys, and its removal deletes it.
fn instance_deploys_on(release: &str, containers: &str, versions: &str, reference_key: &str) {
    let setup = Setup::new(&[]);
    let serving = Serving::start(
        &setup.extensions(),
        &["--poll", "off", "--symphony", release],
    );
    let token = serving.token();
    let mut target: Value =
        serde_json::from_str(&std::fs::read_to_string(&setup.target).unwrap()).unwrap();
    target["metadata"]["name"] = "edge".into();
    target["spec"]["components"] = serde_json::json!([]);
    post_json(&serving, &token, "/v1alpha2/targets/registry/edge", &target);
    post_json(
        &serving,
        &token,
        &format!("/v1alpha2/{containers}/app"),
        &serde_json::json!({}),
    );
    let version = serde_json::json!({
        "metadata": {"name": "app-v-v1"},
        "spec": {"rootResource": "app",
                 "components": [{"name": "web", "type": "my_type", "properties": {"image": "nginx"}}]}
    });
    post_json(
        &serving,
        &token,
        &format!("/v1alpha2/{versions}/app-v-v1"),
        &version,
    );
    let instance = serde_json::json!({
        "metadata": {"name": "app-instance"},
        "spec": {reference_key: "app:v1", "target": {"name": "edge"}}
    });
    post_json(
        &serving,
        &token,
        "/v1alpha2/instances/app-instance",
        &instance,
    );
    let deployed = serving.wait_for(&token, "/v1alpha2/instances/app-instance", "Succeeded");
    assert_eq!(
        deployed["status"]["provisioningStatus"]["output"]["edge.web"],
        "Updated"
    );
    assert_eq!(deployed["spec"][reference_key], "app:v1", "{deployed:#}");
    let auth = format!("Authorization: Bearer {token}");
    let (code, body) = serving.curl(
        &format!("/v1alpha2/{versions}/app-v-v1"),
        &["-X", "DELETE", "-H", &auth],
    );
    assert_eq!(code, 400, "a version an instance uses stays: {body}");
    let (code, _) = serving.curl(
        "/v1alpha2/instances/app-instance",
        &["-X", "DELETE", "-H", &auth],
    );
    assert_eq!(code, 200);
    serving.wait_for_line("instance app-instance | deleted after its removal");
    let (code, _) = serving.curl("/v1alpha2/instances/app-instance", &["-H", &auth]);
    assert_eq!(code, 404);
    let console = serving.console_text();
    assert!(console.contains("instance app-instance |   apply               apply-phase step 0 `edge`/`my_type` [+web]"), "{console}");
}

#[test]
fn an_instance_deploys_its_solution_version_on_symphony_049_routes() {
    instance_deploys_on("0.49", "solutions", "solutionversions", "solutionversion");
}

#[test]
fn an_instance_deploys_its_solution_on_symphony_048_routes() {
    instance_deploys_on("0.48", "solutioncontainers", "solutions", "solution");
}

#[test]
fn a_hanging_provider_fails_at_its_deadline_where_symphony_would_wait_for_ever() {
    let setup = Setup::new(&[("sim.bugs", "hang-on-apply")]);
    let serving = Serving::start(
        &setup.extensions(),
        &["--poll", "off", "--call-timeout", "1s"],
    );
    let token = serving.token();
    serving.post_target(&token, "my-target", &setup.target);
    let target = serving.wait_for_status(&token, "my-target", "Failed");
    let cause = target["status"]["provisioningStatus"]["failureCause"]
        .as_str()
        .unwrap();
    assert!(
        cause.contains("its reconcile would wait for ever"),
        "{cause}"
    );
    assert_eq!(serving.curl("/v1alpha2/greetings", &[]).0, 200);
}

#[test]
fn the_docs_show_the_script_these_tests_run() {
    let script = std::fs::read_to_string(data("tutorial.sh")).unwrap();
    let docs = std::fs::read_to_string(workspace_root().join("docs/serve.md")).unwrap();
    assert!(
        docs.contains(&format!("```bash\n{script}```")),
        "docs/serve.md must show harness/tests/data/serve/tutorial.sh unchanged"
    );
}

#[test]
fn serve_help_is_stable() {
    let run = harness(&["serve", "--help"]);
    assert_eq!(run.code, Some(0));
    insta::assert_snapshot!("help_serve_help", run.stdout);
}
