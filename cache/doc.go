// Package cache makes evaluation incremental across events and across
// instances. For each schedule under each constraint set it keeps the
// last evaluated state: live in process (at most CACHE_MAX_SIZE entries
// and CACHE_MAX_BYTES bytes, the models the states refer to included, each
// for CACHE_TTL), and as a compact snapshot in Redis, so that whichever
// instance receives the schedule's next event re-scores only what
// changed and reports what the move fixed or broke. Redis keeps each
// snapshot's generation beside it; an in-process entry older than that
// (another instance evaluated the schedule since) is passed over.
//
// Keys hold the constraint_set and the evaluator's code version, so a
// change to either invalidates by construction. Redis is an optimisation:
// when it is down the cache falls back to the in-process tier or a full
// evaluation, counts it, and logs once a minute; it never fails an
// evaluation. CACHE_VERIFY_RATE re-evaluates a sample in full and counts
// any disagreement.
//
//	c := cache.New(cache.Config{Redis: rdb, TTL: time.Hour})
//	defer c.Close()
//	res, outcome, err := c.Evaluate(ctx, schedule, set, false, compile)
package cache
