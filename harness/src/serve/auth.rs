//! Symphony's sign-in and its token check: `POST /v1alpha2/users/auth` hands out the access
//! token Symphony's standalone API hands out, and every other route refuses a request without
//! a valid one with 401, as Symphony's JWT middleware does.
//!
//! Owns the test users (`admin`, `reader`, `developer`, `device-manager`, `operator`, all
//! with the empty password, as `users-vendor.go` creates them with `test-users: true`), the
//! token (an HS256 JWT signed with the key `SymphonyKey`, the claims `users-vendor.go` puts
//! in it), its check (`coa/pkg/apis/v1alpha2/bindings/http/jwt.go`: a `Bearer` header, the
//! issuer `symphony`, signature, expiry) and the role policy of `symphony-api-no-k8s.json`
//! (`admin` may do anything, everyone else may `GET`, `device-manager` may write targets, …).
//! Tokens are interchangeable with a real Symphony's: a script's token works on both.
//! Does not decide which routes exist ([`super::routes`] does).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::Symphony;

/// The key Symphony signs and checks its tokens with (`users-vendor.go`, `verifyKey` in
/// `symphony-api-no-k8s.json`).
const SIGNING_KEY: &[u8] = b"SymphonyKey";

/// The issuer of the tokens Symphony makes itself.
const ISSUER: &str = "symphony";

/// How long a token lives: 24 hours.
const LIFETIME_SECONDS: u64 = 24 * 60 * 60;

/// The users Symphony's standalone API knows (`test-users: true`); each has the empty
/// password.
pub const TEST_USERS: [&str; 5] = ["admin", "reader", "developer", "device-manager", "operator"];

/// The paths the middleware lets through without a token (`ignorePaths`), besides the page.
fn ignored_paths(release: Symphony) -> [&'static str; 4] {
    let instances = match release {
        Symphony::V048 => "/v1alpha2/solution/instances",
        Symphony::V049 => "/v1alpha2/solutionversion/instances",
    };
    [
        "/v1alpha2/users/auth",
        instances,
        "/v1alpha2/agent/references",
        "/v1alpha2/greetings",
    ]
}

/// A sign-in request (`utils.AuthRequest`).
#[derive(Deserialize, Debug)]
pub struct AuthRequest {
    /// The user.
    #[serde(default)]
    pub username: String,
    /// The password.
    #[serde(default)]
    pub password: String,
}

/// The claims of a token (`MyCustomClaims`: the user and the registered claims).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Claims {
    user: String,
    iss: String,
    sub: String,
    aud: Vec<String>,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Signs in `request`: the body Symphony answers with, or `None` when the user is unknown or
/// the password wrong (Symphony answers 401 `login failed`).
pub fn sign_in(request: &AuthRequest) -> Option<String> {
    if !TEST_USERS.contains(&request.username.as_str()) || !request.password.is_empty() {
        return None;
    }
    let token = issue(&request.username, now());
    // The body as `users-vendor.go` formats it; the test users have no roles (`null`).
    Some(format!(
        r#"{{"accessToken":"{token}", "tokenType": "Bearer", "username": "{}", "roles": null}}"#,
        request.username
    ))
}

/// A token for `user`, issued at `at` (Unix seconds).
fn issue(user: &str, at: u64) -> String {
    let claims = Claims {
        user: user.to_string(),
        iss: ISSUER.to_string(),
        sub: ISSUER.to_string(),
        aud: vec!["*".to_string()],
        exp: at + LIFETIME_SECONDS,
        nbf: at,
        iat: at,
        jti: "1".to_string(),
    };
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
    let signed = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(sign(signed.as_bytes()));
    format!("{signed}.{signature}")
}

/// The HS256 signature of `data` under [`SIGNING_KEY`].
fn sign(data: &[u8]) -> Vec<u8> {
    match <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(SIGNING_KEY) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length.
        Err(_) => Vec::new(),
    }
}

/// Whether `signature` is the HMAC of `data` under [`SIGNING_KEY`] with `alg` (compared in
/// constant time); `None` when `alg` is not an HMAC.
fn signed_by_symphony(alg: &str, data: &[u8], signature: &[u8]) -> Option<bool> {
    fn check<M: Mac + KeyInit>(data: &[u8], signature: &[u8]) -> Option<bool> {
        let mut mac = <M as KeyInit>::new_from_slice(SIGNING_KEY).ok()?;
        mac.update(data);
        Some(mac.verify_slice(signature).is_ok())
    }
    match alg {
        "HS256" => check::<Hmac<sha2::Sha256>>(data, signature),
        "HS384" => check::<Hmac<sha2::Sha384>>(data, signature),
        "HS512" => check::<Hmac<sha2::Sha512>>(data, signature),
        _ => None,
    }
}

