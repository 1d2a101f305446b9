//! Studio forms: reading a posted form (CSRF checks first), handing its
//! fields to an operation as the JSON object the API takes, and showing a
//! refusal next to the fields it names.

use super::Session;
use crate::crypto;
use crate::http::body::Body;
use crate::http::context::{Ctx, Incoming};
use crate::http::ApiError;
use crate::identity::validate::FieldError;
use serde_json::{Map, Value};

/// A posted form, its CSRF checks passed.
pub struct Form {
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The value of `name` ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The action the form asks for (its hidden `intent`).
    pub fn intent(&self) -> String {
        self.get("intent")
    }

    /// The named fields as JSON strings; an empty field is left out (the
    /// operation then says "is required" where it is), as an API client that
    /// omitted it would be told.
    pub fn strings(&self, names: &[&str]) -> Map<String, Value> {
        let mut map = Map::new();
        for name in names {
            let v = self.get(name);
            if !v.trim().is_empty() {
                map.insert((*name).to_string(), Value::String(v.trim().to_string()));
            }
        }
        map
    }

    /// [`Form::strings`] as the body an operation parses.
    pub fn body(&self, names: &[&str]) -> Body {
        Body::from_object(self.strings(names))
    }
}

/// Reads the posted form of a signed-in page: the Origin/Sec-Fetch-Site
/// check, then the session-bound token (`csrf`), compared in constant time.
pub async fn read(ctx: &Ctx, inc: &mut Incoming, session: &Session) -> Result<Form, ApiError> {
    crate::studio::auth::check_same_origin(ctx, &inc.headers)?;
    let fields = inc.form().await?;
    let form = Form { fields };
    if !crypto::ct_eq(form.get("csrf").as_bytes(), session.csrf.as_bytes()) {
        return Err(ApiError::Forbidden(
            "the form expired or did not come from this page; reload and try again".into(),
        ));
    }
    Ok(form)
}

/// Refuses a form whose `intent` is none of `known` (a 400 page).
pub fn expect_intent(form: &Form, known: &[&str]) -> Result<String, ApiError> {
    let intent = form.intent();
    if known.contains(&intent.as_str()) {
        Ok(intent)
    } else {
        Err(ApiError::bad_request("unknown_intent", format!("this page has no form action {intent:?}")))
    }
}

/// What a refused form shows: messages per field and one for the page.
#[derive(Debug, Default)]
pub struct FieldErrors {
    pub fields: Vec<FieldError>,
    pub page: Option<String>,
}

impl FieldErrors {
    pub fn none() -> FieldErrors {
        FieldErrors::default()
    }

    /// A 422 goes next to its fields (those in `shown`; any other field's
    /// problem is listed on the page); another refusal is one sentence.
    pub fn from_error(err: &ApiError, shown: &[&str]) -> FieldErrors {
        match err {
            ApiError::Invalid(list) => {
                let (mine, other): (Vec<_>, Vec<_>) =
                    list.iter().cloned().partition(|e| shown.contains(&e.field.as_str()));
                let page = (!other.is_empty())
                    .then(|| other.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; "));
                FieldErrors { fields: mine, page }
            }
            e => FieldErrors { fields: Vec::new(), page: Some(e.message()) },
        }
    }

    /// The message for `field`, starting with the field's own name as a person reads it.
    pub fn get(&self, field: &str) -> Option<String> {
        self.fields.iter().find(|e| e.field == field).map(|e| e.message.clone())
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|e| e.field == field)
    }
}
