//! A stand-in for the app that answers the planners otherwise than the API documents: its POST
//! answers 200 instead of creating, and every DELETE finds nothing. A k6 check that passes
//! against it checks nothing about those answers.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::task::Problem;

/// A running stand-in on loopback, stopped when dropped.
pub struct StandInApi {
    pub base_url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for StandInApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn todo() -> Value {
    json!({
        "id": 7,
        "title": "CSSE6400 Clout Assignment",
        "description": null,
        "completed": false,
        "deadline_at": null,
        "created_at": "2024-01-01T00:00:00",
        "updated_at": "2024-01-01T00:00:00"
    })
}

pub async fn start() -> Result<StandInApi, Problem> {
    let router = Router::new()
        .route(
            "/api/v1/todos",
            get(|| async { Json(json!([])) }).post(|| async { (StatusCode::OK, Json(todo())) }),
        )
        .route(
            "/api/v1/todos/{id}",
            delete(|Path(_id): Path<String>| async {
                (
                    StatusCode::NOT_FOUND,
                    Json(json!({ "error": "Todo not found" })),
                )
            })
            .get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    Json(json!({ "error": "Todo not found" })),
                )
            }),
        )
        .route(
            "/api/v1/health",
            get(|| async { Json(json!({ "status": "ok" })) }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|error| {
        Problem::Environment(format!("cannot listen on a loopback port: {error}"))
    })?;
    let address = listener.local_addr().map_err(|error| {
        Problem::Environment(format!("cannot read the stand-in's address: {error}"))
    })?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(StandInApi {
        base_url: format!("http://{address}"),
        server,
    })
}
