//! The schedule as an iCalendar file (RFC 5545) that a calendar imports: one
//! event per unit in Beijing time (`TZID=Asia/Shanghai` with its VTIMEZONE),
//! a UID made of the campaign id and the unit (stable when the order of the
//! units changes), the place and the contact where the campaign gives them.

use crate::campaign::{Campaign, Loaded, parse_slot};
use sha2::{Digest, Sha256};

/// The time zone every event is in: China has one offset, +08:00, and no
/// daylight saving time since 1991.
const TZID: &str = "Asia/Shanghai";

/// RFC 5545 text escaping.
fn text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => o.push_str("\\\\"),
            ';' => o.push_str("\\;"),
            ',' => o.push_str("\\,"),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// A parameter value (CN=…): quoted, without the characters a quoted
/// parameter cannot hold.
fn param(s: &str) -> String {
    let v: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    format!("\"{v}\"")
}

/// Folds a content line at 75 octets without splitting a character.
fn fold(line: &str, out: &mut String) {
    let mut len = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(ch);
        len += n;
    }
    out.push_str("\r\n");
}

/// The UID of a unit's event: the campaign id and a digest of the unit's
/// name (so no unit text needs escaping, and reordering keeps every UID).
pub fn uid(campaign_id: &str, unit: &str) -> String {
    let digest = Sha256::digest(unit.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let id: String = campaign_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{id}-{hex}@kaohe")
}

/// The contact as ORGANIZER, when the campaign gives an e-mail address.
fn organizer(l: &Loaded) -> Option<String> {
    let c = &l.campaign.notice.contact;
    let mail: String = c
        .email
        .trim()
        .chars()
        .map(|ch| if ch == '＠' { '@' } else { ch })
        .filter(|ch| !ch.is_whitespace())
        .collect();
    if !mail.contains('@') {
        return None;
    }
    let name = c.name.trim();
    let cn = if name.is_empty() {
        String::new()
    } else {
        format!(";CN={}", param(name))
    };
    Some(format!("ORGANIZER{cn}:mailto:{mail}"))
}

/// schedule.ics: one event per unit.
pub fn calendar(l: &Loaded) -> String {
    let c = &l.campaign;
    let stamp = Campaign::date(&c.notice.date)
        .format("%Y%m%dT000000Z")
        .to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        format!("PRODID:-//kaohe//{}//ZH", env!("CARGO_PKG_VERSION")),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", text(&c.schedule.title)),
        format!("X-WR-TIMEZONE:{TZID}"),
        "BEGIN:VTIMEZONE".into(),
        format!("TZID:{TZID}"),
        "BEGIN:STANDARD".into(),
        "DTSTART:19700101T000000".into(),
        "TZOFFSETFROM:+0800".into(),
        "TZOFFSETTO:+0800".into(),
        "TZNAME:CST".into(),
        "END:STANDARD".into(),
        "END:VTIMEZONE".into(),
    ];
    let organizer = organizer(l);
    for u in &c.units {
        let d = Campaign::date(&u.date).format("%Y%m%d").to_string();
        let (a, b) = parse_slot(&u.time).expect("checked on load");
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", uid(&c.id, &u.name)),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;TZID={TZID}:{d}T{:02}{:02}00", a / 60, a % 60),
            format!("DTEND;TZID={TZID}:{d}T{:02}{:02}00", b / 60, b % 60),
            format!("SUMMARY:{}", text(&format!("{}：{}", c.name, u.name))),
            format!("DESCRIPTION:{}", text(&c.schedule.note)),
        ]);
        let place = u
            .location
            .as_deref()
            .or(c.schedule.location.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(p) = place {
            lines.push(format!("LOCATION:{}", text(p)));
        }
        if let Some(o) = &organizer {
            lines.push(o.clone());
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        fold(&l, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_and_escape() {
        let mut out = String::new();
        fold(&"考".repeat(40), &mut out);
        assert!(out.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(text("a,b;c\\d"), "a\\,b\\;c\\\\d");
        let l = crate::campaign::load(None).unwrap();
        let cal = calendar(&l);
        assert_eq!(cal.matches("BEGIN:VEVENT").count(), 25);
        assert!(cal.contains("DTSTART;TZID=Asia/Shanghai:20181114T100000"));
        assert!(cal.contains("ORGANIZER;CN=\"张垣\":mailto:601258421@qq.com"));
    }

    #[test]
    fn uids_follow_the_unit_not_its_place() {
        assert_eq!(
            uid("zhongwei-2018", "市公安局"),
            uid("zhongwei-2018", "市公安局")
        );
        assert_ne!(
            uid("zhongwei-2018", "市公安局"),
            uid("zhongwei-2018", "市林业局")
        );
        assert_ne!(
            uid("zhongwei-2018", "市公安局"),
            uid("wuzhong-2019", "市公安局")
        );
        assert!(uid("吴忠 2019", "x").is_ascii());
    }
}
