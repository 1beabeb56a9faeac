-- Test bench only (installed by pw-lib.sh as
-- /etc/wireplumber/bluetooth.lua.d/52-vlo-bench.lua): no Bluetooth in the
-- guest, and its logind module fails without systemd-logind, which makes
-- WirePlumber 0.4 give up at start.
bluez_monitor.enabled = false
