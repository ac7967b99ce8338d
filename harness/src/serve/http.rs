//! Requests in, responses out: the one file that knows the HTTP library (`tiny_http`).
//!
//! Owns reading a request into a plain [`Request`] (method, path, query, the `Authorization`
//! header, the body) and writing a [`Response`] back, with the CORS headers Symphony's
//! middleware adds (`coa/pkg/apis/v1alpha2/bindings/http/cors.go`, configured in
//! `symphony-api-no-k8s.json`). [`Response::coa`] shapes an answer as Symphony's router does
//! (`http.go`: `wrapAsHTTPHandler`, `toHttpState`): the COA state's HTTP status, its body, its
//! content type.

use std::collections::BTreeMap;
use std::io::Read;

/// The most a request body may hold (a Target with a thousand components is far less).
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

/// An HTTP request, read whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    /// The query's parameters (the last value of a repeated one).
    pub query: BTreeMap<String, String>,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// A request for `method` and `target` (a path with an optional query), as a test or
    /// the router builds one.
    pub fn new(method: &str, target: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method: method.to_string(),
            path: percent_decode(path),
            query: parse_query(query),
            authorization: None,
            body: Vec::new(),
        }
    }
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`, if any.
    pub content_type: Option<&'static str>,
    /// The body.
    pub body: Vec<u8>,
    /// What to say about it on the console (an error's body, what was done).
    pub note: Option<String>,
}

/// Symphony's COA states that its API answers with (`coa/pkg/apis/v1alpha2/types.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoaState {
    /// 200.
    Ok,
    /// 400.
    BadRequest,
    /// 401.
    Unauthorized,
    /// 404.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 409.
    Conflict,
    /// 500.
    InternalError,
}

impl CoaState {
    /// The HTTP status (`toHttpState`).
    pub fn http_status(self) -> u16 {
        match self {
            CoaState::Ok => 200,
            CoaState::BadRequest => 400,
            CoaState::Unauthorized => 401,
            CoaState::NotFound => 404,
            CoaState::MethodNotAllowed => 405,
            CoaState::Conflict => 409,
            CoaState::InternalError => 500,
        }
    }

    /// Its name (`State.String()`), which starts a COA error's message.
    pub fn name(self) -> &'static str {
        match self {
            CoaState::Ok => "OK",
            CoaState::BadRequest => "Bad Request",
            CoaState::Unauthorized => "Unauthorized",
            CoaState::NotFound => "Not Found",
            CoaState::MethodNotAllowed => "Method Not Allowed",
            CoaState::Conflict => "Conflict",
            CoaState::InternalError => "Internal Error",
        }
    }
}

/// An error as Symphony's API answers it: a state and a message; the body is
/// `"<state name>: <message>"` (`COAError.Error()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoaError {
    /// The state.
    pub state: CoaState,
    /// The message.
    pub message: String,
}

impl CoaError {
    /// An error in `state`.
    pub fn new(state: CoaState, message: impl Into<String>) -> CoaError {
        CoaError {
            state,
            message: message.into(),
        }
    }

    /// Go's `entry '<name>' is not found in namespace <namespace>` (the memory state store).
    pub fn not_found(name: &str, namespace: &str) -> CoaError {
        CoaError::new(
            CoaState::NotFound,
            format!("entry '{name}' is not found in namespace {namespace}"),
        )
    }
}

impl std::fmt::Display for CoaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.state.name(), self.message)
    }
}

impl From<CoaError> for Response {
    fn from(err: CoaError) -> Response {
        let text = err.to_string();
        Response {
            status: err.state.http_status(),
            content_type: Some("text/plain; charset=utf-8"),
            body: text.clone().into_bytes(),
            note: Some(text),
        }
    }
}

impl Response {
    /// 200 with no body: what Symphony answers a write with.
    pub fn ok() -> Response {
        Response {
            status: 200,
            content_type: None,
            body: Vec::new(),
            note: None,
        }
    }

