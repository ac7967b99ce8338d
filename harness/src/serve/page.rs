//! The page at `/`: Symphony's portal `/targets` page, simpler. Plain HTML, JavaScript and
//! CSS compiled into the binary (no Node build); the script signs in as Symphony's `admin`
//! test user, reads `harness/v1/objects` every second and draws each target and instance
//! with its status and its rounds as a timeline of calls.

/// The page.
const INDEX: &str = include_str!("page/index.html");
/// Its script.
const SCRIPT: &str = include_str!("page/app.js");
/// Its style.
const STYLE: &str = include_str!("page/style.css");

/// The asset `path` names, if it names one.
pub fn asset_name(path: &str) -> Option<&'static str> {
    match path {
        "/" | "/index.html" => Some("index.html"),
        "/app.js" => Some("app.js"),
        "/style.css" => Some("style.css"),
        _ => None,
    }
}

/// The response carrying `asset`.
pub fn serve(asset: &str) -> super::http::Response {
    let (content_type, body) = match asset {
        "app.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "style.css" => ("text/css; charset=utf-8", STYLE),
        _ => ("text/html; charset=utf-8", INDEX),
    };
    super::http::Response::with(content_type, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_its_script_and_style() {
        assert!(INDEX.contains("app.js") && INDEX.contains("style.css"));
        assert_eq!(asset_name("/"), Some("index.html"));
        assert_eq!(asset_name("/nope"), None);
        assert_eq!(
            serve("app.js").content_type,
            Some("text/javascript; charset=utf-8")
        );
    }
}
