//! `[terminal] theme` and `[terminal.colors]`: a named preset plus per-colour overrides,
//! resolved into xterm.js's `ITheme` (camelCase keys). Colours reach the browser as xterm.js
//! options, so only plain colour syntax is let through: `#rgb`, `#rrggbb`, `#rrggbbaa`,
//! `rgb(r, g, b)` and `rgba(r, g, b, a)`.

use std::collections::BTreeMap;

use crate::ConfigError;

/// Every colour key `[terminal.colors]` accepts (snake_case, so environment variables such as
/// `WORKBENCH_TERMINAL__COLORS__BRIGHT_BLACK` reach them), with xterm.js's name for it.
pub const COLOR_KEYS: [(&str, &str); 23] = [
    ("foreground", "foreground"),
    ("background", "background"),
    ("cursor", "cursor"),
    ("cursor_accent", "cursorAccent"),
    ("selection_background", "selectionBackground"),
    ("selection_foreground", "selectionForeground"),
    (
        "selection_inactive_background",
        "selectionInactiveBackground",
    ),
    ("black", "black"),
    ("red", "red"),
    ("green", "green"),
    ("yellow", "yellow"),
    ("blue", "blue"),
    ("magenta", "magenta"),
    ("cyan", "cyan"),
    ("white", "white"),
    ("bright_black", "brightBlack"),
    ("bright_red", "brightRed"),
    ("bright_green", "brightGreen"),
    ("bright_yellow", "brightYellow"),
    ("bright_blue", "brightBlue"),
    ("bright_magenta", "brightMagenta"),
    ("bright_cyan", "brightCyan"),
    ("bright_white", "brightWhite"),
];

pub const PRESETS: [&str; 2] = ["dark", "light"];

/// (key, colour) of a preset: xterm.js's own defaults for `dark`, a readable light palette.
fn preset(name: &str) -> &'static [(&'static str, &'static str)] {
    const DARK: [(&str, &str); 20] = [
        ("foreground", "#d4d4d4"),
        ("background", "#1e1e1e"),
        ("cursor", "#ffffff"),
        ("selection_background", "rgba(255, 255, 255, 0.3)"),
        ("black", "#2e3436"),
        ("red", "#cc0000"),
        ("green", "#4e9a06"),
        ("yellow", "#c4a000"),
        ("blue", "#3465a4"),
        ("magenta", "#75507b"),
        ("cyan", "#06989a"),
        ("white", "#d3d7cf"),
        ("bright_black", "#555753"),
        ("bright_red", "#ef2929"),
        ("bright_green", "#8ae234"),
        ("bright_yellow", "#fce94f"),
        ("bright_blue", "#729fcf"),
        ("bright_magenta", "#ad7fa8"),
        ("bright_cyan", "#34e2e2"),
        ("bright_white", "#eeeeec"),
    ];
    const LIGHT: [(&str, &str); 20] = [
        ("foreground", "#2e3436"),
        ("background", "#fafafa"),
        ("cursor", "#2e3436"),
        ("selection_background", "rgba(52, 101, 164, 0.25)"),
        ("black", "#2e3436"),
        ("red", "#a40000"),
        ("green", "#3b7306"),
        ("yellow", "#8f6f00"),
        ("blue", "#204a87"),
        ("magenta", "#5c3566"),
        ("cyan", "#05787a"),
        ("white", "#babdb6"),
        ("bright_black", "#555753"),
        ("bright_red", "#cc0000"),
        ("bright_green", "#4e9a06"),
        ("bright_yellow", "#c4a000"),
        ("bright_blue", "#3465a4"),
        ("bright_magenta", "#75507b"),
        ("bright_cyan", "#06989a"),
        ("bright_white", "#d3d7cf"),
    ];
    match name {
        "light" => &LIGHT,
        _ => &DARK,
    }
}

/// The preset with the overrides applied, keyed by xterm.js's names. Call after [`validate`].
pub fn resolve(theme: &str, colors: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let xterm = |key: &str| {
        COLOR_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, x)| (*x).to_string())
    };
    let mut out: BTreeMap<String, String> = preset(theme)
        .iter()
        .filter_map(|(k, v)| Some((xterm(k)?, (*v).to_string())))
        .collect();
    for (k, v) in colors {
        if let Some(x) = xterm(k) {
            out.insert(x, v.trim().to_string());
        }
    }
    out
}

pub(crate) fn validate(theme: &str, colors: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    if !PRESETS.contains(&theme) {
        return Err(ConfigError::Invalid {
            key: "terminal.theme",
            problem: format!("{:?} is not a theme", excerpt(theme)),
            fix: "use theme = \"dark\" or theme = \"light\", and [terminal.colors] for single colours"
                .into(),
        });
    }
    for (key, value) in colors {
        if !COLOR_KEYS.iter().any(|(k, _)| k == key) {
            return Err(ConfigError::Invalid {
                key: "terminal.colors",
                problem: format!("unknown colour key {:?}", excerpt(key)),
                fix: format!(
                    "use one of {} (see workbench.example.toml)",
                    COLOR_KEYS.map(|(k, _)| k).join(", ")
                ),
            });
        }
        if !is_color(value) {
            return Err(ConfigError::Invalid {
                key: "terminal.colors",
                problem: format!("{key} = {:?} is not a colour", excerpt(value)),
                fix: "write colours as \"#rgb\", \"#rrggbb\", \"#rrggbbaa\", \"rgb(r, g, b)\" or \"rgba(r, g, b, a)\""
                    .into(),
            });
        }
    }
    Ok(())
}

fn excerpt(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Plain colour syntax only: nothing that could end a declaration or call a CSS function.
pub fn is_color(s: &str) -> bool {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        return matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let (args, alpha) = if let Some(inner) = s.strip_prefix("rgba(") {
        (inner, true)
    } else if let Some(inner) = s.strip_prefix("rgb(") {
        (inner, false)
    } else {
        return false;
    };
    let Some(args) = args.strip_suffix(')') else {
        return false;
    };
    let parts: Vec<&str> = args.split(',').map(str::trim).collect();
    if parts.len() != if alpha { 4 } else { 3 } {
        return false;
    }
    let channel = |p: &str| {
        (1..=3).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok_and(|n| n <= 255)
    };
    if !parts[..3].iter().all(|p| channel(p)) {
        return false;
    }
    !alpha || {
        let a = parts[3];
        (1..=6).contains(&a.len())
            && a.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && a.parse::<f32>().is_ok_and(|v| (0.0..=1.0).contains(&v))
    }
}
