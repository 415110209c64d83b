// Package broker is flextime's side of NATS JetStream: the subjects and
// streams of CONTRACT §3 as code, the client connection, and the embedded
// server that `flextime serve` starts when no NATS_URL is given.
//
// Subjects are built from a schedule's own sport and id, each passed
// through Token, which replaces every character other than an ASCII
// letter, digit, '-' or '_' with '_':
//
//	flextime.eval.<sport>.<schedule_id>     requests       FLEXTIME_EVAL
//	flextime.results.<sport>.<schedule_id>  results        FLEXTIME_RESULTS
//	flextime.dlq.<sport>                    dead letters   FLEXTIME_DLQ
//	flextime.constraints.changed            core NATS, no stream
//
// The streams are declared by StreamConfigs and made so on a server by
// ApplyStreams, which is idempotent and reports what it changed. Every
// stream deduplicates by the Nats-Msg-Id header within the DEDUP_WINDOW.
//
// A service without NATS_URL runs the server in-process:
//
//	emb, err := broker.StartEmbedded(broker.EmbeddedOptions{
//		Listen:  "127.0.0.1:14222",
//		DataDir: "./data",
//		Logger:  log,
//	})
//	if errors.Is(err, broker.ErrListenInUse) {
//		return usage(err) // another flextime (or anything) has the port
//	} else if err != nil {
//		return err
//	}
//	defer emb.Shutdown()
//
//	nc, js, err := broker.Connect(ctx, broker.ConnectOptions{URL: emb.ClientURL(), Name: "flextime serve", Logger: log})
//	if err != nil {
//		return err
//	}
//	defer nc.Drain()
//
//	o := broker.DefaultStreamOptions()
//	o.StoreLimit = emb.MaxStore() // the server does not tell clients
//	changes, err := broker.ApplyStreams(ctx, js, o)
//	if err != nil {
//		return err
//	}
//	for _, c := range changes {
//		log.Info("stream", "name", c.Stream, "action", c.Action) // created, updated or unchanged
//	}
//	_, err = js.Publish(ctx, broker.EvalSubject("mbb", "big12-mbb-2025-26"), body, jetstream.WithMsgID(requestID))
//
// Before consuming, check the server: nats-server older than
// MinServerVersion (2.10.23) ignores TermWithReason and redelivers every
// dead letter forever, so serve refuses it:
//
//	if err := broker.CheckServerVersion(nc); err != nil {
//		return usage(err) // names the server's version and the minimum
//	}
//
// ApplyStreams refuses, before making anything, streams whose
// STREAM_MAX_BYTES x replicas do not fit the JetStream store
// (ErrStoreTooSmall) and replicas on a server outside a cluster
// (ErrNotClustered). The embedded server syncs every write to disk unless
// EmbeddedOptions.SyncInterval relaxes it.
//
// The stream configurations use only settings nats-server 2.9 knows, so
// `flextime streams apply` works on an old server too; consuming from one
// does not.
package broker
