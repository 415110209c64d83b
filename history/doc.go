// Package history keeps every evaluation in Postgres, compactly: per
// request one row (constraint_id ”) with the totals, the constraint set
// and, in results, every violated constraint with its version, cost and
// violations. The versions of every constraint of a set are written once
// per set, to constraint_sets (SetVersions reads them). Satisfied
// constraints are implied by the set, so a 1,449-constraint ITC2021
// request costs one row, not 1,449. (Records written before migration
// 00004 kept a row per violated constraint; Rebuild reads both.)
//
// Rows land in evaluation_history, partitioned by day of the request's
// JetStream timestamp. Its primary key (request_ts, request_id,
// replay_id, constraint_id) makes a redelivered request write nothing,
// even one that evaluated differently: a record is one row, written
// whole or not at all. A replay writes under its own replay_id. A
// request time outside the retention window, give or take a day, is
// refused, so that no input can make a partition retention never drops.
//
// A Writer batches the rows of many records into one INSERT ... SELECT
// FROM unnest(...) ON CONFLICT DO NOTHING per batch, creates missing
// daily partitions on demand and drops those past the retention:
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	w, err := history.NewWriter(pool, history.Config{}, logger)
//	...
//	go w.Run(ctx) // until ctx ends; then flushes what is queued
//
//	done, err := w.Submit(ctx, history.Record{
//		RequestTS: md.Timestamp, StreamSeq: md.Sequence.Stream,
//		Result: res, Versions: set.VersionsJSON(),
//	})
//	if err != nil {
//		return err // queue full until ctx ended, or an invalid record
//	}
//	if err := <-done; errors.Is(err, history.ErrUnavailable) {
//		msg.NakWithDelay(time.Second) // Postgres is down: retry later
//	}
//
// Any past result can be read back with Rebuild:
//
//	res, err := history.Rebuild(ctx, pool, requestID, "")
package history
