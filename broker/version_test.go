package broker

import (
	"errors"
	"strings"
	"testing"

	"github.com/flextime/flextime/internal/natstest"
)

func TestVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		have string
		want bool
	}{
		{"2.10.23", true}, {"2.10.24", true}, {"2.11.0", true}, {"2.15.2", true}, {"3.0.0", true},
		{"2.10.23-RC.1", true}, {"v2.12.1", true}, {"2.10.23+build", true},
		{"2.10.22", false}, {"2.9.10", false}, {"2.9.25", false}, {"1.99.99", false},
		{"", false}, {"2.10", false}, {"junk", false}, {"2.x.1", false},
	} {
		if got := versionAtLeast(c.have, MinServerVersion); got != c.want {
			t.Errorf("versionAtLeast(%q, %q) = %v, want %v", c.have, MinServerVersion, got, c.want)
		}
	}
}

// TestCheckServerVersion: the in-process server (the nats-server module
// flextime builds with) passes.
func TestCheckServerVersion(t *testing.T) {
	nc, _ := natstest.Connect(t, natstest.Server(t))
	if err := CheckServerVersion(nc); err != nil {
		t.Fatalf("in-process server %s: %v", nc.ConnectedServerVersion(), err)
	}
}

// TestExternalServerVersion runs against NATS_URL. On the machine's
// Debian nats-server 2.9.10 it must be refused, with an error naming that
// version and the minimum; a newer server must pass.
func TestExternalServerVersion(t *testing.T) {
	nc, _ := natstest.Connect(t, natstest.ExternalURL(t))
	have := nc.ConnectedServerVersion()
	err := CheckServerVersion(nc)
	if versionAtLeast(have, MinServerVersion) {
		if err != nil {
			t.Fatalf("server %s: %v", have, err)
		}
		return
	}
	if !errors.Is(err, ErrServerTooOld) {
		t.Fatalf("server %s: %v, want ErrServerTooOld", have, err)
	}
	for _, want := range []string{have, MinServerVersion} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
