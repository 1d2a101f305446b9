//! The `code` kind (wasm32 glue): a Type's handler run in a Dynamic Worker
//! Loader isolate. The decisions are the pure [`super::code_plan`]; this file
//! only speaks to the runtime, which workers-rs has no binding for, through
//! `js_sys::Reflect`:
//! - `env.LOADER.get(id, () => workerCode)`: the isolate of this content
//!   hash, loaded on first use with the three sandbox modules
//!   (`src/js/setup.mjs`, `src/js/runner.mjs`, the handler as `handler.js`),
//!   `globalOutbound` = our `Gateway` entrypoint with the policy as `props`
//!   (`ctx.exports.Gateway({ props })`, `src/js/main.mjs`), an empty `env`,
//!   and the platform `limits`;
//! - `getEntrypoint().run(payload)`: one call over RPC, carrying the
//!   arguments, the secrets and the caller;
//! - two wall clocks: the runner races the handler against `timeout_ms`
//!   itself and answers `{kind: "timeout"}` with the `console.*` lines
//!   captured so far (so a timed-out call's audit record keeps them); the
//!   parent's RPC races a timer of `timeout_ms + RUNNER_GRACE_MS`, the
//!   backstop when the runner cannot answer (then without lines). Either way
//!   the call is over for us (the isolate may keep waiting on its own
//!   promise; the next call is served all the same).
//!
//! [`trial`] is the save-time check: the same modules loaded with no
//! outbound access (`globalOutbound: null`) and no secrets; the load itself
//! parses the source (Workers have no `eval`), and `describe()` reports
//! whether there is a default export with `run`.

use futures_util::future::{select, Either};
use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Delay;

use super::code_plan::{self, Plan, Reply, COMPATIBILITY_DATE};
use super::result::Failure;
use super::DataCall;
use crate::http::context::Ctx;
use crate::projects::types::{CodeSpec, MAX_CODE_SOURCE_BYTES};

/// The sandbox's modules (see their file docs).
const SETUP_JS: &str = include_str!("../js/setup.mjs");
const RUNNER_JS: &str = include_str!("../js/runner.mjs");
/// The loader binding in wrangler.toml.
const LOADER_BINDING: &str = "LOADER";

/// What one call produced: the answer or the failure, and the handler's
/// captured `console.*` lines (bounded) for the audit record.
pub struct CodeOutcome {
    pub result: Result<serde_json::Value, Failure>,
    pub logs: Vec<String>,
}

/// Runs the handler of `spec` for `call`.
pub async fn run(ctx: &Ctx, spec: &CodeSpec, call: &DataCall) -> CodeOutcome {
    let plan = Plan::new(spec, call);
    let failed = |failure| CodeOutcome { result: Err(failure), logs: Vec::new() };
    let reply = match invoke(ctx, spec, &plan, call).await {
        Ok(Some(reply)) => reply,
        Ok(None) => return failed(Failure::HandlerTimeout { limit_ms: plan.timeout_ms }),
        Err(text) => {
            worker::console_warn!("code tool {}: {text}", call.tool);
            return failed(code_plan::rpc_failure(&text, plan.timeout_ms));
        }
    };
    CodeOutcome { result: code_plan::answer(&reply, plan.timeout_ms), logs: code_plan::bounded_logs(&reply) }
}

/// `Ok(None)`: the wall clock ended the call.
async fn invoke(ctx: &Ctx, spec: &CodeSpec, plan: &Plan, call: &DataCall) -> Result<Option<Reply>, String> {
    let props = serde_json::json!({ "props": plan.policy });
    let exec: &worker::worker_sys::Context = ctx.exec.as_ref();
    let gateway = method(&get(exec, "exports")?, "Gateway", &[js(&props)?])?;
    let limits = code_plan::platform_limits(plan.cpu_ms);
    let code = worker_code(&spec.source, gateway, &limits)?;
    let entry = entrypoint(ctx, &plan.id, code)?;
    let promise = method(&entry, "run", &[js(&code_plan::payload(call, plan.timeout_ms))?])?;
    let rpc = Box::pin(JsFuture::from(js_sys::Promise::from(promise)));
    let backstop = plan.timeout_ms + code_plan::RUNNER_GRACE_MS;
    let timer = Box::pin(Delay::from(std::time::Duration::from_millis(backstop)));
    match select(rpc, timer).await {
        Either::Left((Ok(value), _)) => {
            let text = JSON::stringify(&value).map(String::from).unwrap_or_default();
            serde_json::from_str(&text).map(Some).map_err(|e| format!("unreadable runner reply: {e}"))
        }
        Either::Left((Err(e), _)) => Err(error_text(&e)),
        Either::Right(_) => Ok(None),
    }
}