/// Why a request was refused (the middleware answers 401 with no body either way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer …` header.
    NoToken,
    /// The token is not a JWT, not Symphony's, not signed with its key, or expired.
    BadToken(&'static str),
    /// The token's user may not do this (the role policy).
    NotAllowed {
        /// The user.
        user: String,
    },
}

impl Refusal {
    /// Why, in words, for the console.
    pub fn describe(&self) -> String {
        match self {
            Refusal::NoToken => "no `Authorization: Bearer <token>` header; sign in with \
                                 `POST /v1alpha2/users/auth`"
                .to_string(),
            Refusal::BadToken(why) => format!("the token is refused: {why}"),
            Refusal::NotAllowed { user } => {
                format!("user `{user}` may not do this (Symphony's role policy)")
            }
        }
    }
}

/// Lets a request through as Symphony's middleware would: `authorization` is the header's
/// value, if any.
pub fn admit(
    release: Symphony,
    method: &str,
    path: &str,
    authorization: Option<&str>,
) -> Result<(), Refusal> {
    if method == "OPTIONS" || ignored_paths(release).contains(&path) {
        return Ok(());
    }
    let token = bearer(authorization).ok_or(Refusal::NoToken)?;
    let claims = verify(token, now()).map_err(Refusal::BadToken)?;
    if allowed(release, &claims, method, path) {
        Ok(())
    } else {
        Err(Refusal::NotAllowed { user: claims.user })
    }
}

/// The token of an `Authorization` header: what follows `Bearer `, when the header splits
/// into exactly two parts on it (`readAuthHeader`).
fn bearer(authorization: Option<&str>) -> Option<&str> {
    let header = authorization?;
    let mut parts = header.split("Bearer ");
    let (_, token, rest) = (parts.next()?, parts.next()?, parts.next());
    let token = token.trim();
    (rest.is_none() && !token.is_empty()).then_some(token)
}

/// The claims of `token` if Symphony would accept it at time `at`.
fn verify(token: &str, at: u64) -> Result<Claims, &'static str> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("it is not a JWT (three dot-separated parts)");
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part.trim_end_matches('='));
    let header: Value = decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("its header is not base64url JSON")?;
    let payload = decode(payload).map_err(|_| "its claims are not base64url")?;
    let claims: Value = serde_json::from_slice(&payload).map_err(|_| "its claims are not JSON")?;
    if claims.get("iss").and_then(Value::as_str) != Some(ISSUER) {
        return Err("its issuer is not `symphony` (no other auth server is configured)");
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let signed = &token[..token.len() - signature.len() - 1];
    let given = decode(signature).map_err(|_| "its signature is not base64url")?;
    match signed_by_symphony(alg, signed.as_bytes(), &given) {
        None => return Err("it is not signed with HMAC (HS256, HS384 or HS512)"),
        Some(false) => return Err("its signature does not match Symphony's key"),
        Some(true) => {}
    }
    let claims: Claims =
        serde_json::from_value(claims).map_err(|_| "its claims are not Symphony's")?;
    if claims.exp <= at {
        return Err("it has expired (tokens live 24 hours): sign in again");
    }
    if claims.nbf > at + 60 {
        return Err("it is not valid yet");
    }
    Ok(claims)
}

