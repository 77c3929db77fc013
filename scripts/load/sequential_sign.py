#!/usr/bin/env python3
"""Sequential sign: one request at a time, each on a new TCP connection (Python's http.client, opened and closed
per request), as Request Tracker's sequential client was measured. Usage:
sequential_sign.py PORT TOKEN IDS_FILE COUNT [PATH]
With PATH (e.g. /livez) it times GET PATH instead, the same client against the static route, so the client's own
cost is visible beside the sign. Prints requests/s, p50 and p99 in ms, and non-2xx answers."""
import http.client
import sys
import time

port, token, ids_file, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
static = sys.argv[5] if len(sys.argv) > 5 else None
ids = [line.strip() for line in open(ids_file) if line.strip()]
if not static and len(ids) < count:
    sys.exit(f"only {len(ids)} ids for {count} signs")
samples, failures = [], 0
started = time.perf_counter()
for n in range(count):
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    if static:
        conn.request("GET", static)
    else:
        conn.request("POST", f"/api/v1/orders/{ids[n]}/sign",
                     headers={"Authorization": "Bearer " + token, "Content-Length": "0"})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    samples.append((time.perf_counter() - t) * 1000)
    if answer.status // 100 != 2:
        failures += 1
elapsed = time.perf_counter() - started
samples.sort()
print(f"requests/s {count / elapsed:.0f} p50 {samples[len(samples) // 2]:.2f} ms "
      f"p99 {samples[min(len(samples) - 1, len(samples) * 99 // 100)]:.2f} ms non-2xx {failures}")
