package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/internal/natstest"
)

// errorLines drops serve's JSON log lines from stderr, leaving the
// command line's own.
func errorLines(stderr string) string {
	var out strings.Builder
	for line := range strings.Lines(stderr) {
		if !strings.HasPrefix(line, "{") {
			out.WriteString(line)
		}
	}
	return out.String()
}

// runFor runs the command line with a deadline, so that a command that
// should have refused to start, and did not, fails the test instead of
// hanging it.
func runFor(t *testing.T, d time.Duration, args ...string) (status int, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out, errOut bytes.Buffer
	status = Main(ctx, args, strings.NewReader(""), &out, &errOut)
	return status, errorLines(errOut.String())
}

// TestServeBrokerSettings: the JetStream settings that cannot work end
// serve at start with status 2 and one line naming the setting, before
// any stream is made.
func TestServeBrokerSettings(t *testing.T) {
	_, constraints := sampleFiles(t)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"sync interval", []string{"--nats-sync-interval", "sometimes"}, []string{"--nats-sync-interval", "always or a positive duration"}},
		{"zero sync interval", []string{"--nats-sync-interval", "0"}, []string{"--nats-sync-interval"}},
		{"max store", []string{"--nats-max-store", "lots"}, []string{"--nats-max-store"}},
		{"no replicas", []string{"--stream-replicas", "0"}, []string{"--stream-replicas"}},
		{"six replicas", []string{"--stream-replicas", "6"}, []string{"STREAM_REPLICAS must be 1 to 5"}},
		{"replicas without a cluster", []string{"--stream-replicas", "3"}, []string{"STREAM_REPLICAS=3", "not in a cluster"}},
		{"store too small", []string{"--nats-max-store", "10GiB"}, []string{"STREAM_MAX_BYTES", "30GiB", "10GiB", "NATS_MAX_STORE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noServers(t)
			dir := t.TempDir()
			args := append([]string{"serve", "--constraints", constraints, "--data-dir", dir,
				"--nats-listen", "127.0.0.1:0", "--port", "0"}, c.args...)
			status, errOut := runFor(t, 30*time.Second, args...)
			if status != ExitBadInput || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("status %d, stderr %q; want 2 and one line", status, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not name %q", errOut, w)
				}
			}
		})
	}
}

// TestServeEmbeddedSync: the embedded server syncs every write unless
// NATS_SYNC_INTERVAL relaxes it; serve says which at start.
func TestServeEmbeddedSync(t *testing.T) {
	_, constraints := sampleFiles(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, `"sync_interval":"always"`},
		{[]string{"--nats-sync-interval", "2m"}, `"sync_interval":"2m0s"`},
	} {
		s := startServe(t, constraints, c.args...)
		if !strings.Contains(s.stderr.String(), c.want) {
			t.Errorf("serve %v: log has no %s:\n%s", c.args, c.want, s.stderr.String())
		}
		s.cancel()
		<-s.done
		s.done <- 0 // for startServe's cleanup
	}
}

// TestServeRefusesOldServer runs serve against NATS_URL. On the machine's
// Debian nats-server 2.9.10, which redelivers dead letters forever, serve
// must refuse to start: status 2, one line naming the server's version and
// the minimum. A newer server is served.
func TestServeRefusesOldServer(t *testing.T) {
	url := natstest.ExternalURL(t)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	version := nc.ConnectedServerVersion()
	nc.Close()
	if broker.CheckServerVersion(nc) == nil {
		t.Skipf("NATS_URL runs nats-server %s, new enough: nothing to refuse", version)
	}
	_, constraints := sampleFiles(t)
	noServers(t)
	t.Setenv("NATS_URL", url)
	status, errOut := runFor(t, 30*time.Second, "serve", "--constraints", constraints, "--port", "0")
	if status != ExitBadInput || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("status %d, stderr %q; want 2 and one line", status, errOut)
	}
	for _, w := range []string{"NATS_URL", version, broker.MinServerVersion} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr %q does not name %q", errOut, w)
		}
	}
}
