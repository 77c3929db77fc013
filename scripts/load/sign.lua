-- wrk: each request signs the next order from the ids file (one id per line), as the signed-in handler.
local ids = {}
local i = 0
local token = os.getenv("TOKEN")

function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
  -- Each wrk thread takes every n-th id so no order is signed twice.
  i = 0
end

local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function request()
  i = i + 1
  local id = ids[((i * 2 + (thread_index or 0)) % #ids) + 1]
  return wrk.format("POST", "/api/v1/orders/" .. id .. "/sign",
    { ["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0" })
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
