// Builds for the bench, each at most once per run and only when its inputs
// changed: Dockyard's release worker (scripts/build.sh, into build/) and the
// floor worker (bench/floor, the same offline worker-build with the pinned
// wasm-bindgen CLI, binaryen's wasm-opt and npm's esbuild).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../tests/harness.mjs';

export const FLOOR_DIR = join(ROOT, 'bench', 'floor');
export const MAIN_WASM = join(ROOT, 'build', 'index_bg.wasm');
export const FLOOR_WASM = join(FLOOR_DIR, 'build', 'index_bg.wasm');

/** The newest mtime under `paths` (files or directories, recursively). */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) t = Math.max(t, newest([join(p, e)]));
    } else {
      t = Math.max(t, st.mtimeMs);
    }
  }
  return t;
}

const upToDate = (output, inputs) => existsSync(output) && statSync(output).mtimeMs >= newest(inputs);

/** The wasm-bindgen version a Cargo.lock pins. */
export function lockedBindgen(lockPath) {
  const m = readFileSync(lockPath, 'utf8').match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  return m?.[1];
}

/** Fails unless the floor's lock, the main lock and the installed CLI agree on wasm-bindgen. */
export function checkBindgen() {
  const main = lockedBindgen(join(ROOT, 'Cargo.lock'));
  const floor = lockedBindgen(join(FLOOR_DIR, 'Cargo.lock'));
  const cli = spawnSync('wasm-bindgen', ['--version'], { encoding: 'utf8', env: buildEnv() }).stdout?.trim().split(' ').pop();
  if (main !== floor) {
    throw new Error(`bench/floor/Cargo.lock pins wasm-bindgen ${floor} but Cargo.lock pins ${main}: update bench/floor/Cargo.toml's pin and run \`cargo update -p wasm-bindgen\` there`);
  }
  if (cli !== main) throw new Error(`the wasm-bindgen CLI is ${cli ?? 'missing'}, Cargo.lock pins ${main}: run bash scripts/setup.sh`);
  return main;
}

function sh(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

const buildEnv = () => ({
  ...process.env,
  PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}`,
  WASM_BINDGEN_BIN: 'wasm-bindgen',
  WASM_OPT_BIN: join(ROOT, 'node_modules', '.bin', 'wasm-opt'),
  ESBUILD_BIN: join(ROOT, 'node_modules', '.bin', 'esbuild'),
  // Shared with the main crate: crates of the same version, features and
  // profile compile once.
  CARGO_TARGET_DIR: join(ROOT, 'target'),
});

/** scripts/build.sh unless build/ is newer than every input (or `force`). Returns whether it built. */
export function buildMain({ force = false } = {}) {
  const inputs = ['src', 'Cargo.toml', 'Cargo.lock', '.cargo', 'schema'].map((p) => join(ROOT, p));
  if (!force && upToDate(MAIN_WASM, inputs) && existsSync(join(ROOT, 'build', 'worker', 'shim.mjs'))) return false;
  sh('bash', [join(ROOT, 'scripts', 'build.sh')], { cwd: ROOT, env: { ...process.env, DOCKYARD_SKIP_BUILD: '' } });
  return true;
}

/** worker-build --release in bench/floor unless its build is newer than its inputs. */
export function buildFloor({ force = false } = {}) {
  const inputs = ['src', 'Cargo.toml', 'Cargo.lock'].map((p) => join(FLOOR_DIR, p));
  if (!force && upToDate(FLOOR_WASM, inputs) && existsSync(join(FLOOR_DIR, 'build', 'worker', 'shim.mjs'))) return false;
  sh('worker-build', ['--release'], { cwd: FLOOR_DIR, env: buildEnv() });
  return true;
}
