//! Roles are stored words (`viewer`, `operator`, `admin`) on memberships and API tokens; the
//! one definition lives with the membership entity.

pub use entity::memberships::Role;

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;

    use super::Role;

    #[test]
    fn roles_are_ordered_and_keep_their_stored_words() {
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
        for (r, word) in [(Role::Viewer, "viewer"), (Role::Operator, "operator"), (Role::Admin, "admin")] {
            assert_eq!((r.to_value(), r.as_str(), r.to_string()), (word.to_owned(), word, word.to_owned()));
            assert_eq!(Role::try_from_value(&word.to_owned()).ok(), Some(r));
        }
        assert!(Role::try_from_value(&"root".to_owned()).is_err(), "an unknown stored role is an error, not a guess");
    }
}
