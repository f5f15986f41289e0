//! JUnit XML, the test report nearly every CI service and LMS plug-in reads: one `testsuite`,
//! one `testcase` per lab task. A failed task is a `failure` (type `fail`, or `not graded`), a
//! task this machine could not check an `error`; the notes go to `system-out` and the score to
//! the suite's properties.

use std::io;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::Report;

/// The suite's name, and each test case's class name.
pub const SUITE: &str = "taskoverflow-lab";

pub fn to_xml(report: &Report) -> String {
    // Writing into memory cannot fail.
    write(report).unwrap_or_default()
}

fn write(report: &Report) -> io::Result<String> {
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    let count = |status: &str| report.tests.iter().filter(|t| t.status == status).count();
    let failures = count("fail") + count("not graded");
    let errors = count("error");
    let seconds = |millis: u64| format!("{:.3}", millis as f64 / 1000.0);
    let total_millis: u64 = report.tests.iter().map(|test| test.duration).sum();
    let totals = [
        ("tests", report.tests.len().to_string()),
        ("failures", failures.to_string()),
        ("errors", errors.to_string()),
        ("skipped", "0".to_owned()),
        ("time", seconds(total_millis)),
    ];

    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", SUITE));
    for (key, value) in &totals {
        suites.push_attribute((*key, value.as_str()));
    }
    xml.write_event(Event::Start(suites))?;
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", SUITE));
    for (key, value) in &totals {
        suite.push_attribute((*key, value.as_str()));
    }
    xml.write_event(Event::Start(suite))?;

    xml.write_event(Event::Start(BytesStart::new("properties")))?;
    for (name, value) in [
        ("score", report.score.to_string()),
        ("max_score", report.max_score.to_string()),
        ("status", report.status.to_owned()),
    ] {
        let mut property = BytesStart::new("property");
        property.push_attribute(("name", name));
        property.push_attribute(("value", value.as_str()));
        xml.write_event(Event::Empty(property))?;
    }
    xml.write_event(Event::End(BytesEnd::new("properties")))?;

    for test in &report.tests {
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("name", test.name.as_str()));
        case.push_attribute(("classname", SUITE));
        case.push_attribute(("time", seconds(test.duration).as_str()));
        let problem = match test.status {
            "pass" => None,
            "error" => Some("error"),
            _ => Some("failure"),
        };
        let Some(element) = problem else {
            xml.write_event(Event::Empty(case))?;
            continue;
        };
        xml.write_event(Event::Start(case))?;
        let mut detail = BytesStart::new(element);
        let first_line = test.message.lines().next().unwrap_or_default();
        detail.push_attribute(("message", first_line));
        detail.push_attribute(("type", test.status));
        xml.write_event(Event::Start(detail))?;
        xml.write_event(Event::Text(BytesText::new(&test.message)))?;
        xml.write_event(Event::End(BytesEnd::new(element)))?;
        xml.write_event(Event::End(BytesEnd::new("testcase")))?;
    }

    let mut out = format!("Score: {}/{}", report.score, report.max_score);
    for note in &report.notes {
        out.push_str("\nNot graded from the repository: ");
        out.push_str(note);
    }
    xml.write_event(Event::Start(BytesStart::new("system-out")))?;
    xml.write_event(Event::Text(BytesText::new(&out)))?;
    xml.write_event(Event::End(BytesEnd::new("system-out")))?;
    xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    let mut text = String::from_utf8(xml.into_inner()).map_err(io::Error::other)?;
    text.push('\n');
    Ok(text)
}
