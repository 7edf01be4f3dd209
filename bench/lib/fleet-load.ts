/**
 * A fleet of polling bouncers driven by wrk: each wrk thread owns a share of the keys and polls
 * each of them once per interval, on a schedule of its own (a LuaJIT clock through ffi), so the
 * rate is the fleet's and not as fast as the server answers. A Node.js generator for 1,000 polls
 * a second took most of a core on this machine; wrk takes a few per cent of one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWrkWithOutput, WrkResult } from './wrk';

export interface FleetRun {
  url: string;
  keys: string[];
  intervalMs: number;
  seconds: number;
  connections: number;
  threads?: number;
}

export interface FleetResult extends WrkResult {
  /** Decisions counted in the `new` arrays of every answer (each fleet bouncer should get each added one once). */
  new_received: number;
}

/**
 * wrk calls `delay` before each request of a connection: each call takes the thread's next slot,
 * `spacing` after the one before, so requests leave at the schedule's pace whatever the answers'
 * latency (a late answer delays only its own connection). `request` takes the next key in turn,
 * so each key polls once per interval. `response` counts the decisions in `new` (without parsing
 * the JSON: the body's `"new":` array, its `"value":` members).
 */
const SCRIPT = `
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } fleet_timespec;
int clock_gettime(int clk_id, fleet_timespec *tp);
]]
local ts = ffi.new("fleet_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local counter = 0
all_threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(all_threads, thread)
end

function init(args)
  local threads = tonumber(os.getenv("FLEET_THREADS"))
  keys = {}
  local i = 0
  for line in io.lines(os.getenv("FLEET_KEYS")) do
    if i % threads == id then keys[#keys + 1] = line end
    i = i + 1
  end
  local interval = tonumber(os.getenv("FLEET_INTERVAL_MS"))
  spacing = interval / #keys
  started = now_ms() + id * spacing / threads
  slot = 0
  turn = 0
  news = 0
  path = os.getenv("FLEET_PATH")
end

function delay()
  local due = started + slot * spacing
  slot = slot + 1
  local wait = due - now_ms()
  if wait < 1 then return 0 end
  return math.floor(wait)
end

function request()
  turn = turn % #keys + 1
  return wrk.format("GET", path, { ["X-Api-Key"] = keys[turn] })
end

function response(status, headers, body)
  if status ~= 200 then
    last_error = status .. " " .. string.sub(body, 1, 200)
    return
  end
  local at = string.find(body, '"new":', 1, true)
  if not at or string.sub(body, at + 6, at + 6) ~= "[" then return end
  local list = string.match(body, "^%b[]", at + 6)
  local from = 1
  while true do
    local hit = string.find(list, '"value":', from, true)
    if not hit then break end
    news = news + 1
    from = hit + 8
  end
end

extra_report = function()
  local total = 0
  for _, t in ipairs(all_threads) do total = total + t:get("news") end
  io.write(string.format('FLEET_JSON {"new_received":%d}\\n', total))
end
`;

/** One wrk process polling the stream of `url` with `keys`, each once per `intervalMs`, for `seconds`. */
export async function runFleet(run: FleetRun): Promise<FleetResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-fleet-'));
  const keysFile = join(dir, 'keys.txt');
  writeFileSync(keysFile, run.keys.join('\n') + '\n');
  const threads = run.threads ?? 2;
  const { result, stdout } = await runWrkWithOutput({
    url: run.url,
    connections: run.connections,
    threads,
    seconds: run.seconds,
    script: SCRIPT,
    env: { FLEET_KEYS: keysFile, FLEET_THREADS: String(threads), FLEET_INTERVAL_MS: String(run.intervalMs), FLEET_PATH: '/v1/decisions/stream' },
  });
  const extra = JSON.parse(/FLEET_JSON (.*)/.exec(stdout)?.[1] ?? '{"new_received":0}') as { new_received: number };
  return { ...result, new_received: extra.new_received };
}
