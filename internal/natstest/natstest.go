// Package natstest runs real NATS servers for tests: an in-process
// JetStream server per test on a random port, with its store in the
// test's temporary directory, as nats-server's own tests do. No mocks.
//
//	nc, js := natstest.Connect(t, natstest.Server(t))
//
// Tests against the machine's server (ExternalURL) are opt-in through
// NATS_URL.
package natstest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/internal/testenv"
)

// Server starts a JetStream server for the test and returns its client
// URL. It shuts down when the test ends.
func Server(t testing.TB) (url string) {
	t.Helper()
	return Start(t, t.TempDir()).ClientURL()
}

// Start starts a silent JetStream server storing in dir, on a random
// port, and shuts it down when the test ends. Shutting it down and
// starting another on the same dir finds the same streams and messages;
// Restart does that on the same port.
func Start(t testing.TB, dir string) *server.Server {
	t.Helper()
	return start(t, dir, server.RANDOM_PORT)
}

func start(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      port,
		JetStream: true,
		StoreDir:  dir,
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		t.Fatal("natstest: server not ready after 10s")
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		t.Fatal("natstest: JetStream did not start")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

// Restart shuts srv (from Start or Server) down, waits until it has
// stopped, and starts a new server on the same store and port, so that
// connections from Connect reconnect to it.
func Restart(t testing.TB, srv *server.Server) *server.Server {
	t.Helper()
	// StoreDir is the "jetstream" directory the server made inside ours.
	dir := srv.StoreDir()
	if filepath.Base(dir) == server.JetStreamStoreDir {
		dir = filepath.Dir(dir)
	}
	port := srv.Addr().(*net.TCPAddr).Port
	srv.Shutdown()
	srv.WaitForShutdown()
	return start(t, dir, port)
}

// Connect connects to url with a JetStream context. The connection
// reconnects forever, so it survives a Restart on the same port, and
// closes when the test ends.
func Connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.Name("natstest"), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatalf("natstest: connecting to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: JetStream on %s: %v", url, err)
	}
	return nc, js
}

// ExternalURL returns NATS_URL, the machine's server, for the tests that
// run against it (CI sets nats://127.0.0.1:4222, a nats-server that may be
// as old as 2.9). Such tests are opt-in: without NATS_URL the test skips.
// A NATS_URL that is unreachable or has no JetStream skips the test too,
// or fails it under CI=true. The server is shared, so a test must use
// stream names and subjects of its own there and delete them.
func ExternalURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("NATS_URL")
	if url == "" {
		t.Skip("NATS_URL is not set: set it (for example nats://127.0.0.1:4222) to run this test against that server")
	}
	nc, err := nats.Connect(url, nats.Name("natstest"), nats.Timeout(3*time.Second))
	if err != nil {
		testenv.Missing(t, "NATS at "+url+" (NATS_URL) is unreachable: "+err.Error())
		return ""
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
	}
	if err != nil {
		testenv.Missing(t, "NATS at "+url+" (NATS_URL) has no JetStream: "+err.Error())
		return ""
	}
	return url
}
