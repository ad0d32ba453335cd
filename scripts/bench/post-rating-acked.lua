-- wrk script for scripts/bench-collector-pg.sh: post-rating.lua's requests, and every rating
-- the collector acknowledged (a 2xx whose result is "accepted" or "duplicate": stored) written
-- to a file, one rating_id per line, so the benchmark can check that none of them is missing
-- from the store afterwards (also after a kill -9 of a collector).
--   wrk ... -s scripts/bench/post-rating-acked.lua URL -- OFFSET FILE_PREFIX
-- Each wrk thread writes FILE_PREFIX-<thread>. `response` is defined at the top level
-- because wrk decides from the main script state whether to read response bodies.
dofile("scripts/bench/post-rating.lua")

local base_init = init
local out = nil

function init(args)
  base_init(args)
  if args[2] then out = io.open(args[2] .. "-" .. tostring(id or 0), "w") end
end

function response(status, headers, body)
  if not out or status < 200 or status > 299 then return end
  local rid = body:match('"rating_id":"([^"]+)"')
  local st = body:match('"status":"([a-z_]+)"')
  if rid and (st == "accepted" or st == "duplicate") then
    out:write(rid, "\n")
    out:flush()
  end
end
