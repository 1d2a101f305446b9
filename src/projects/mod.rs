//! Projects: the Type model and its validation, draft edits, the diff between
//! draft and production with a semver suggestion. Pure logic.
