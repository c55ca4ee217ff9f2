-- wrk script: POST /api/v1/responses with a unique idempotency key and device per request,
-- counting status codes per thread. COUNTERS is a comma-separated list of counter codes.
local threads = {}
local counter_list = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for code in string.gmatch(os.getenv("COUNTERS") or "", "[^,]+") do
    table.insert(counter_list, code)
  end
  seq = 0
  created, duplicate, other = 0, 0, 0
  math.randomseed(id * 7919)
end

request = function()
  seq = seq + 1
  local counter = counter_list[(seq % #counter_list) + 1]
  local a = {}
  for i = 1, 9 do a[i] = math.random(1, 4) end
  local body = string.format(
    '{"counter":"%s","idempotency_key":"bench-%s-%d-%d","device_id":"dev-%s-%d-%d",' ..
    '"answers":{"persyaratan":%d,"prosedur":%d,"waktu":%d,"biaya":%d,"produk":%d,' ..
    '"kompetensi":%d,"perilaku":%d,"pengaduan":%d,"sarana":%d}}',
    counter, os.getenv("RUN_ID") or "0", id, seq, os.getenv("RUN_ID") or "0", id, seq,
    a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9])
  -- Many citizens behind a reverse proxy: a different client address per device.
  local ip = string.format("10.%d.%d.%d", id, math.floor(seq / 250) % 250, seq % 250)
  return wrk.format("POST", "/api/v1/responses",
    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}, body)
end

response = function(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then duplicate = duplicate + 1
  else other = other + 1 end
end

done = function(summary, latency, requests)
  local c, d, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); d = d + t:get("duplicate"); o = o + t:get("other")
  end
  io.write(string.format("STATUS created=%d duplicate=%d other=%d\n", c, d, o))
end
