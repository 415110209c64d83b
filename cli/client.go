package cli

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/flextime/flextime/broker"
)

// clientSettings are what the client commands (publish, results, streams)
// need to reach a server.
var clientSettings = []string{"NATS_URL", "NATS_CREDS", "NATS_LISTEN"}

// clientURL is the server a client command talks to: NATS_URL, or else the
// embedded server a local `flextime serve` runs on NATS_LISTEN.
func clientURL(cfg *config) string {
	if u := cfg.str("NATS_URL"); u != "" {
		return u
	}
	return "nats://" + cfg.str("NATS_LISTEN")
}

// connectClient connects a client command. The error says which server it
// could not reach and how to start one.
func connectClient(ctx context.Context, cmd *cobra.Command, name string) (*nats.Conn, jetstream.JetStream, error) {
	cfg := newConfig(cmd)
	url := clientURL(cfg)
	nc, js, err := broker.Connect(ctx, broker.ConnectOptions{URL: url, Creds: cfg.str("NATS_CREDS"), Name: name})
	if err != nil {
		if cfg.str("NATS_URL") == "" {
			return nil, nil, fmt.Errorf("%w (no NATS_URL: is `flextime serve` running with its embedded server?)", err)
		}
		return nil, nil, err
	}
	return nc, js, nil
}
