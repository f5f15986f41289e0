//! A terminal's screen as an HTML page, so that Chromium can photograph what a student's
//! terminal shows: the bytes a program wrote to a pseudo-terminal (colours, k6's progress bars
//! redrawn in place, lines wrapped at the terminal's width) played onto a grid of cells.
//!
//! anstyle-parse splits the bytes into printable characters and control sequences; this module
//! does what a terminal does with the few sequences k6 and jq use: SGR colours and weights,
//! carriage return, line feed, cursor up, erase line and erase below.

use std::fmt::Write as _;

use anstyle_parse::{Params, Parser, Perform};

/// The terminal's width in columns: lines longer than this wrap, as in a real terminal.
pub const COLUMNS: usize = 100;

/// The look of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    pub dim: bool,
    /// An ANSI colour, 0–7 (30–37) or 8–15 (90–97); none: the default colour.
    pub colour: Option<u8>,
}

/// The screen: rows of (character, style), as long as what was written to them.
#[derive(Debug, Default)]
pub struct Screen {
    rows: Vec<Vec<(char, Style)>>,
    row: usize,
    column: usize,
    style: Style,
    /// A character was written in the last column: the next one goes to the next row.
    wrap_pending: bool,
}

impl Screen {
    /// The screen after `bytes` were written to a terminal of [`COLUMNS`] columns.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut screen = Self::default();
        let mut parser = Parser::<anstyle_parse::DefaultCharAccumulator>::new();
        for byte in bytes {
            parser.advance(&mut screen, *byte);
        }
        screen
    }

    /// Plain lines, each written as if followed by a new line (what a program's log holds).
    pub fn from_lines<S: AsRef<str>>(lines: &[S]) -> Self {
        let mut text = String::new();
        for line in lines {
            text.push_str(line.as_ref());
            text.push_str("\r\n");
        }
        Self::from_bytes(text.as_bytes())
    }

    /// The rows as text, without trailing blanks.
    #[cfg(test)]
    fn text_rows(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|(c, _)| *c)
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect()
    }

    /// The screen without its blank rows at the end.
    fn used_rows(&self) -> &[Vec<(char, Style)>] {
        let used = self
            .rows
            .iter()
            .rposition(|row| row.iter().any(|(c, _)| !c.is_whitespace()))
            .map_or(0, |last| last + 1);
        &self.rows[..used]
    }

    /// The last `height` used rows: what a terminal window of that height shows at the end.
    pub fn last_rows(&self, height: usize) -> Vec<Vec<(char, Style)>> {
        let used = self.used_rows();
        used[used.len().saturating_sub(height)..].to_vec()
    }

    fn cells(&mut self) -> &mut Vec<(char, Style)> {
        while self.rows.len() <= self.row {
            self.rows.push(Vec::new());
        }
        &mut self.rows[self.row]
    }

    fn line_feed(&mut self) {
        self.row += 1;
        self.wrap_pending = false;
    }

    fn select_graphic_rendition(&mut self, params: &Params) {
        let codes: Vec<u16> = params.iter().flatten().copied().collect();
        if codes.is_empty() {
            self.style = Style::default();
        }
        for code in codes {
            match code {
                0 => self.style = Style::default(),
                1 => self.style.bold = true,
                2 => self.style.dim = true,
                22 => {
                    self.style.bold = false;
                    self.style.dim = false;
                }
                30..=37 => self.style.colour = u8::try_from(code - 30).ok(),
                39 => self.style.colour = None,
                90..=97 => self.style.colour = u8::try_from(code - 90 + 8).ok(),
                _ => {}
            }
        }
    }
}

