package load

import (
	"fmt"
	"net"
	"net/netip"
)

// CheckLoopback returns an error unless addr (HOST:PORT) names a loopback
// address: "localhost" or an IP literal in 127.0.0.0/8 or ::1. Other host
// names are refused without being resolved.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("address %q is not a loopback address (pass -allow-remote to load another host)", addr)
	}
	return nil
}
