//! The Workbench page's pieces: the tab bar and one panel per tab.

pub mod panels;
pub mod tab_bar;

/// The Workbench tabs, each with its own URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tab {
    Brain,
    Code,
    Terminal,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Brain, Tab::Code, Tab::Terminal];

    pub fn from_slug(slug: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.slug() == slug)
    }

    pub fn slug(self) -> &'static str {
        match self {
            Tab::Brain => "brain",
            Tab::Code => "code",
            Tab::Terminal => "terminal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::Brain => "Brain",
            Tab::Code => "Code",
            Tab::Terminal => "Terminal",
        }
    }

    pub fn href(self) -> String {
        format!("/workbench/{}", self.slug())
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    /// The neighbouring tab, wrapping around, for arrow-key navigation.
    pub fn step(self, forward: bool) -> Tab {
        let n = Tab::ALL.len();
        let i = self.index();
        Tab::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::Tab;

    #[test]
    fn slugs_round_trip_and_unknown_is_none() {
        for tab in Tab::ALL {
            assert_eq!(Tab::from_slug(tab.slug()), Some(tab));
        }
        assert_eq!(Tab::from_slug("Brain"), None);
        assert_eq!(Tab::from_slug(""), None);
        assert_eq!(Tab::from_slug("../etc"), None);
    }

    #[test]
    fn step_wraps_both_ways() {
        assert_eq!(Tab::Terminal.step(true), Tab::Brain);
        assert_eq!(Tab::Brain.step(false), Tab::Terminal);
        assert_eq!(Tab::Brain.step(true), Tab::Code);
    }
}
