-- Test bench only (installed by pw-lib.sh as
-- /etc/wireplumber/main.lua.d/52-vlo-bench.lua): snd-aloop's own card is
-- the backends' "hardware", not a sink for PipeWire; the zone sinks use
-- the capture format of the checks, so the loopback's two ends agree; no
-- device reservation (there is no session bus in the plain guest); new
-- zone sinks at 0 dB instead of WirePlumber's -24 dB, for level margins.
alsa_monitor.properties["alsa.reserve"] = false
device_defaults.properties["default-volume"] = 1.0
table.insert(alsa_monitor.rules, {
  matches = { { { "device.name", "matches", "alsa_card.platform-snd_aloop*" } } },
  apply_properties = { ["device.disabled"] = true },
})
table.insert(alsa_monitor.rules, {
  matches = { { { "node.name", "matches", "vlo.zone.*" } } },
  apply_properties = {
    ["audio.format"] = "S16LE",
    ["audio.rate"] = 48000,
    ["audio.channels"] = 2,
    ["audio.position"] = "FL,FR",
  },
})
