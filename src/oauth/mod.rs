//! OAuth: the authorization server and the protected-resource checks. Pure
//! logic only (flows take the clock and randomness as inputs). So far: the
//! grant and member-access model that each project's hub holds.

pub mod grants;
