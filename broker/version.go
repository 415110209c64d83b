package broker

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
)

// MinServerVersion is the oldest nats-server flextime consumes from.
// Older servers ignore the reason of a terminated message
// (TermWithReason), so on nats-server 2.9 every dead letter is redelivered
// each ACK_WAIT and dead-lettered again once the deduplication window has
// passed, forever. 2.10.23 is also the release the Jepsen NATS report
// (2025) asks for at least.
const MinServerVersion = "2.10.23"

// CheckServerVersion returns nil when the server nc is connected to runs
// MinServerVersion or newer. Otherwise it returns an error wrapping
// ErrServerTooOld that names the server's version and the minimum; a
// version it cannot read is treated as too old, since nothing else can be
// relied on. A pre-release counts as its release (2.10.23-RC.1 passes).
func CheckServerVersion(nc *nats.Conn) error {
	have := nc.ConnectedServerVersion()
	if versionAtLeast(have, MinServerVersion) {
		return nil
	}
	if have == "" {
		have = "of unknown version"
	} else {
		have = "version " + have
	}
	return fmt.Errorf("NATS server at %s is %s, older than %s, the oldest flextime consumes from "+
		"(older servers redeliver dead letters forever): upgrade it: %w",
		nc.ConnectedUrlRedacted(), have, MinServerVersion, ErrServerTooOld)
}

// versionAtLeast compares major.minor.patch, ignoring any pre-release
// or build suffix; an unreadable version is never at least anything.
func versionAtLeast(have, want string) bool {
	h, ok1 := parseVersion(have)
	w, ok2 := parseVersion(want)
	if !ok1 || !ok2 {
		return false
	}
	for i := range h {
		if h[i] != w[i] {
			return h[i] > w[i]
		}
	}
	return true
}

func parseVersion(v string) ([3]int, bool) {
	var out [3]int
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}