/// The save-time trial load: `Ok(())`, or the problem to report (a syntax
/// error names its line; a module without a default `run` says so).
pub async fn trial(ctx: &Ctx, source: &str) -> Result<(), String> {
    if source.len() > MAX_CODE_SOURCE_BYTES {
        return Err(format!("the handler is {} bytes; the limit is {MAX_CODE_SOURCE_BYTES} (256 KiB)", source.len()));
    }
    let limits = code_plan::platform_limits(code_plan::MAX_CPU_MS);
    let load = async {
        let code = worker_code(source, JsValue::NULL, &limits)?;
        let entry = entrypoint(ctx, &code_plan::trial_id(source), code)?;
        let value = JsFuture::from(js_sys::Promise::from(method(&entry, "describe", &[])?)).await;
        value.map_err(|e| error_text(&e))
    };
    let described = load.await.map_err(|text| {
        code_plan::load_problem(&text).unwrap_or_else(|| {
            worker::console_warn!("code trial load: {text}");
            "the trial load failed (the code runtime is unavailable)".into()
        })
    })?;
    let flag = |k: &str| get(&described, k).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    if !flag("hasDefault") {
        return Err("the module has no default export (export default { async run(args, env) { ... } })".into());
    }
    if !flag("hasRun") {
        return Err("the module's default export has no run(args, env) function".into());
    }
    Ok(())
}

/// The `WorkerCode` of a sandbox: our two modules and the handler.
fn worker_code(source: &str, outbound: JsValue, limits: &serde_json::Value) -> Result<JsValue, String> {
    let code = js(&serde_json::json!({
        "compatibilityDate": COMPATIBILITY_DATE,
        // AsyncLocalStorage (setup.mjs keeps concurrent calls apart).
        "compatibilityFlags": ["nodejs_als"],
        "mainModule": "runner.js",
        "modules": { "setup.js": SETUP_JS, "runner.js": RUNNER_JS, "handler.js": source },
        "env": {},
        "limits": limits,
    }))?;
    Reflect::set(&code, &"globalOutbound".into(), &outbound).map_err(|e| error_text(&e))?;
    Ok(code)
}

/// The default entrypoint of the isolate `id`, loaded with `code` if the
/// loader does not hold it yet. The callback is `Object.prototype.valueOf`
/// bound to `code` (it returns `code` itself): a plain JS function, so no
/// Rust closure has to outlive this call or leak when the loader, holding
/// the isolate already, never calls it.
fn entrypoint(ctx: &Ctx, id: &str, code: JsValue) -> Result<JsValue, String> {
    let loader = get(&ctx.env, LOADER_BINDING)?;
    if loader.is_undefined() {
        return Err(format!("no {LOADER_BINDING} binding ([[worker_loaders]] in wrangler.toml)"));
    }
    let value_of: Function = get(&Object::new().into(), "valueOf")?.unchecked_into();
    let callback = value_of.bind0(&code);
    let stub = method(&loader, "get", &[JsValue::from_str(id), callback.into()])?;
    method(&stub, "getEntrypoint", &[])
}

fn js(value: &serde_json::Value) -> Result<JsValue, String> {
    JSON::parse(&value.to_string()).map_err(|e| error_text(&e))
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, String> {
    Reflect::get(target, &JsValue::from_str(key)).map_err(|e| error_text(&e))
}

/// `target[name](...args)`. Through `Reflect.apply`, never `f.apply(...)`:
/// an RPC stub answers *every* property, `apply` too, so `f.apply` would be
/// a remote call of a method named "apply" (and try to send `target` along).
fn method(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let f = get(target, name)?;
    let f: &Function = f.dyn_ref().ok_or_else(|| format!("{name} is not a function"))?;
    Reflect::apply(f, target, &args.iter().collect::<Array>()).map_err(|e| error_text(&e))
}

/// A thrown JS value as text (an Error's `message`, else its string form).
fn error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
