-- wrk: GET my queue as the signed-in handler.
local token = os.getenv("TOKEN")
function request()
  return wrk.format("GET", "/api/v1/queue?limit=50", { ["Authorization"] = "Bearer " .. token })
end
function done(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
