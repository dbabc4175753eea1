//! A scripted browser: keeps cookies, follows no redirect on its own, and fills in the login and
//! consent pages of npm's oidc-provider (`devInteractions`: any login and password).

use std::collections::BTreeMap;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

/// A browser with a cookie jar.
#[derive(Debug, Default)]
pub struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    /// `GET url`: status (0 when nothing listens), `Location`, body.
    pub async fn get(&mut self, url: &str) -> (u16, Option<String>, String) {
        self.send("GET", url, None).await
    }

    /// `POST url` with a form.
    pub async fn post(
        &mut self,
        url: &str,
        form: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        self.send("POST", url, Some(encode(form))).await
    }

    /// Opens `authorize` (a provider's authorization URL), signs in as `login`, consents, and
    /// follows the redirects up to the first URL that starts with `stop_at`, which it returns
    /// without opening.
    pub async fn sign_in_until(&mut self, authorize: &str, login: &str, stop_at: &str) -> String {
        let origin = {
            let uri: hyper::Uri = authorize.parse().unwrap();
            format!(
                "{}://{}",
                uri.scheme_str().unwrap(),
                uri.authority().unwrap()
            )
        };
        let mut next = Some(authorize.to_owned());
        loop {
            let location = next.take().expect("the provider leads on");
            let url = if location.starts_with("http") {
                location
            } else {
                format!("{origin}{location}")
            };
            if url.starts_with(stop_at) {
                return url;
            }
            let (status, location, page) = self.get(&url).await;
            next = match (status, location) {
                (300..=399, location) => location,
                // A login or consent form: fill it in and send it where it says.
                (200, _) if page.contains("name=\"login\"") => {
                    self.post(
                        &url,
                        &[("prompt", "login"), ("login", login), ("password", "any")],
                    )
                    .await
                    .1
                }
                (200, _) if page.contains("value=\"consent\"") => {
                    self.post(&url, &[("prompt", "consent")]).await.1
                }
                (status, _) => panic!("{url} answered {status}: {page}"),
            };
        }
    }

    /// Does what a user does in the browser an app opened at `authorize`: signs in as `login`,
    /// consents, and is sent back to the app's loopback redirect, whose page it returns.
    pub async fn authorize(&mut self, authorize: &str, login: &str) -> String {
        let redirect = parameter(authorize, "redirect_uri")
            .map(|uri| decode(&uri))
            .expect("the authorization URL names its redirect");
        let callback = self.sign_in_until(authorize, login, &redirect).await;
        let (status, _, page) = self.get(&callback).await;
        assert_eq!(status, 200, "the app's redirect answered {status}: {page}");
        page
    }

    /// Status, `Location`, body.
    async fn send(
        &mut self,
        method: &str,
        url: &str,
        form: Option<String>,
    ) -> (u16, Option<String>, String) {
        let uri: hyper::Uri = url.parse().unwrap();
        let authority = uri.authority().unwrap().to_string();
        let Ok(stream) = tokio::net::TcpStream::connect(&authority).await else {
            return (0, None, String::new());
        };
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(uri.path_and_query().unwrap().as_str())
            .header("host", &authority)
            .header("cookie", cookie.join("; "));
        if form.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(form.unwrap_or_default())))
            .unwrap();
        let Ok(response) = sender.send_request(request).await else {
            return (0, None, String::new());
        };
        for value in response.headers().get_all("set-cookie") {
            let pair = value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|location| location.to_str().unwrap().to_owned());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }
}

/// `application/x-www-form-urlencoded` (and query string) encoding.
pub fn encode(form: &[(&str, &str)]) -> String {
    let escape = |text: &str| -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(byte).to_string()
                }
                _ => format!("%{byte:02X}"),
            })
            .collect()
    };
    form.iter()
        .map(|(name, value)| format!("{}={}", escape(name), escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-decoding.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(byte) = text
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query parameter of a URL, as it appears (not decoded).
pub fn parameter(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}
