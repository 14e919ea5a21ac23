#!/usr/bin/env bash
# The package as people install it (issue 10, point 3): pack kvlab, install the tarball into an empty
# project offline (from the tarball and the npm cache that `npm ci` filled), then run the installed
# `kvlab` (put, get, a 5-second fuzz, replay), import both entry points, and typecheck a small
# TypeScript file against the shipped types. Run by .ci/run and `npm run test:pack`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kvlab-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "pack-install: FAILED: $*" >&2; exit 1; }

cd "$root"
npm run build --silent
tgz="$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -n 1)"
echo "pack-install: packed $tgz ($(du -k "$work/$tgz" | cut -f1) KiB)"

mkdir "$work/app"
cd "$work/app"
echo '{ "name": "kvlab-pack-check", "version": "1.0.0", "private": true, "type": "module" }' > package.json
npm install --offline --no-audit --no-fund --loglevel=error "$work/$tgz"

[ "$(npx --offline kvlab put greeting hello --dir data)" = "ok 1" ] || fail "put"
[ "$(npx --offline kvlab get greeting --dir data)" = "hello" ] || fail "get"
npx --offline kvlab verify --dir data >/dev/null || fail "verify"
npx --offline kvlab fuzz --time 5s --seed 1 --crash torn --out ce.json >fuzz.txt || fail "fuzz: $(tail -n 3 fuzz.txt)"
grep -q 'nothing found. Rerun: kvlab fuzz --seed 1 --time 5s --crash torn --out ce.json' fuzz.txt || fail "rerun hint"
set +e
npx --offline kvlab fuzz --bug no-log-fsync --seed 1 --time 5s --out ce.json >/dev/null
found=$?
npx --offline kvlab replay ce.json >replay.txt
replayed=$?
set -e
[ "$found" = 6 ] && [ "$replayed" = 6 ] || fail "bug zoo fuzz exit $found, replay exit $replayed"
grep -q 'the guarantee broken' replay.txt || fail "replay story"

cat > api.mjs <<'JS'
import { openStore, memoryFileSystem, KvError } from 'kvlab';
import { ENGINE, runCampaign, BUGS, replay, checkEngine } from 'kvlab/checker';
const s = openStore('/db', { fs: memoryFileSystem() });
s.put('a', '1');
if (s.get('a') !== '1') throw new Error('get');
s.close();
if (typeof ENGINE.recover !== 'function' || typeof runCampaign !== 'function') throw new Error('checker');
if (BUGS.length === 0 || typeof replay !== 'function' || typeof KvError !== 'function') throw new Error('api');
// The lesson's entry point: kvlab's own engine passes its own checker.
if (!checkEngine(ENGINE, { runs: 20 }).ok) throw new Error('checkEngine');
console.log('api ok');
JS
[ "$(node api.mjs)" = "api ok" ] || fail "import"

cat > check.ts <<'TS'
import { openStore, type Store, type StoreStats, type ErrorCode } from 'kvlab';
import type { Engine, StoreIo, CampaignReport, CheckResult } from 'kvlab/checker';
const store: Store = openStore('data');
const stats: StoreStats = store.stats();
const code: ErrorCode = 'LOCKED';
const engine: Engine | undefined = undefined;
const io: StoreIo | undefined = undefined;
const report: CampaignReport | undefined = undefined;
const checked: CheckResult | undefined = undefined;
export const seen = [stats.keys, code, engine, io, report, checked];
TS
"$root/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false --target es2023 \
  --module nodenext --moduleResolution nodenext --typeRoots "$root/node_modules/@types" \
  --types node check.ts || fail "typecheck against the shipped types"
echo "pack-install: 1 passed, 0 failed"