impl Perform for Screen {
    fn print(&mut self, c: char) {
        if self.wrap_pending {
            self.line_feed();
            self.column = 0;
        }
        let (column, style) = (self.column, self.style);
        let cells = self.cells();
        if cells.len() <= column {
            cells.resize(column + 1, (' ', Style::default()));
        }
        cells[column] = (c, style);
        if column + 1 == COLUMNS {
            self.wrap_pending = true;
        } else {
            self.column += 1;
        }
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' => self.line_feed(),
            b'\r' => {
                self.column = 0;
                self.wrap_pending = false;
            }
            b'\t' => self.column = ((self.column / 8 + 1) * 8).min(COLUMNS - 1),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, _intermediates: &[u8], _ignore: bool, action: u8) {
        let first = params.iter().next().and_then(|p| p.first().copied());
        match action {
            b'm' => self.select_graphic_rendition(params),
            // Cursor up: k6 goes back over its progress bars to redraw them.
            b'A' => {
                let n = usize::from(first.unwrap_or(1).max(1));
                self.row = self.row.saturating_sub(n);
                self.wrap_pending = false;
            }
            // Erase in line, from the cursor to the end (the only form k6 uses).
            b'K' if first.unwrap_or(0) == 0 => {
                let column = self.column;
                self.cells().truncate(column);
            }
            // Erase in display, from the cursor to the end of the screen.
            b'J' if first.unwrap_or(0) == 0 => {
                let (row, column) = (self.row, self.column);
                self.cells().truncate(column);
                self.rows.truncate(row + 1);
            }
            _ => {}
        }
    }
}

/// Colours of a dark terminal theme (the usual VS Code-like palette), by ANSI number.
const PALETTE: [&str; 16] = [
    "#1e1e1e", "#f14c4c", "#23d18b", "#e5e510", "#3b8eea", "#d670d6", "#29b8db", "#cccccc",
    "#767676", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#e5e5e5",
];

/// Sizes that decide the page's pixels, so that the window can be exactly the page.
const FONT_PX: f64 = 14.0;
const LINE_PX: usize = 18;
const PADDING_PX: usize = 14;
const TITLE_PX: usize = 30;
/// DejaVu Sans Mono's advance width: 1233 units of 2048 per em.
const ADVANCE_EM: f64 = 1233.0 / 2048.0;

/// A page showing `rows` in a terminal window titled `title`, and the window size (width,
/// height in CSS pixels) that holds exactly that page.
pub fn html_page(title: &str, rows: &[Vec<(char, Style)>]) -> (String, (u32, u32)) {
    let mut body = String::new();
    for row in rows {
        let mut open: Option<Style> = None;
        for (c, style) in row {
            if open != Some(*style) {
                if open.is_some() {
                    body.push_str("</span>");
                }
                let _ = write!(body, "<span style=\"{}\">", css(*style));
                open = Some(*style);
            }
            escape_into(&mut body, *c);
        }
        if open.is_some() {
            body.push_str("</span>");
        }
        body.push('\n');
    }
    let width = (COLUMNS as f64 * FONT_PX * ADVANCE_EM).ceil() as usize + 2 * PADDING_PX;
    let height = TITLE_PX + 2 * PADDING_PX + rows.len().max(1) * LINE_PX;
    let mut escaped_title = String::new();
    title
        .chars()
        .for_each(|c| escape_into(&mut escaped_title, c));
    let page = format!(
        "<!doctype html>\n<meta charset=\"utf-8\">\n<style>\n\
         html, body {{ margin: 0; background: {background}; overflow: hidden; }}\n\
         .title {{ box-sizing: border-box; height: {TITLE_PX}px; padding: 0 {PADDING_PX}px; \
           background: #3c3c3c; color: #cccccc; font: 13px/{TITLE_PX}px 'DejaVu Sans', sans-serif; \
           white-space: nowrap; overflow: hidden; }}\n\
         pre {{ margin: 0; padding: {PADDING_PX}px; color: {foreground}; \
           font: {FONT_PX}px/{LINE_PX}px 'DejaVu Sans Mono', monospace; white-space: pre; }}\n\
         </style>\n<div class=\"title\">{escaped_title}</div>\n<pre>{body}</pre>\n",
        background = PALETTE[0],
        foreground = PALETTE[7],
    );
    let size = (
        u32::try_from(width).unwrap_or(u32::MAX),
        u32::try_from(height).unwrap_or(u32::MAX),
    );
    (page, size)
}

