//! A terminal's output as a web page: its text in a dark window, colours kept (the SGR escape
//! codes k6 and jq write), every other escape code dropped, long lines wrapped as a terminal
//! of [`COLUMNS`] columns wraps them.

use std::fmt::Write;

/// Wide enough for k6's summary, whose lines are longer than the usual 80 columns.
pub const COLUMNS: usize = 160;
const LINE_PX: u32 = 18;
const CHAR_PX: u32 = 8;
/// The window's title bar and the padding around the text.
const FRAME_PX: u32 = 34 + 2 * 14;

/// What a terminal showed, and the window title above it.
pub struct Screen {
    pub title: String,
    /// The bytes the terminal received, as text (`\r\n` line ends and escape codes allowed).
    pub text: String,
}

/// The text's style at one point: a colour (the 16 ANSI colours) and bold or faint.
#[derive(Clone, Copy, Default, PartialEq)]
struct Style {
    colour: Option<u8>,
    bold: bool,
    faint: bool,
}

const PALETTE: [&str; 16] = [
    "#555753", "#ef2929", "#8ae234", "#fce94f", "#729fcf", "#ad7fa8", "#34e2e2", "#d3d7cf",
    "#888a85", "#ff6b6b", "#b5f57a", "#fff68f", "#9ec5f5", "#d7a6d2", "#7af5f5", "#ffffff",
];

impl Screen {
    /// The lines as shown, without the empty ones at the end: a line rewritten with `\r`
    /// keeps what was written last.
    fn lines(&self) -> Vec<&str> {
        let mut lines: Vec<&str> = self
            .text
            .split('\n')
            .map(|line| line.trim_end_matches('\r'))
            .map(|line| line.rsplit('\r').next().unwrap_or(line))
            .collect();
        while lines
            .last()
            .is_some_and(|line| visible(line).trim().is_empty())
        {
            lines.pop();
        }
        lines
    }

    /// The window that shows every line: (width, height) in CSS pixels.
    pub fn size(&self) -> (u32, u32) {
        let rows: usize = self
            .lines()
            .iter()
            .map(|line| visible(line).chars().count().div_ceil(COLUMNS).max(1))
            .sum();
        let rows = u32::try_from(rows).unwrap_or(u32::MAX / LINE_PX);
        (
            COLUMNS as u32 * CHAR_PX + FRAME_PX,
            rows * LINE_PX + FRAME_PX,
        )
    }

    pub fn page(&self) -> String {
        let mut body = String::new();
        for line in self.lines() {
            body.push_str(&html_of(line));
            body.push('\n');
        }
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\
             body {{ margin: 0; background: #1e1e1e; }}\
             .bar {{ background: #3c3c3c; color: #ccc; font: 13px sans-serif; height: 34px; \
                     line-height: 34px; padding: 0 14px; white-space: nowrap; overflow: hidden; }}\
             pre {{ margin: 0; padding: 14px; color: #d3d7cf; \
                    font: 13px/{LINE_PX}px 'DejaVu Sans Mono', monospace; width: {COLUMNS}ch; \
                    white-space: pre-wrap; word-break: break-all; }}\
             </style></head><body><div class=\"bar\">{}</div><pre>{body}</pre></body></html>",
            escape(&self.title)
        )
    }
}

/// A line without its escape codes.
fn visible(line: &str) -> String {
    pieces(line).into_iter().map(|(_, text)| text).collect()
}

fn html_of(line: &str) -> String {
    let mut html = String::new();
    for (style, text) in pieces(line) {
        if style == Style::default() {
            html.push_str(&escape(&text));
            continue;
        }
        let mut css = String::new();
        if let Some(colour) = style.colour {
            let _ = write!(css, "color:{};", PALETTE[usize::from(colour % 16)]);
        }
        if style.bold {
            css.push_str("font-weight:bold;");
        }
        if style.faint {
            css.push_str("opacity:0.6;");
        }
        let _ = write!(html, "<span style=\"{css}\">{}</span>", escape(&text));
    }
    html
}

/// The line cut into runs of text of one style each.
fn pieces(line: &str) -> Vec<(Style, String)> {
    let mut pieces: Vec<(Style, String)> = Vec::new();
    let mut style = Style::default();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            match pieces.last_mut() {
                Some((last, text)) if *last == style => text.push(c),
                _ => pieces.push((style, c.to_string())),
            }
            continue;
        }
        if chars.next_if_eq(&'[').is_none() {
            // Another escape (a character set, a window title): dropped with its next character.
            chars.next();
            continue;
        }
        let mut parameters = String::new();
        let mut last = None;
        for c in chars.by_ref() {
            if ('\x40'..='\x7e').contains(&c) {
                last = Some(c);
                break;
            }
            parameters.push(c);
        }
        if last == Some('m') {
            style = styled(style, &parameters);
        }
    }
    pieces
}

/// `style` after an SGR code's parameters (`1;32`, `0`, `` for a reset).
fn styled(mut style: Style, parameters: &str) -> Style {
    let codes: Vec<u16> = parameters
        .split(';')
        .map(|code| code.parse().unwrap_or(0))
        .collect();
    let mut codes = codes.into_iter();
    while let Some(code) = codes.next() {
        match code {
            0 => style = Style::default(),
            1 => style.bold = true,
            2 => style.faint = true,
            22 => (style.bold, style.faint) = (false, false),
            30..=37 => style.colour = u8::try_from(code - 30).ok(),
            90..=97 => style.colour = u8::try_from(code - 90 + 8).ok(),
            39 => style.colour = None,
            // 256 colours: the first 16 are the ANSI ones; the others are shown uncoloured.
            38 if codes.next() == Some(5) => {
                style.colour = codes
                    .next()
                    .and_then(|n| u8::try_from(n).ok())
                    .filter(|n| *n < 16);
            }
            _ => {}
        }
    }
    style
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_spans_and_other_codes_go() {
        let line = "\x1b[32m✓\x1b[0m todos listed \x1b[1;31m<1%\x1b[0m\x1b[K";
        assert_eq!(
            html_of(line),
            "<span style=\"color:#8ae234;\">✓</span> todos listed \
             <span style=\"color:#ef2929;font-weight:bold;\">&lt;1%</span>"
        );
        assert_eq!(visible(line), "✓ todos listed <1%");
    }

    #[test]
    fn a_rewritten_line_shows_its_last_text_and_long_lines_wrap() {
        let screen = Screen {
            title: "t".to_owned(),
            text: format!(
                "running 10%\rrunning 100%\r\n{}\r\n",
                "x".repeat(COLUMNS + 1)
            ),
        };
        assert_eq!(
            screen.lines(),
            vec!["running 100%", &"x".repeat(COLUMNS + 1)]
        );
        // One row, then two rows for the long line.
        assert_eq!(screen.size().1, 3 * LINE_PX + FRAME_PX);
    }
}
