//! Redaction before anything reaches the audit trail: by field name (passwords, tokens,
//! secrets, codes, keys, credentials, ExternalIds) and by the shape of the value (our `pbt_`,
//! `pbr_`, `pbb_` secrets, JWTs, AWS secret keys and session tokens), whatever field holds it.

use serde_json::Value;

pub const REDACTED: &str = "[REDACTED]";

/// Field names (compared lower-cased, without `_` or `-`) whose values are never stored.
const SECRET_NAMES: &[&str] = &[
    "password",
    "currentpassword",
    "newpassword",
    "secret",
    "token",
    "accesstoken",
    "refreshtoken",
    "code",
    "signingkey",
    "credentials",
    "secretaccesskey",
    "sessiontoken",
    "externalid",
    "authorization",
    "smtpurl",
    "jwtsecret",
];

fn is_secret_name(name: &str) -> bool {
    let norm: String = name.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
    SECRET_NAMES.contains(&norm.as_str())
        || norm.ends_with("password")
        || norm.ends_with("secret")
        || norm.ends_with("secretkey")
        || norm.ends_with("signingkey")
}

fn is_b64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Whether one word looks like a secret, whatever its field.
fn looks_secret(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !is_b64url(c) && c != '.' && c != '/' && c != '+' && c != '=');
    if ["pbt_", "pbr_", "pbb_"].iter().any(|p| w.starts_with(p) && w.len() >= 20) {
        return true;
    }
    // JWT: three base64url parts, the first a JSON header (`eyJ`).
    let parts: Vec<&str> = w.split('.').collect();
    if parts.len() == 3 && w.starts_with("eyJ") && parts.iter().all(|p| !p.is_empty() && p.chars().all(is_b64url)) {
        return true;
    }
    // AWS secret access key (40 chars of base64) or a session token (long base64 blob).
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '/' || c == '+' || c == '=';
    let mixed = w.chars().any(|c| c.is_ascii_lowercase()) && w.chars().any(|c| c.is_ascii_uppercase()) && w.chars().any(|c| c.is_ascii_digit());
    if w.len() == 40 && w.chars().all(b64) && mixed && !w.chars().all(|c| c.is_ascii_hexdigit()) {
        return true;
    }
    if w.len() >= 100 && w.chars().all(b64) && mixed {
        return true;
    }
    false
}

/// A string with every secret-looking word replaced.
pub fn redact_text(text: &str) -> String {
    if !text.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == ':').any(looks_secret) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if looks_secret(word) {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == ':' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A JSON value with secret fields and secret-looking strings replaced by `[REDACTED]`.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if is_secret_name(&k) && !v.is_null() { Value::String(REDACTED.to_owned()) } else { redact(v) };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        Value::String(s) => Value::String(redact_text(&s)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_fields_are_redacted_by_name() {
        let v = redact(json!({
            "email": "a@b.example", "password": "hunter2 hunter2", "input": { "newPassword": "x", "currentPassword": "y",
            "refreshToken": "abc", "code": "123", "externalId": "ext", "signing_key": "k", "name": "Acme" },
            "policyDocument": "{\"Version\":\"2012-10-17\"}"
        }));
        assert_eq!(v["email"], "a@b.example");
        assert_eq!(v["password"], REDACTED);
        for k in ["newPassword", "currentPassword", "refreshToken", "code", "externalId", "signing_key"] {
            assert_eq!(v["input"][k], REDACTED, "{k}");
        }
        assert_eq!(v["input"]["name"], "Acme");
        assert_eq!(v["policyDocument"], "{\"Version\":\"2012-10-17\"}");
    }

    #[test]
    fn secret_values_are_redacted_by_shape() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let aws = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let v = redact(json!({
            "notes": format!("here is pbt_abcdefghijklmnopqrstuvwxyz012345 and {jwt}"),
            "x": aws,
            "list": ["pbr_abcdefghijklmnopqrstuvwxyz", "plain words", "123456789012", "arn:aws:iam::123456789012:role/PartnerBilling"],
            "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
        }));
        let text = v.to_string();
        assert!(!text.contains("pbt_") && !text.contains("pbr_") && !text.contains(jwt) && !text.contains(aws), "{text}");
        assert!(text.contains("here is [REDACTED] and [REDACTED]"), "{text}");
        assert_eq!(v["list"][1], "plain words");
        assert_eq!(v["list"][2], "123456789012");
        assert_eq!(v["list"][3], "arn:aws:iam::123456789012:role/PartnerBilling");
        assert_eq!(v["hash"], "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b");
    }
}