fn css(style: Style) -> String {
    let mut css = String::new();
    if let Some(colour) = style.colour {
        let _ = write!(css, "color: {};", PALETTE[usize::from(colour % 16)]);
    }
    if style.bold {
        css.push_str("font-weight: bold;");
    }
    if style.dim {
        css.push_str("opacity: 0.65;");
    }
    css
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '&' => out.push_str("&amp;"),
        '"' => out.push_str("&quot;"),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_at_the_terminal_width() {
        let line = "x".repeat(COLUMNS + 5);
        let screen = Screen::from_lines(&[line.as_str(), "next"]);
        assert_eq!(
            screen.text_rows(),
            vec!["x".repeat(COLUMNS), "x".repeat(5), "next".to_owned()]
        );
        // A line of exactly the width takes one row, not two.
        let screen = Screen::from_lines(&["y".repeat(COLUMNS), "z".to_owned()]);
        assert_eq!(
            screen.text_rows(),
            vec!["y".repeat(COLUMNS), "z".to_owned()]
        );
    }

    #[test]
    fn colours_and_weights_follow_sgr() {
        let screen = Screen::from_bytes(b"a\x1b[31mb\x1b[1;2mc\x1b[22md\x1b[0me\x1b[92mf\x1b[mg");
        let styles: Vec<Style> = screen.rows[0].iter().map(|(_, s)| *s).collect();
        let red = Some(1);
        assert_eq!(styles[0], Style::default());
        assert_eq!(styles[1].colour, red);
        assert!(styles[2].bold && styles[2].dim && styles[2].colour == red);
        assert!(!styles[3].bold && !styles[3].dim && styles[3].colour == red);
        assert_eq!(styles[4], Style::default());
        assert_eq!(styles[5].colour, Some(10));
        assert_eq!(styles[6], Style::default());
    }

    #[test]
    fn progress_bars_redrawn_in_place_leave_only_the_last_drawing() {
        // What k6 writes to a terminal: draw, go back up over the bars, erase, draw again.
        let bytes = b"banner\r\nrunning 1s\x1b[K\r\nbar [=>  ]\x1b[K\r\n\r\x1b[J\x1b[2A\x1b[K\r\n\
            running 2s\x1b[K\r\nbar [===]\x1b[K\r\n";
        let screen = Screen::from_bytes(bytes);
        assert_eq!(
            screen.text_rows(),
            vec!["banner", "", "running 2s", "bar [===]"]
        );
    }

    #[test]
    fn carriage_return_overwrites_and_erase_clears_the_rest() {
        let screen = Screen::from_bytes(b"abcdef\rxy\x1b[K\r\n");
        assert_eq!(screen.text_rows(), vec!["xy"]);
    }

    #[test]
    fn the_window_shows_the_last_rows_without_trailing_blanks() {
        let screen = Screen::from_lines(&["1", "2", "3", "", ""]);
        let last: Vec<String> = screen
            .last_rows(2)
            .iter()
            .map(|row| row.iter().map(|(c, _)| *c).collect())
            .collect();
        assert_eq!(last, vec!["2", "3"]);
    }

    #[test]
    fn the_page_escapes_html_and_sizes_the_window_to_its_rows() {
        let screen = Screen::from_lines(&[r#"{"url":"/a?b=<c>&d"}"#, "two"]);
        let (page, (width, height)) = html_page("k6 & <jq>", &screen.last_rows(10));
        assert!(page.contains("{&quot;url&quot;:&quot;/a?b=&lt;c&gt;&amp;d&quot;}"));
        assert!(page.contains("k6 &amp; &lt;jq&gt;"));
        assert_eq!(height as usize, TITLE_PX + 2 * PADDING_PX + 2 * LINE_PX);
        // 100 columns of 14-pixel DejaVu Sans Mono, plus the padding.
        assert_eq!(width, 843 + 2 * PADDING_PX as u32);
    }
}
