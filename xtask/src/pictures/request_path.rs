//! The drawing of a request's path through the solution's layers (`solution/src/telemetry.rs`,
//! `instrument`), as a web page: one box per stage, in the order the request meets them, and
//! beside each what the client or the log sees of it. Written by reading that module: when its
//! layers change, this drawing changes with them (the picture's record names both).

/// The window the drawing fills, in CSS pixels.
pub const SIZE: (u32, u32) = (980, 590);

/// One stage: what happens, where in the code, and what shows outside.
struct Stage {
    title: &'static str,
    code: &'static str,
    what: &'static str,
    seen: &'static str,
}

const STAGES: &[Stage] = &[
    Stage {
        title: "Request arrives",
        code: "POST /api/v1/todos",
        what: "perhaps with an <code>x-request-id</code> header from the client",
        seen: "",
    },
    Stage {
        title: "Request id settled",
        code: "request_id::is_valid, SetRequestIdLayer",
        what: "a client's id is kept if it is 1–64 characters of <code>[A-Za-z0-9._-]</code>; \
               otherwise the request gets a fresh UUID v4",
        seen: "",
    },
    Stage {
        title: "Span opened",
        code: "TraceLayer: info_span!(\"request\", request_id, method, url)",
        what: "every line written inside the span carries its fields",
        seen: "{\"message\":\"Request started\", \"request_id\":…, \"method\":…, \"url\":…}",
    },
    Stage {
        title: "Handler",
        code: "the route's code, e.g. create a todo",
        what: "runs inside the span: nothing to pass by hand",
        seen: "",
    },
    Stage {
        title: "SQL lines",
        code: "sqlx::query events",
        what: "one line per statement, with the span's fields",
        seen:
            "{\"location\":\"sqlx::query\", \"message\":\"INSERT INTO todos …\", \"request_id\":…}",
    },
    Stage {
        title: "Response",
        code: "on_response, then PropagateRequestIdLayer",
        what: "the span's last line, then the id copied to the response",
        seen:
            "{\"message\":\"Request finished\", \"status\":201, \"latency_ms\":…, \"request_id\":…}\
               <br>header <code>x-request-id: &lt;the same id&gt;</code>",
    },
];

pub fn page() -> String {
    let mut rows = String::new();
    for (number, stage) in STAGES.iter().enumerate() {
        if number > 0 {
            rows.push_str("<div class=\"arrow\">▼</div>");
        }
        let seen = if stage.seen.is_empty() {
            String::new()
        } else {
            format!("<div class=\"seen\">{}</div>", stage.seen)
        };
        rows.push_str(&format!(
            "<div class=\"row\"><div class=\"box\"><b>{}</b><code>{}</code><span>{}</span></div>\
             {seen}</div>",
            stage.title, stage.code, stage.what
        ));
    }
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\
         body {{ margin: 0; padding: 18px 24px; font: 14px 'DejaVu Sans', sans-serif; \
                 background: #fff; color: #222; }}\
         h1 {{ font-size: 17px; margin: 0 0 12px; }}\
         .row {{ display: flex; align-items: center; gap: 18px; }}\
         .box {{ width: 430px; border: 2px solid #3465a4; border-radius: 8px; padding: 7px 12px; \
                 background: #eef4fb; display: flex; flex-direction: column; gap: 2px; }}\
         .box code {{ color: #204a87; font-size: 12px; }}\
         .box span {{ font-size: 12.5px; }}\
         .seen {{ flex: 1; font: 11.5px 'DejaVu Sans Mono', monospace; background: #1e1e1e; \
                  color: #d3d7cf; border-radius: 6px; padding: 7px 10px; }}\
         .seen code {{ color: #8ae234; }}\
         .arrow {{ width: 458px; text-align: center; color: #3465a4; line-height: 18px; }}\
         </style></head><body><h1>One request through the solution's layers, and what each \
         one leaves in the log</h1>{rows}</body></html>"
    )
}
