//! The app's log group and the Logs Insights queries over it: one managed group that everything
//! names, queries that use only the fields the solution logs, and counts without health checks.

use std::collections::BTreeSet;

use hcl::{Expression, Value};

use super::config::{attribute, references, walk, Config, File};
use super::hcl::{entry_of, key_name, path_of, refers_to, string_value};

/// The fields of the solution's JSON log lines (docs/handout.md).
const LOGGED_FIELDS: [&str; 10] = [
    "timestamp",
    "level",
    "location",
    "message",
    "hostname",
    "request_id",
    "method",
    "url",
    "status",
    "latency_ms",
];

/// Fields CloudWatch Logs Insights adds to every event.
const BUILT_IN_FIELDS: [&str; 6] = [
    "@timestamp",
    "@message",
    "@logStream",
    "@log",
    "@ingestionTime",
    "@ptr",
];

/// Logs Insights commands and keywords (functions are recognised by their `(`).
const QUERY_WORDS: [&str; 23] = [
    "source", "fields", "filter", "stats", "sort", "limit", "display", "parse", "dedup", "unmask",
    "pattern", "diff", "by", "as", "asc", "desc", "and", "or", "not", "in", "like", "true",
    "false",
];

/// What the saved queries must be able to show between them: one request by its id, latency,
/// and failures by status and URL.
const QUERIED_FIELDS: [&str; 4] = ["request_id", "latency_ms", "status", "url"];

/// The log group the app writes to (the apps' default, and the handout's).
const APP_LOG_GROUP: &str = "taskoverflow";

/// The log group `taskoverflow`: the app creates it itself when it runs with lab credentials, so
/// Terraform manages it as a resource (its retention applied on every change) that an `import`
/// block adopts when it exists already; the app, the saved queries and the dashboard use it.
pub(super) fn log_group(config: &Config, found: &mut Vec<String>) {
    let groups: Vec<_> = config
        .resources("aws_cloudwatch_log_group")
        .filter(|(_, _, block)| {
            string_value(config, attribute(block.body(), "name")).as_deref() == Some(APP_LOG_GROUP)
        })
        .collect();
    let [(file, group, block)] = groups.as_slice() else {
        found.push(format!(
            "there should be one aws_cloudwatch_log_group named \"{APP_LOG_GROUP}\" (the app's \
             log group), but there are {}",
            groups.len()
        ));
        return;
    };
    let retention_managed = attribute(block.body(), "retention_in_days")
        .is_some_and(|days| matches!(config.evaluate(days), Ok(Value::Number(_))));
    if !retention_managed {
        found.push(format!(
            "{}: aws_cloudwatch_log_group.{group}: retention_in_days must be set here, as a \
             number: only a retention the resource manages is applied when it changes",
            file.name
        ));
    }
    let adopting: Vec<_> = config
        .blocks("import")
        .filter(|(_, import)| {
            attribute(import.body(), "to").and_then(path_of)
                == Some(vec![
                    "aws_cloudwatch_log_group".to_owned(),
                    (*group).to_owned(),
                ])
        })
        .collect();
    match adopting.as_slice() {
        [] => found.push(format!(
            "{}: aws_cloudwatch_log_group.{group}: no import block adopts an existing \
             \"{APP_LOG_GROUP}\" group: when the app created it before the first apply, that apply \
             fails with ResourceAlreadyExistsException",
            file.name
        )),
        [(import_file, import)] => {
            let conditional = attribute(import.body(), "for_each")
                .is_some_and(|each| references(each).iter().any(|(root, _)| root == "data"));
            if !conditional {
                found.push(format!(
                    "{}: the import block of aws_cloudwatch_log_group.{group} must adopt the \
                     group only when it exists (a for_each over a data source listing the \
                     groups): importing a missing group fails the apply",
                    import_file.name
                ));
            }
        }
        _ => found.push(format!(
            "more than one import block adopts aws_cloudwatch_log_group.{group}"
        )),
    }

    // Everything that names the group takes it from the resource.
    let mut app_uses_it = false;
    for (_, _, definition) in config.resources("aws_ecs_task_definition") {
        if let Some(containers) = attribute(definition.body(), "container_definitions") {
            walk(containers, &mut |expr| {
                if let Some((name, value)) = entry_of(expr, "value") {
                    if name == "LOG_GROUP" && refers_to(value, "aws_cloudwatch_log_group", group) {
                        app_uses_it = true;
                    }
                }
            });
        }
    }
    if !app_uses_it {
        found.push(format!(
            "the ECS task's LOG_GROUP must be aws_cloudwatch_log_group.{group}.name"
        ));
    }
    for (query_file, name, query) in config.resources("aws_cloudwatch_query_definition") {
        if !attribute(query.body(), "log_group_names")
            .is_some_and(|names| refers_to(names, "aws_cloudwatch_log_group", group))
        {
            found.push(format!(
                "{}: aws_cloudwatch_query_definition.{name}: log_group_names must be \
                 [aws_cloudwatch_log_group.{group}.name]",
                query_file.name
            ));
        }
    }
    for (dashboard_file, name, dashboard) in config.resources("aws_cloudwatch_dashboard") {
        if !attribute(dashboard.body(), "dashboard_body")
            .is_some_and(|body| refers_to(body, "aws_cloudwatch_log_group", group))
        {
            found.push(format!(
                "{}: aws_cloudwatch_dashboard.{name}: its queries must read \
                 aws_cloudwatch_log_group.{group}.name",
                dashboard_file.name
            ));
        }
    }
}

