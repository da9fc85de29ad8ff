//! Colors, or none under NO_COLOR (then only bold/reverse/underline mark things).

use ratatui::style::{Color, Modifier, Style};

use crate::tenancy::Severity;

/// Styles for one frame.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// `color: false` honours NO_COLOR.
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    /// Errors, over-limit quota, lost connection.
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Warnings, near-limit quota.
    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Healthy.
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    /// Titles, keys in hints.
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Secondary text.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default().add_modifier(Modifier::DIM)
        }
    }

    /// The selected row.
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    /// The highlighted matrix column.
    pub fn column(&self) -> Style {
        if self.color {
            Style::default().bg(Color::DarkGray)
        } else {
            Style::default().add_modifier(Modifier::UNDERLINED)
        }
    }

    /// Header row of tables.
    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// A banner (connection lost).
    pub fn banner(&self) -> Style {
        if self.color {
            Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// By severity.
    pub fn severity(&self, s: Option<Severity>) -> Style {
        match s {
            Some(Severity::Error) => self.error(),
            Some(Severity::Warning) => self.warning(),
            Some(Severity::Info) => self.fg(Color::Blue),
            None => Style::default(),
        }
    }

    /// By quota use in percent.
    pub fn usage(&self, percent: Option<u32>) -> Style {
        match percent {
            Some(p) if p >= 100 => self.error(),
            Some(p) if p >= 80 => self.warning(),
            Some(_) => self.ok(),
            None => self.dim(),
        }
    }

    /// YAML keys.
    pub fn yaml_key(&self) -> Style {
        self.fg(Color::Cyan)
    }

    /// YAML scalars.
    pub fn yaml_value(&self) -> Style {
        self.fg(Color::Green)
    }
}