/// The role policy of `symphony-api-no-k8s.json` (`enableRBAC`): the roles a user's claim
/// gives, and the path prefixes and methods each role may use.
fn allowed(release: Symphony, claims: &Claims, method: &str, path: &str) -> bool {
    let solutions = match release {
        Symphony::V048 => "/v1alpha2/solutions",
        Symphony::V049 => "/v1alpha2/solutionversions",
    };
    // (role, the `user` claim that gives it); `*` matches every user.
    let roles = [
        ("administrator", "admin"),
        ("reader", "*"),
        ("creator", "developer"),
        ("target-manager", "device-manager"),
        // The role is `operator` but its policy entry is named after the role's claim
        // value, so in Symphony it grants nothing beyond `reader`'s.
        ("operator", "solution-operator"),
    ];
    // (role, path prefix or `*`, methods or `*`).
    let policy = [
        ("administrator", "*", "*"),
        ("reader", "*", "GET"),
        ("creator", solutions, "*"),
        ("target-manager", "/v1alpha2/targets", "*"),
    ];
    roles
        .iter()
        .filter(|(_, user)| *user == "*" || *user == claims.user)
        .any(|(role, _)| {
            policy.iter().any(|(name, prefix, methods)| {
                name == role
                    && (*prefix == "*" || path.starts_with(prefix))
                    && (*methods == "*" || methods.contains(method))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(token: &str) -> String {
        format!("Bearer {token}")
    }

    #[test]
    fn admin_signs_in_with_the_empty_password_and_its_token_opens_every_route() {
        let body = sign_in(&AuthRequest {
            username: "admin".into(),
            password: String::new(),
        })
        .expect("admin signs in");
        let answer: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(answer["tokenType"], "Bearer");
        assert_eq!(answer["username"], "admin");
        let token = answer["accessToken"].as_str().expect("a token");
        let auth = header(token);
        for method in ["GET", "POST", "DELETE"] {
            assert_eq!(
                admit(
                    Symphony::V049,
                    method,
                    "/v1alpha2/targets/registry/t",
                    Some(&auth)
                ),
                Ok(())
            );
        }
    }

    #[test]
    fn a_wrong_password_or_an_unknown_user_is_refused() {
        for (username, password) in [("admin", "x"), ("root", "")] {
            let request = AuthRequest {
                username: username.into(),
                password: password.into(),
            };
            assert_eq!(sign_in(&request), None, "{username}");
        }
    }

    #[test]
    fn requests_without_a_valid_token_are_refused_and_ignored_paths_pass() {
        let path = "/v1alpha2/targets/registry";
        assert_eq!(
            admit(Symphony::V049, "GET", path, None),
            Err(Refusal::NoToken)
        );
        assert_eq!(
            admit(Symphony::V049, "GET", path, Some("Basic abc")),
            Err(Refusal::NoToken)
        );
        let forged = issue("admin", now()).replace('.', ".x");
        assert!(matches!(
            admit(Symphony::V049, "GET", path, Some(&header(&forged))),
            Err(Refusal::BadToken(_))
        ));
        let mut token = issue("admin", now());
        token.push('A');
        assert_eq!(
            admit(Symphony::V049, "GET", path, Some(&header(&token))),
            Err(Refusal::BadToken(
                "its signature does not match Symphony's key"
            ))
        );
        let expired = issue("admin", 1_000);
        assert!(matches!(
            admit(Symphony::V049, "GET", path, Some(&header(&expired))),
            Err(Refusal::BadToken(why)) if why.contains("expired")
        ));
        assert_eq!(
            admit(Symphony::V049, "GET", "/v1alpha2/greetings", None),
            Ok(())
        );
        assert_eq!(
            admit(Symphony::V049, "POST", "/v1alpha2/users/auth", None),
            Ok(())
        );
        assert_eq!(admit(Symphony::V049, "OPTIONS", path, None), Ok(()));
    }

    #[test]
    fn readers_may_only_get_and_device_managers_may_write_targets() {
        let reader = header(&issue("reader", now()));
        let targets = "/v1alpha2/targets/registry/t";
        assert_eq!(admit(Symphony::V049, "GET", targets, Some(&reader)), Ok(()));
        assert_eq!(
            admit(Symphony::V049, "POST", targets, Some(&reader)),
            Err(Refusal::NotAllowed {
                user: "reader".into()
            })
        );
        let manager = header(&issue("device-manager", now()));
        assert_eq!(
            admit(Symphony::V049, "POST", targets, Some(&manager)),
            Ok(())
        );
        let developer = header(&issue("developer", now()));
        assert_eq!(
            admit(
                Symphony::V049,
                "POST",
                "/v1alpha2/solutionversions/a-v-1",
                Some(&developer)
            ),
            Ok(())
        );
        assert!(admit(
            Symphony::V048,
            "POST",
            "/v1alpha2/solutionversions/a-v-1",
            Some(&developer)
        )
        .is_err());
        let operator = header(&issue("operator", now()));
        assert!(admit(
            Symphony::V049,
            "POST",
            "/v1alpha2/instances/i",
            Some(&operator)
        )
        .is_err());
    }

    #[test]
    fn the_token_carries_the_claims_symphony_puts_in_it() {
        let token = issue("admin", 5_000);
        let claims = verify(&token, 5_001).expect("valid");
        assert_eq!(claims.user, "admin");
        assert_eq!(claims.iss, "symphony");
        assert_eq!(claims.aud, vec!["*".to_string()]);
        assert_eq!(claims.exp, 5_000 + LIFETIME_SECONDS);
    }
}
