//! JSON values compared the way JSON Schema compares them: numbers by their
//! mathematical value (`1` equals `1.0`), so `enum`, `const`, `uniqueItems`,
//! the bounds and `multipleOf` all agree with the specification rather than
//! with `serde_json`'s representation of a number.

use std::cmp::Ordering;
use std::fmt::Write;

use serde_json::{Number, Value};

/// The number as an exact integer, when it is one (`3`, `3.0`, `-2e3`).
fn as_int(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    // Exact: every integral f64 below 2^127 converts without rounding.
    (f.fract() == 0.0 && f.abs() < 1.7e38).then_some(f as i128)
}

fn as_f64(n: &Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// Whether the number has no fractional part (JSON Schema's `integer`).
pub fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

pub fn cmp(a: &Number, b: &Number) -> Ordering {
    match (as_int(a), as_int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => as_f64(a).partial_cmp(&as_f64(b)).unwrap_or(Ordering::Equal),
    }
}

/// JSON Schema equality: numbers by value, objects regardless of key order.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp(x, y) == Ordering::Equal,
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// A string that is equal for two values exactly when [`equal`] says so, for
/// `uniqueItems` in linear time (keys sorted, numbers in one canonical form).
pub fn canonical_key(v: &Value) -> String {
    let mut out = String::new();
    write_key(v, &mut out);
    out
}

fn write_key(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => match as_int(n) {
            Some(i) => {
                let _ = write!(out, "{i}");
            }
            None => {
                let _ = write!(out, "{:e}", as_f64(n));
            }
        },
        Value::Array(items) => {
            out.push('[');
            for item in items {
                write_key(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_key(&map[k], out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A finite number as `digits * 10^exp` with integer digits, from its
/// shortest round-trip decimal form (`0.0075` -> `(75, -4)`), so that
/// `multipleOf` is decided in decimal, as the document wrote it, and not in
/// binary floating point (where `0.0075 / 0.0001` is not an integer).
fn decimal(n: &Number) -> Option<(u128, i32)> {
    if let Some(i) = as_int(n) {
        return Some((i.unsigned_abs(), 0));
    }
    let text = format!("{:e}", as_f64(n).abs());
    let (mantissa, exp) = text.split_once('e')?;
    let mut exp: i32 = exp.parse().ok()?;
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    exp -= i32::try_from(frac.len()).ok()?;
    let digits: u128 = format!("{whole}{frac}").parse().ok()?;
    Some((digits, exp))
}

fn pow_mod(mut base: u128, mut exp: u32, m: u128) -> u128 {
    let mut acc = 1 % m;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul_mod(acc, base, m);
        }
        base = mul_mod(base, base, m);
        exp >>= 1;
    }
    acc
}

/// `a * b mod m` without overflow (operands are below `m`, which fits 2^64
/// for every divisor a JSON number produces: at most 17 significant digits).
fn mul_mod(a: u128, b: u128, m: u128) -> u128 {
    if m <= u128::from(u64::MAX) {
        a * b % m
    } else {
        // Fallback by doubling; only reached for integer divisors beyond 2^64.
        let (mut a, mut b, mut acc) = (a % m, b, 0u128);
        while b > 0 {
            if b & 1 == 1 {
                acc = (acc + a) % m;
            }
            a = (a << 1) % m;
            b >>= 1;
        }
        acc
    }
}

/// `multipleOf`: whether `value / divisor` is an integer, exactly, in decimal.
pub fn is_multiple(value: &Number, divisor: &Number) -> bool {
    let (Some((v, ve)), Some((d, de))) = (decimal(value), decimal(divisor)) else {
        return false;
    };
    if v == 0 {
        return true;
    }
    if d == 0 {
        return false;
    }
    if ve >= de {
        // v * 10^(ve - de) mod d == 0
        let shift = u32::try_from(ve - de).unwrap_or(u32::MAX);
        mul_mod(v % d, pow_mod(10, shift, d), d) == 0
    } else {
        // v must be a multiple of d * 10^(de - ve).
        let shift = u32::try_from(de - ve).unwrap_or(u32::MAX);
        match 10u128.checked_pow(shift).and_then(|p| p.checked_mul(d)) {
            Some(m) => v % m == 0,
            None => false,
        }
    }
}
