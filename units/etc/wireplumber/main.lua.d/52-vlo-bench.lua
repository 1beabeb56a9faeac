-- VM bench only (make install-bench: /etc/wireplumber/main.lua.d/): the
-- zones' "hardware" is snd-aloop, whose own card the zone backends use, so
-- PipeWire must leave it alone; the zone sinks run at the capture format
-- of the tests (S16LE, 48 kHz, stereo) so both ends of the loopback agree;
-- a new zone sink starts at 0 dB (WirePlumber's default is -24 dB), which
-- leaves the level checks their margins. The plain guest's PipeWire tests
-- use this file too (tests/e2e/guest/pw-lib.sh).
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
