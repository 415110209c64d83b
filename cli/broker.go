package cli

import (
	"strings"

	"github.com/flextime/flextime/broker"
)

// The JetStream settings flextime adds to CONTRACT §5: how durable the
// embedded server is, how big its store, and how many replicas a stream
// has in a cluster.
func init() {
	settings = append(settings,
		setting{"NATS_SYNC_INTERVAL", "always", "how often the embedded server syncs its store to disk: always (every write, before its ack) or a duration such as 2m, which is faster but loses up to that much acknowledged data in a power loss"},
		setting{"NATS_MAX_STORE", "", "bytes the embedded server's JetStream may store (with KiB, MiB, GiB, TiB); without it, three quarters of the free disk"},
		setting{"STREAM_REPLICAS", "1", "replicas of each stream, 1 to 5; more than 1 needs a JetStream cluster (use 3 there)"},
	)
	serveSettings = append(serveSettings, "NATS_SYNC_INTERVAL", "NATS_MAX_STORE", "STREAM_REPLICAS")
}

// readBrokerOptions reads the settings above into o.
func readBrokerOptions(cfg *config, o *serviceOptions) error {
	var err error
	if v := strings.TrimSpace(cfg.str("NATS_SYNC_INTERVAL")); v != "always" {
		d, perr := parseDuration(v)
		if perr != nil || d <= 0 {
			return cfg.bad("NATS_SYNC_INTERVAL", v, "always or a positive duration such as 2m")
		}
		o.syncInterval = d
	}
	if cfg.str("NATS_MAX_STORE") != "" {
		if o.maxStore, err = cfg.bytes("NATS_MAX_STORE"); err != nil {
			return err
		}
	}
	o.streams.Replicas, err = cfg.int("STREAM_REPLICAS", 1)
	return err
}

// embeddedOptions are the embedded server's settings.
func (o serviceOptions) embeddedOptions() broker.EmbeddedOptions {
	return broker.EmbeddedOptions{Listen: o.listen, DataDir: o.dataDir, SyncInterval: o.syncInterval, MaxStore: o.maxStore}
}
