-- Test bench only (installed by pw-lib.sh as
-- /etc/wireplumber/main.lua.d/53-vlo-bench-guest.lua, after the appliance
-- bench's units/etc/wireplumber/main.lua.d/52-vlo-bench.lua, whose rules
-- the plain guest uses as they are): no device reservation, which the
-- appliance leaves on.
alsa_monitor.properties["alsa.reserve"] = false
