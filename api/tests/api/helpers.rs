use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use taskoverflow::database::{self, Retry};
use taskoverflow::startup::Application;

pub struct TestApp {
    pub address: String,
    /// The app's own pool, for a test that changes the database behind the app's back.
    pub pool: sqlx::PgPool,
    client: reqwest::Client,
}

/// A real server on a free port, with a fresh database of its own.
pub async fn spawn_app() -> TestApp {
    let database = testkit::fresh_database()
        .await
        .unwrap_or_else(|error| panic!("no PostgreSQL for the tests: {error:#}"));
    let retry = Retry {
        attempts: 3,
        delay: Duration::from_millis(200),
    };
    let pool = database::connect(&database.url, retry)
        .await
        .expect("the fresh database accepts connections");
    let app = Application::with_pool(pool.clone(), 0)
        .await
        .expect("a free port");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(|router| router, std::future::pending()));
    TestApp {
        address,
        pool,
        client: reqwest::Client::new(),
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl TestApp {
    pub async fn send(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("the app answers");
        let status = response.status();
        let text = response.text().await.expect("a readable body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{status}: body is not JSON: {text:?}"));
        Reply { status, body }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body.to_string().into_bytes()))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body.to_string().into_bytes()))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates a todo and returns it, failing the test if the API refuses.
    pub async fn create(&self, body: Value) -> Value {
        let reply = self.post("/api/v1/todos", body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }

    pub async fn create_titled(&self, title: &str) -> Value {
        self.create(json!({ "title": title })).await
    }
}

/// Asserts a 4xx with the API's error shape, and returns the message.
pub fn assert_error(reply: &Reply, status: StatusCode) -> String {
    assert_eq!(reply.status, status, "{}", reply.body);
    let object = reply.body.as_object().expect("an error is a JSON object");
    assert_eq!(object.len(), 1, "only an error key: {}", reply.body);
    object["error"]
        .as_str()
        .expect("the error is a message")
        .to_owned()
}

pub fn id_of(todo: &Value) -> i64 {
    todo["id"].as_i64().expect("a todo has an integer id")
}
