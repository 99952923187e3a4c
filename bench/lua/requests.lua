-- wrk script of `make bench` (bench/wrkrun.py writes its data and reads its answer).
--
-- WRK_DATA names a file of requests, one per line: METHOD <tab> PATH <tab> TOKEN or - <tab> BODY or -.
-- Thread n of N sends lines n, n+N, n+2N, ... in turn (and starts over when they run out), so with as many
-- lines as requests every request is a different one: another product, another page, another shopper.
-- (With fewer lines than threads, every thread sends them all.)
-- WRK_KEYS, when set, gives each request an Idempotency-Key of its own, beginning with its value.
-- Every request carries Accept-Encoding: gzip, as a browser's does. The statuses are counted, and the
-- summary is written as JSON to WRK_OUT.

local data_file = os.getenv("WRK_DATA")
local key_prefix = os.getenv("WRK_KEYS")
local out_file = os.getenv("WRK_OUT")
-- wrk calls each thread's init() right after its setup(), before the next thread exists: the count comes
-- from outside
local count = tonumber(os.getenv("WRK_THREADS"))

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("index", counter - 1)
   table.insert(threads, thread)
end

local function split(line)
   local fields = {}
   for field in string.gmatch(line, "([^\t]*)\t?") do
      table.insert(fields, field)
      if #fields == 4 then break end
   end
   return fields
end

local lines = {}
local position = 0
local sent = 0
statuses = {}

function init(args)
   local all = {}
   for line in io.lines(data_file) do table.insert(all, line) end
   if #all == 0 then error("no request in " .. data_file) end
   for n, line in ipairs(all) do
      -- fewer requests than threads: every thread sends them all
      if #all < count or (n - 1) % count == index then
         local f = split(line)
         local headers = {["Accept-Encoding"] = "gzip"}
         if f[3] ~= "-" then headers["Authorization"] = "Bearer " .. f[3] end
         local body = nil
         if f[4] ~= "-" then
            body = f[4]
            headers["Content-Type"] = "application/json"
         end
         table.insert(lines, {method = f[1], path = f[2], headers = headers, body = body,
                              formatted = wrk.format(f[1], f[2], headers, body)})
      end
   end
end

function request()
   position = position % #lines + 1
   sent = sent + 1
   local r = lines[position]
   if key_prefix then
      r.headers["Idempotency-Key"] = key_prefix .. "-" .. index .. "-" .. sent
      return wrk.format(r.method, r.path, r.headers, r.body)
   end
   return r.formatted
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local counts = {}
   for _, t in ipairs(threads) do
      for status, n in pairs(t:get("statuses")) do
         counts[status] = (counts[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(counts) do
      table.insert(parts, string.format('"%d": %d', status, n))
   end
   local e = summary.errors
   local out = io.open(out_file, "w")
   out:write(string.format(
      '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "status_errors": %d, ' ..
      '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}, ' ..
      '"statuses": {%s}}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
      latency.max, latency.mean, table.concat(parts, ", ")))
   out:close()
end
