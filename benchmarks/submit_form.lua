-- wrk script: POST /s/{counter} (the citizen's HTML form, form-urlencoded) with a fresh
-- one-time key and a different client address (so a different device) per request, and
-- the same-origin header a browser sends; counts 303 (stored) per thread.
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
  created, other = 0, 0
  math.randomseed(id * 104729)
end

request = function()
  seq = seq + 1
  local counter = counter_list[(seq % #counter_list) + 1]
  local a = {}
  for i = 1, 9 do a[i] = math.random(1, 4) end
  local body = string.format(
    'key=form-%s-%d-%d&lang=id&persyaratan=%d&prosedur=%d&waktu=%d&biaya=%d&produk=%d' ..
    '&kompetensi=%d&perilaku=%d&pengaduan=%d&sarana=%d',
    os.getenv("RUN_ID") or "0", id, seq, a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9])
  -- Each wrk run (warm-up, measured run, each round) uses its own addresses: the device
  -- interval would refuse a device seen at the same counter minutes before.
  local base = tonumber(os.getenv("IP_BASE") or "100")
  local ip = string.format("10.%d.%d.%d", base + id, math.floor(seq / 250) % 250, seq % 250)
  return wrk.format("POST", "/s/" .. counter,
    {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = ip,
     ["Sec-Fetch-Site"] = "same-origin", ["User-Agent"] = "bench"}, body)
end

response = function(status, headers, body)
  if status == 303 then created = created + 1
  else
    other = other + 1
    if other <= 3 then io.write("unexpected status " .. status .. "\n") end
  end
end

done = function(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); o = o + t:get("other")
  end
  io.write(string.format("STATUS created=%d duplicate=0 other=%d\n", c, o))
end
