//! What gives a planted bug away in text a student reads: the path the broken delete requests,
//! the expression that fixes it, and a status code in bold or as advice. Students find these
//! from their logs and k6's summary; the tutor guide keeps the answers.

use regex::Regex;

/// Every giveaway in `text`, each with its line, empty when there is none.
pub fn giveaways(text: &str) -> Vec<String> {
    let rules: [(&str, &str); 5] = [
        ("the broken delete's path", r"/undefined\b"),
        ("the fix's expression", r"request\.json"),
        (
            "a planner's check shown failing",
            r"✗\s*todo (created|deleted)",
        ),
        (
            "a status code in bold or emphasis",
            r"(\*\*|__|<b>|<strong>)\s*[1-5]\d\d\b|\b[1-5]\d\d\s*(\*\*|__|</b>|</strong>)",
        ),
        (
            "a status code as advice",
            r"(?i)\b(should|must|ought to|expect(s|ed)?|is supposed to)\b[^.;:\n]{0,40}\b[1-5]\d\d\b|\b[1-5]\d\d\b( [A-Za-z]+)?, not [1-5]\d\d\b",
        ),
    ];
    let mut found = Vec::new();
    for (what, pattern) in rules {
        let rule = Regex::new(pattern).expect("a valid pattern");
        for line in text.lines().filter(|line| rule.is_match(line)) {
            found.push(format!("{what}: {}", line.trim()));
        }
    }
    found
}
