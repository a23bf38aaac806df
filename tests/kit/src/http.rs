//! A small blocking HTTP client for `adain serve`: multipart forms built by hand (the server's tests
//! want byte-level control over them) and answers read whole, whatever their status.

use std::time::Duration;

/// A multipart/form-data body.
pub struct Form {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    pub fn new() -> Self {
        Self {
            boundary: "adain-test-boundary-7MA4YWxkTrZu0gW".into(),
            body: Vec::new(),
        }
    }

    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.part(name, None, value.as_bytes());
        self
    }

    pub fn file(mut self, name: &str, file_name: &str, bytes: &[u8]) -> Self {
        self.part(name, Some(file_name), bytes);
        self
    }

    fn part(&mut self, name: &str, file_name: Option<&str>, bytes: &[u8]) {
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{name}\"",
            self.boundary
        );
        if let Some(file) = file_name {
            head.push_str(&format!(
                "; filename=\"{file}\"\r\nContent-Type: application/octet-stream"
            ));
        }
        head.push_str("\r\n\r\n");
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
    }

    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body with its closing boundary.
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (self.content_type(), self.body)
    }
}

/// An answer, whatever its status.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub retry_after: Option<String>,
    /// `WWW-Authenticate`, on a 401.
    pub www_authenticate: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client with a generous timeout (requests queue behind each other on 2 cores).
pub struct Client {
    agent: ureq::Agent,
    base: String,
    /// Sent as `Authorization: Bearer …` with every request.
    key: Option<String>,
}

impl Client {
    /// `base` is `http://host:port`.
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        Self {
            agent,
            base: base.trim_end_matches('/').to_string(),
            key: None,
        }
    }

    /// The same client, sending `key` as its API key.
    pub fn with_key(mut self, key: &str) -> Self {
        self.key = Some(key.to_string());
        self
    }

    fn authorized<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.key {
            Some(key) => request.header("Authorization", &format!("Bearer {key}")),
            None => request,
        }
    }

    pub fn get(&self, path: &str) -> Result<Reply, ureq::Error> {
        reply(
            self.authorized(self.agent.get(format!("{}{path}", self.base)))
                .call()?,
        )
    }

    pub fn delete(&self, path: &str) -> Result<Reply, ureq::Error> {
        reply(
            self.authorized(self.agent.delete(format!("{}{path}", self.base)))
                .call()?,
        )
    }

    /// POSTs a JSON text (WebDriver commands in the page test).
    pub fn post_json(&self, path: &str, json: &str) -> Result<Reply, ureq::Error> {
        reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/json")
                .send(json)?,
        )
    }

    pub fn post_form(&self, path: &str, form: Form) -> Result<Reply, ureq::Error> {
        self.post_form_with(path, form, &[])
    }

    /// [`Self::post_form`] with extra headers (`Accept`, …).
    pub fn post_form_with(
        &self,
        path: &str,
        form: Form,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ureq::Error> {
        let (content_type, body) = form.finish();
        let mut request = self
            .authorized(self.agent.post(format!("{}{path}", self.base)))
            .header("Content-Type", &content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        reply(request.send(&body[..])?)
    }
}

fn reply(mut response: ureq::http::Response<ureq::Body>) -> Result<Reply, ureq::Error> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, retry_after, www_authenticate) = (
        header("content-type").unwrap_or_default(),
        header("retry-after"),
        header("www-authenticate"),
    );
    let body = response
        .body_mut()
        .with_config()
        .limit(512 << 20)
        .read_to_vec()?;
    Ok(Reply {
        status: response.status().as_u16(),
        content_type,
        retry_after,
        www_authenticate,
        body,
    })
}
