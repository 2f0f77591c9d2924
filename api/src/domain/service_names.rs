//! Service names as the cost data gives them, shared by cost views and billing results.

use std::collections::BTreeMap;

/// Service code → the service's name as AWS shows it, from the cost data itself.
pub type ServiceNames = BTreeMap<String, String>;

/// What to show for a service: its name as the data gives it, or else the code.
pub fn service_label(code: &str, names: &ServiceNames) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_owned())
}

/// Records a row's service name for its code when it is a real name (not empty, not the code
/// itself, which ingestion stores when the source has no name). The first name seen stays.
pub fn note_service_name(names: &mut ServiceNames, code: &str, name: &str) {
    let name = name.trim();
    if !name.is_empty() && name != code && !names.contains_key(code) {
        names.insert(code.to_owned(), name.to_owned());
    }
}
