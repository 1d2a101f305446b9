//! The regular expressions of `pattern` and `patternProperties`.
//!
//! JSON Schema patterns are ECMA-262 regular expressions, so in the Worker
//! (wasm32) they run on the platform's own `RegExp`: the correct dialect, and
//! no regex engine in the bundle (a Rust engine with Unicode tables cost
//! hundreds of KiB of the wasm). A pattern is compiled with the `u` flag
//! (code points, `\p{..}` classes); one that only the legacy Annex B syntax
//! accepts (such as `\-` outside a class) is compiled without it, so every
//! pattern that JavaScript accepts is accepted.
//!
//! Native builds (`cargo test`) have no JavaScript, so they use `fancy-regex`,
//! which shares ECMA-262's syntax for everything the tests use (classes,
//! anchors, quantifiers, lookaround, backreferences) but not every detail
//! (`\d` and `\w` are Unicode-aware there, ASCII in ECMA-262). The
//! ECMA-specific behaviour is therefore checked end to end against workerd
//! (`tests/validation/`), not natively.
//!
//! Both engines backtrack for some patterns: a Type author can write a slow
//! pattern that slows down their own tool's calls; the platform's CPU limit
//! bounds one request.

pub use imp::Regex;

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = RegExp)]
        type JsRegExp;
        #[wasm_bindgen(catch, constructor, js_class = "RegExp")]
        fn new(pattern: &str, flags: &str) -> Result<JsRegExp, JsValue>;
        #[wasm_bindgen(method, js_class = "RegExp")]
        fn test(this: &JsRegExp, text: &str) -> bool;

        #[wasm_bindgen(js_name = Error)]
        type JsError;
        #[wasm_bindgen(method, getter, js_class = "Error")]
        fn message(this: &JsError) -> String;
    }

    /// A compiled ECMA-262 regular expression (the platform's `RegExp`).
    pub struct Regex(JsRegExp);

    impl Regex {
        pub fn new(pattern: &str) -> Result<Regex, String> {
            match JsRegExp::new(pattern, "u").or_else(|first| JsRegExp::new(pattern, "").map_err(|_| first)) {
                Ok(re) => Ok(Regex(re)),
                Err(e) => Err(e.dyn_into::<JsError>().map(|e| e.message()).unwrap_or_else(|_| "invalid".into())),
            }
        }

        /// True if the pattern matches anywhere in `text` (patterns are not anchored).
        pub fn is_match(&self, text: &str) -> bool {
            self.0.test(text)
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    /// A compiled regular expression (fancy-regex, native builds only).
    pub struct Regex(fancy_regex::Regex);

    impl Regex {
        pub fn new(pattern: &str) -> Result<Regex, String> {
            fancy_regex::Regex::new(pattern).map(Regex).map_err(|e| e.to_string())
        }

        /// True if the pattern matches anywhere in `text` (patterns are not
        /// anchored). A match that exceeds the backtracking limit counts as
        /// no match.
        pub fn is_match(&self, text: &str) -> bool {
            self.0.is_match(text).unwrap_or(false)
        }
    }
}