pub(super) fn queries_use_logged_fields(config: &Config, found: &mut Vec<String>) {
    let queries = queries(config);
    let mut covered = BTreeSet::new();
    for query in &queries {
        let Some(text) = &query.text else {
            found.push(format!(
                "{}: {}: the query cannot be read",
                query.file.name, query.what
            ));
            continue;
        };
        for field in unknown_fields(text) {
            found.push(format!(
                "{}: {}: the query uses `{field}`, which is neither a field of the \
                 solution's log lines nor one of Logs Insights' own",
                query.file.name, query.what
            ));
        }
        if query.saved {
            covered.extend(fields_used(text));
        }
    }
    let saved = queries.iter().filter(|query| query.saved).count();
    if saved == 0 {
        found.push(
            "no aws_cloudwatch_query_definition: save the handout's Logs Insights queries"
                .to_owned(),
        );
    }
    if saved == queries.len() {
        found.push("no aws_cloudwatch_dashboard with a Logs Insights (query) widget".to_owned());
    }
    for field in QUERIED_FIELDS {
        if saved > 0 && !covered.contains(field) {
            found.push(format!("none of the saved queries uses `{field}`"));
        }
    }
}

/// Every saved query and widget that counts requests leaves out the load balancer's health
/// checks, which would otherwise be most of an idle service's requests.
pub(super) fn queries_leave_out_health_checks(config: &Config, found: &mut Vec<String>) {
    let excluded = "url != \"/api/v1/health\"";
    for query in queries(config) {
        if let Some(text) = query.text {
            if text.contains("stats") && !text.contains(excluded) {
                found.push(format!(
                    "{}: {}: a query that counts requests must filter `{excluded}`",
                    query.file.name, query.what
                ));
            }
        }
    }
}

/// A saved query or the query of a dashboard's widget.
struct Query<'a> {
    file: &'a File,
    /// How messages name it: `aws_cloudwatch_query_definition.NAME` or
    /// `aws_cloudwatch_dashboard.NAME`.
    what: String,
    /// Its text, when it can be worked out before `terraform apply`.
    text: Option<String>,
    /// A saved query (not a widget).
    saved: bool,
}

/// The saved queries, then the dashboards' widgets' queries.
fn queries(config: &Config) -> Vec<Query<'_>> {
    let mut queries = Vec::new();
    for (file, name, block) in config.resources("aws_cloudwatch_query_definition") {
        queries.push(Query {
            file,
            what: format!("aws_cloudwatch_query_definition.{name}"),
            text: attribute(block.body(), "query_string").and_then(|q| config.render(q, "")),
            saved: true,
        });
    }
    for (file, name, block) in config.resources("aws_cloudwatch_dashboard") {
        let Some(body) = attribute(block.body(), "dashboard_body") else {
            continue;
        };
        walk(body, &mut |expr| {
            if let Expression::Object(object) = expr {
                for (key, value) in object {
                    if key_name(key) == Some("query") {
                        queries.push(Query {
                            file,
                            what: format!("aws_cloudwatch_dashboard.{name}"),
                            text: config.render(value, ""),
                            saved: false,
                        });
                    }
                }
            }
        });
    }
    queries
}

/// Logs Insights tokens, as far as the field check needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A field name or a keyword.
    Name(String),
    /// A function's name (followed by `(`).
    Call(String),
    /// A string, number, duration or regular expression.
    Literal,
    Operator(char),
}

fn tokens(query: &str) -> Vec<Token> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let skip_quoted = |i: &mut usize, quote: char| {
        *i += 1;
        while *i < chars.len() && chars[*i] != quote {
            if chars[*i] == '\\' {
                *i += 1;
            }
            *i += 1;
        }
        *i += 1;
    };
    while i < chars.len() {
        let c = chars[i];
        let after_like = matches!(tokens.last(), Some(Token::Name(word)) if word.eq_ignore_ascii_case("like"))
            || (tokens.len() >= 2
                && tokens[tokens.len() - 2..] == [Token::Operator('='), Token::Operator('~')]);
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '"' || c == '\'' || (c == '/' && after_like) {
            skip_quoted(&mut i, c);
            tokens.push(Token::Literal);
        } else if c == '`' {
            let start = i + 1;
            skip_quoted(&mut i, c);
            let end = (i - 1).max(start).min(chars.len());
            tokens.push(Token::Name(chars[start..end].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            tokens.push(Token::Literal);
        } else if c.is_alphabetic() || c == '_' || c == '@' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '@'))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            tokens.push(if next == Some(&'(') {
                Token::Call(word)
            } else {
                Token::Name(word)
            });
        } else {
            tokens.push(Token::Operator(c));
            i += 1;
        }
    }
    tokens
}

/// The field names a query uses (keywords, functions and its own `as` aliases left out).
pub fn fields_used(query: &str) -> Vec<String> {
    let tokens = tokens(query);
    let is_as =
        |token: &Token| matches!(token, Token::Name(word) if word.eq_ignore_ascii_case("as"));
    let aliases: BTreeSet<&str> = tokens
        .windows(2)
        .filter(|pair| is_as(&pair[0]))
        .filter_map(|pair| match &pair[1] {
            Token::Name(alias) => Some(alias.as_str()),
            _ => None,
        })
        .collect();
    let mut used = Vec::new();
    for token in &tokens {
        if let Token::Name(word) = token {
            let keyword = QUERY_WORDS
                .iter()
                .any(|keyword| word.eq_ignore_ascii_case(keyword));
            if !keyword && !aliases.contains(word.as_str()) && !used.contains(word) {
                used.push(word.clone());
            }
        }
    }
    used
}

/// The fields a query uses that the solution does not log and Logs Insights does not add.
pub fn unknown_fields(query: &str) -> Vec<String> {
    fields_used(query)
        .into_iter()
        .filter(|field| {
            !LOGGED_FIELDS.contains(&field.as_str()) && !BUILT_IN_FIELDS.contains(&field.as_str())
        })
        .collect()
}
