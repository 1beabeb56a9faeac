-- The appliance's system-wide WirePlumber 0.4 (vlo-wireplumber.service)
-- only: installed as /etc/vlo/wireplumber/main.lua.d/60-vlo-system.lua and
-- read because the unit sets XDG_CONFIG_HOME=/etc/vlo, so a desktop
-- session's WirePlumber on the same machine keeps its defaults.
--
-- A system service has no D-Bus session bus, and WirePlumber 0.4 ends at
-- start (exit 70, "disconnected from pipewire" after "Failed to connect to
-- session bus" in the journal) while a module that needs one is on. Two of
-- its default modules do, and with either left on it still ends (tried in
-- the bench guest): device reservation (org.freedesktop.ReserveDevice1,
-- which hands a card over between desktop sessions; the appliance has one
-- PipeWire, the only user of the zone cards) and the Flatpak portal's
-- permission store (there are no sandboxed clients). Both are off here.
alsa_monitor.properties["alsa.reserve"] = false
default_access.properties["enable-flatpak-portal"] = false

-- No cameras on an audio appliance: the video monitors would only scan
-- /dev/video* (which the unit's DevicePolicy hides anyway).
v4l2_monitor.enabled = false
libcamera_monitor.enabled = false
