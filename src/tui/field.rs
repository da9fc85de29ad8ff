//! The one single-line text input of the TUI (command line, quota values and keys, form
//! fields): a [`ratatui_textarea::TextArea`] limited to one line. Enter, Esc and Tab belong
//! to the key table; every other key edits the text (cursor keys, Home/End, Ctrl-W,
//! Ctrl-U, undo with Ctrl-Z, ...).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::{CursorMove, TextArea};

/// A one-line text input.
#[derive(Clone, Debug)]
pub struct Field {
    area: TextArea<'static>,
}

impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Field {}

impl Default for Field {
    fn default() -> Self {
        Field::new("")
    }
}

impl Field {
    /// A field holding `text`, the cursor at its end.
    pub fn new(text: &str) -> Self {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.move_cursor(CursorMove::End);
        Field { area }
    }

    /// The text.
    pub fn text(&self) -> &str {
        self.area.lines().first().map(String::as_str).unwrap_or("")
    }

    /// Replaces the text (completion), the cursor at its end.
    pub fn set(&mut self, text: &str) {
        *self = Field::new(text);
    }

    /// Edits with `key`; Enter never inserts a line. True when the text changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        if matches!(key.code, KeyCode::Enter | KeyCode::Tab) {
            return false;
        }
        let before = self.text().to_string();
        self.area.input(key);
        before != self.text()
    }

    /// Cursor column (characters), for drawing the cursor.
    pub fn cursor(&self) -> usize {
        self.area.cursor().1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_one_line_with_the_cursor() {
        let mut f = Field::new("8G");
        assert!(f.input(key(KeyCode::Char('i'))));
        assert_eq!(f.text(), "8Gi");
        f.input(key(KeyCode::Home));
        f.input(key(KeyCode::Char('1')));
        assert_eq!(f.text(), "18Gi");
        assert_eq!(f.cursor(), 1);
        assert!(!f.input(key(KeyCode::Enter)));
        assert_eq!(f.text(), "18Gi");
        f.input(key(KeyCode::End));
        f.input(key(KeyCode::Backspace));
        assert_eq!(f.text(), "18G");
        assert_eq!(f, Field::new("18G"));
    }
}
