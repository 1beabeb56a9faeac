-- The appliance's system-wide WirePlumber 0.4 (vlo-wireplumber.service)
-- only: installed as /etc/vlo/wireplumber/bluetooth.lua.d/60-vlo-system.lua.
--
-- The Bluetooth monitor's logind module decides which logged-in user's
-- session may own Bluetooth audio; a system instance serves no session,
-- and without a seat it makes WirePlumber 0.4 give up at start. Bluetooth
-- itself (BlueZ on the system bus) stays available.
bluez_monitor.properties["with-logind"] = false
