-- Zones of the virtio-loopback audio appliance, for WirePlumber 0.4
-- (Debian 12). Installed as /etc/wireplumber/main.lua.d/51-vlo-zones.lua.
--
-- Each zone has its own virtual sound card whose ALSA card id is the zone's
-- name (set by the appliance's udev rule from the adapter's --label), and
-- 80-vlo-zone-names.rules names it "alsa_card.vlo.<zone>" for PipeWire, so
-- its ALSA nodes are alsa_output.vlo.<zone>.<profile>. (PipeWire 0.3.65 has
-- no property with the card id itself: api.alsa.card is the index.) The
-- sink gets a stable node.name "vlo.zone.<zone>", which the zone router of
-- vlo-zoned puts in the "default" metadata (target.object) of every stream
-- of the zone, and a priority: the highest is the default sink, used by
-- streams of no zone. Keep this list in step with /etc/vlo/zones.conf.
local vlo_zones = {
  -- name        description              priority (session and driver)
  { "driver",    "Driver zone",           2000 },
  { "chimes",    "Chimes (safety) zone",  1900 },
  { "passenger", "Passenger zone",        1800 },
  { "rear",      "Rear zone",             1700 },
}

-- A zone card's "PCM Playback Volume" is its backend's own volume, the
-- zone's volume in the head unit's mixer: PipeWire keeps its hands off it
-- and applies its volume (the zone router's ducking among it) in software,
-- so the two never mix and a duck of N dB is N dB.
table.insert(alsa_monitor.rules, {
  matches = { { { "device.name", "matches", "alsa_card.vlo.*" } } },
  apply_properties = { ["api.alsa.soft-mixer"] = true },
})

for _, z in ipairs(vlo_zones) do
  local name, description, priority = z[1], z[2], z[3]
  table.insert(alsa_monitor.rules, {
    matches = {
      {
        { "node.name", "matches", "alsa_output.vlo." .. name .. ".*" },
      },
    },
    apply_properties = {
      ["node.name"] = "vlo.zone." .. name,
      ["node.description"] = description,
      ["node.nick"] = name,
      ["priority.session"] = priority,
      ["priority.driver"] = priority,
      -- A zone's card is always there while the zone runs: never suspend
      -- it (suspending closes the PCM, and the backend's real card).
      ["session.suspend-timeout-seconds"] = 0,
    },
  })
  -- The card's capture side, if any, keeps its name apart from the sink's.
  table.insert(alsa_monitor.rules, {
    matches = {
      {
        { "node.name", "matches", "alsa_input.vlo." .. name .. ".*" },
      },
    },
    apply_properties = {
      ["node.name"] = "vlo.zone." .. name .. ".capture",
      ["node.description"] = description .. " (capture)",
    },
  })
end

-- The zone router alone decides where a stream of a zone goes. WirePlumber
-- must not bring back a target it remembered from an earlier run of the
-- same application (restore-stream would set target.node), which would win
-- over the default sink for streams of no zone and confuse moves.
stream_defaults.properties["restore-target"] = false