    /// 200 with a JSON body.
    pub fn json(value: &impl serde::Serialize) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response {
                status: 200,
                content_type: Some("application/json"),
                body,
                note: None,
            },
            Err(err) => CoaError::new(CoaState::InternalError, err.to_string()).into(),
        }
    }

    /// 200 with `body` of type `content_type`.
    pub fn with(content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status: 200,
            content_type: Some(content_type),
            body: body.into(),
            note: None,
        }
    }

    /// 401 with no body, as the JWT middleware answers; `why` goes to the console.
    pub fn unauthorized(why: String) -> Response {
        Response {
            status: 401,
            content_type: None,
            body: Vec::new(),
            note: Some(why),
        }
    }

    /// 405 with Symphony's body.
    pub fn method_not_allowed() -> Response {
        Response {
            status: 405,
            content_type: Some("application/json"),
            body: br#"{"result":"405 - method not allowed"}"#.to_vec(),
            note: Some("405 - method not allowed".to_string()),
        }
    }

    /// This response, with `note` for the console.
    pub fn noting(mut self, note: impl Into<String>) -> Response {
        self.note = Some(note.into());
        self
    }
}

/// `%XX` escapes decoded (invalid ones kept as they are); `+` is kept.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) if hex(hi).is_some() && hex(lo).is_some() => {
                let value = hex(hi).unwrap_or(0) * 16 + hex(lo).unwrap_or(0);
                out.push(value as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=2` as a map (values percent-decoded, `+` as a space).
fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&key.replace('+', " ")),
                percent_decode(&value.replace('+', " ")),
            )
        })
        .collect()
}

/// Reads `request` whole; a body over [`MAX_BODY`] is refused with 400.
pub fn read(request: &mut tiny_http::Request) -> Result<Request, Response> {
    let mut read = Request::new(request.method().as_str(), request.url());
    read.authorization = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    let mut body = Vec::new();
    let reader = request.as_reader();
    if let Err(err) = reader.take(MAX_BODY + 1).read_to_end(&mut body) {
        return Err(CoaError::new(
            CoaState::BadRequest,
            format!("cannot read the request body: {err}"),
        )
        .into());
    }
    if body.len() as u64 > MAX_BODY {
        return Err(CoaError::new(
            CoaState::BadRequest,
            format!("the request body is over {MAX_BODY} bytes"),
        )
        .into());
    }
    read.body = body;
    Ok(read)
}

/// Sends `response` for `request`, with Symphony's CORS headers; a client that went away is
/// not an error of the server's.
pub fn respond(request: tiny_http::Request, response: &Response) {
    let mut answer = tiny_http::Response::from_data(response.body.clone())
        .with_status_code(tiny_http::StatusCode(response.status));
    let mut headers: Vec<(&str, &str)> = vec![
        ("Access-Control-Allow-Headers", "authorization,Content-Type"),
        ("Access-Control-Allow-Credentials", "true"),
        (
            "Access-Control-Allow-Methods",
            "HEAD,GET,POST,PUT,DELETE,OPTIONS",
        ),
        ("Access-Control-Allow-Origin", "*"),
        ("Cache-Control", "no-store"),
    ];
    if let Some(content_type) = response.content_type {
        headers.push(("Content-Type", content_type));
    }
    for (field, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(field.as_bytes(), value.as_bytes()) {
            answer.add_header(header);
        }
    }
    if let Err(err) = request.respond(answer) {
        tracing::debug!("the client went away before its answer: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_split_into_a_decoded_path_and_query() {
        let request = Request::new("GET", "/v1alpha2/targets/registry/my%20t?namespace=edge&x");
        assert_eq!(request.path, "/v1alpha2/targets/registry/my t");
        assert_eq!(request.query["namespace"], "edge");
        assert_eq!(request.query["x"], "");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn a_coa_error_answers_with_its_state_and_symphonys_text() {
        let response = Response::from(CoaError::not_found("t", "default"));
        assert_eq!(response.status, 404);
        assert_eq!(
            String::from_utf8_lossy(&response.body),
            "Not Found: entry 't' is not found in namespace default"
        );
    }
}
