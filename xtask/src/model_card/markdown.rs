//! How the card writes Markdown: templates whose `{path}`s are filled from a report's JSON, and
//! one writer for the tables whose rows vary.

use serde_json::Value;

/// `template` with each `{path}` replaced by the value at that dotted path of `values`, as it is
/// or, as `{path:.N}`, to N decimals (a string: its first N characters); `{path>0}` must be above
/// zero. None when a value is missing or not above zero: the caller leaves that text out.
pub fn fill(template: &str, values: &Value) -> Option<String> {
    let (mut out, mut rest) = (String::new(), template);
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        let (spec, digits) = match rest[open + 1..close].split_once(":.") {
            Some((spec, digits)) => (spec, digits.parse::<usize>().ok()),
            None => (&rest[open + 1..close], None),
        };
        let path = spec.trim_end_matches(">0");
        let value = path.split('.').try_fold(values, |v, key| v.get(key))?;
        let text = match (value, digits) {
            (Value::Null, _) => return None,
            (Value::String(s), Some(n)) => s.chars().take(n).collect(),
            (Value::String(s), None) => s.clone(),
            (v, Some(n)) => format!("{:.n$}", v.as_f64()?),
            (v, None) => v.to_string(),
        };
        if spec.ends_with(">0") && !text.parse::<f64>().is_ok_and(|v| v > 0.0) {
            return None;
        }
        out = out + &rest[..open] + &text;
        rest = &rest[close + 1..];
    }
    Some(out + rest)
}

/// A Markdown table, each row written as its cells separated by ` | `; an empty cell stays empty.
pub fn table(header: &str, rows: &[String]) -> String {
    let line = |cells: &str| {
        let cells = cells.split(" | ");
        cells.fold(String::from("|"), |s, c| {
            s + format!(" {c}").trim_end() + " |"
        }) + "\n"
    };
    let rule = format!("|{}\n", "---|".repeat(header.split(" | ").count()));
    line(header) + &rule + &rows.iter().map(|r| line(r)).collect::<String>()
}

/// `a / b` with `digits` decimals: a mean and its worst, or a layer's μ and σ parts.
pub fn pair(a: f64, b: f64, digits: usize) -> String {
    format!("{a:.digits$} / {b:.digits$}")
}

/// The last three parts of a path (set/kind/file), wherever the data folder lay.
pub fn short(path: &str) -> String {
    let parts: Vec<&str> = path.rsplit('/').take(3).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_from_the_values_or_left_out() {
        let values = serde_json::json!({"a": {"b": 2.3456, "s": "abcdef", "zero": "0"}, "n": null});
        let filled = fill("{a.b:.2} {a.b} `{a.s:.3}` {a.b>0}?", &values);
        assert_eq!(filled.as_deref(), Some("2.35 2.3456 `abc` 2.3456?"));
        for missing in ["{a.c}", "{n}", "{a.zero>0}", "{a.s>0}", "{a.b"] {
            assert_eq!(fill(missing, &values), None, "{missing}");
        }
        let table = table(" | x", &["a | 1.00 / 2.50".into(), " | y".into()]);
        assert_eq!(table, "| | x |\n|---|---|\n| a | 1.00 / 2.50 |\n| | y |\n");
    }
}
