//! Links people may attach to a payer or a tenant, e.g. its Cloud Intelligence Dashboards or
//! QuickSight: shown as a link beside the native charts, never embedded.

use url::Url;

use crate::error::{AppError, AppResult};

/// The longest link kept.
const MAX_LEN: usize = 2048;

/// A dashboard link as stored: `None` for an empty value (removes the link); otherwise an
/// absolute https URL with a host and no user name or password in it.
pub fn checked_dashboard_url(value: &str) -> AppResult<Option<String>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > MAX_LEN || value.chars().any(char::is_control) {
        return Err(AppError::invalid("dashboardUrl", format!("at most {MAX_LEN} characters on one line")));
    }
    let url = Url::parse(value).map_err(|_| AppError::invalid("dashboardUrl", "is not a valid URL"))?;
    if url.scheme() != "https" {
        return Err(AppError::invalid("dashboardUrl", "must start with https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AppError::invalid("dashboardUrl", "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::invalid("dashboardUrl", "must not carry a user name or password"));
    }
    Ok(Some(url.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_https_links_are_kept() {
        let quicksight = "https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/cudos-v5";
        assert_eq!(checked_dashboard_url(&format!("  {quicksight} ")).ok().flatten().as_deref(), Some(quicksight));
        assert_eq!(checked_dashboard_url("").ok(), Some(None), "empty removes the link");
        for bad in ["http://example.com/d", "javascript:alert(1)", "https://user:secret@example.com/", "//example.com", "https://", "data:text/html,x", &format!("https://example.com/{}", "a".repeat(2100)), "https://example.com/a\nb"] {
            let err = checked_dashboard_url(bad).err();
            assert!(matches!(err, Some(AppError::Validation { ref field, .. }) if field.as_deref() == Some("dashboardUrl")), "{bad:?} was accepted");
        }
    }
}
