//! `/api/admin/services…`: the JSON API the Services panel and scripts use. Admin-only by its
//! prefix (see `auth::access_for`); every action is written to the audit log.

use app::auth::Identity;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use workbench_config::is_simple_name;
use workbench_s6::{Action, ServiceName};

use super::audit::{self, Record};
use super::controller::ServiceError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/services", get(list))
        .route("/api/admin/services/audit", get(audit_recent))
        .route("/api/admin/services/audit.json", get(audit_json))
        .route("/api/admin/services/audit.csv", get(audit_csv))
        .route("/api/admin/services/{host}/{container}", get(one))
        .route(
            "/api/admin/services/{host}/{container}/{target}/{action}",
            post(act),
        )
}

fn error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

fn service_error(e: ServiceError) -> Response {
    error(e.status, e.code, &e.message)
}

fn internal(e: anyhow::Error) -> Response {
    tracing::error!(error = %e, "services API failed");
    error(
        500,
        "internal",
        "Something went wrong on the server; see its log.",
    )
}

async fn list(State(state): State<AppState>) -> Response {
    Json(state.services.overview().await).into_response()
}

async fn one(
    State(state): State<AppState>,
    Path((host, container)): Path<(String, String)>,
) -> Response {
    if !is_simple_name(&host) || !is_simple_name(&container) {
        return error(
            400,
            "bad_request",
            "Host and container names are letters, digits, '.', '_' and '-'.",
        );
    }
    match state.services.container(&host, &container).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => service_error(e),
    }
}

async fn act(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
    Path((host, container, target, action)): Path<(String, String, String, String)>,
) -> Response {
    let Some(Extension(identity)) = identity else {
        return error(401, "unauthenticated", "Sign in first.");
    };
    let Ok(action) = action.parse::<Action>() else {
        return error(
            400,
            "bad_request",
            "The action is one of up, down, restart.",
        );
    };
    if !is_simple_name(&host) || !is_simple_name(&container) || ServiceName::new(&target).is_err() {
        return error(
            400,
            "bad_request",
            "Host, container and service names are letters, digits, '.', '_', '@' and '-'.",
        );
    }
    let result = state.services.act(&host, &container, &target, action).await;
    let (outcome, detail) = match &result {
        Ok(r) => match &r.error {
            None => ("ok".to_string(), summary(&r.container, &target)),
            Some(e) => (e.code.clone(), e.message.clone()),
        },
        Err(e) => (e.code.to_string(), e.message.clone()),
    };
    if let Err(e) = state
        .audit
        .record(Record {
            who: &identity.name,
            host: &host,
            container: &container,
            target: &target,
            action: action.as_str(),
            result: &outcome,
            detail: &detail,
        })
        .await
    {
        // The action happened; losing its record must not hide that from the caller.
        tracing::error!(error = %e, "could not write the audit log");
    }
    tracing::info!(user = %identity.name, host, container, target, %action, result = %outcome, "service action");
    match result {
        Ok(r) => {
            let status = match &r.error {
                None => StatusCode::OK,
                Some(e) => {
                    StatusCode::from_u16(status_for(&e.code)).unwrap_or(StatusCode::CONFLICT)
                }
            };
            (status, Json(r)).into_response()
        }
        Err(e) => service_error(e),
    }
}

fn status_for(code: &str) -> u16 {
    match code {
        "timeout" => 504,
        "host_unreachable" => 503,
        _ => 409,
    }
}

/// "svc-nginx up, svc-php-fpm up": the state read back, for the audit log.
fn summary(view: &workbench_services_api::ContainerView, target: &str) -> String {
    let group = view.groups.iter().find(|g| g.name == target);
    view.services
        .iter()
        .filter(|s| {
            group.map_or(s.name == target || s.name == format!("svc-{target}"), |g| {
                g.services.contains(&s.name)
            })
        })
        .map(|s| {
            let st = match &s.status {
                Some(st) if st.up => "up",
                Some(_) => "down",
                None => "unknown",
            };
            format!("{} {st}", s.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Deserialize)]
struct AuditQuery {
    limit: Option<usize>,
}

async fn audit_recent(State(state): State<AppState>, Query(q): Query<AuditQuery>) -> Response {
    match state.audit.recent(q.limit.unwrap_or(50)).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => internal(e),
    }
}

async fn audit_json(State(state): State<AppState>) -> Response {
    match state.audit.recent(audit::MAX_ROWS).await {
        Ok(rows) => (
            [(
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"workbench-audit.json\"",
            )],
            Json(rows),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

async fn audit_csv(State(state): State<AppState>) -> Response {
    let csv = match state
        .audit
        .recent(audit::MAX_ROWS)
        .await
        .and_then(|rows| audit::to_csv(&rows))
    {
        Ok(csv) => csv,
        Err(e) => return internal(e),
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"workbench-audit.csv\"",
            ),
        ],
        csv,
    )
        .into_response()
}
