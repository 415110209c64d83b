package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/flextime/flextime/cache"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// handle turns one request body into its result. The error, if any, wraps
// one of the classes Decide knows. A timeout or a sport without
// constraints is not an error: it is a result with a status saying so.
//
// ctx bounds every wait: the constraint source, the cache's Redis tier.
// An evaluation that outlives its timeout is counted in late.
func (c *Consumer) handle(ctx context.Context, data []byte, late *sync.WaitGroup) (*schemas.Result, *store.Set, error) {
	req, err := c.cfg.Limits.DecodeRequest(data)
	if err != nil {
		return nil, nil, badInput(err)
	}
	s := req.Schedule
	set, err := c.src.ConstraintSet(ctx, s.Sport)
	if err != nil {
		if errors.Is(err, schemas.ErrInvalid) {
			return nil, nil, badInput(err)
		}
		return nil, nil, outage(ctx, "constraint source", err)
	}
	set, err = set.Narrow(req.ConstraintIDs)
	if err != nil {
		return nil, nil, badInput(err)
	}
	var res *schemas.Result
	if set.Len() == 0 {
		res = &schemas.Result{
			ScheduleID: s.ID, Sport: s.Sport, Status: schemas.StatusError, ConstraintSet: set.ID,
			Error:   fmt.Sprintf("no active constraints for sport %q", s.Sport),
			Results: []schemas.ConstraintResult{},
		}
	} else if res, err = c.evaluateTimed(ctx, req, set, late); err != nil {
		return nil, nil, err
	}
	res.RequestID, res.Revision = req.RequestID, req.Revision
	res.EvaluatedAt = time.Now().UTC().Format(time.RFC3339Nano)
	return res, set, nil
}

// evaluateTimed evaluates in a goroutine of its own so that a request past
// EvalTimeout gets a timeout result now. The evaluation cannot be
// interrupted: it runs on (its context cancelled, so its cache I/O ends),
// counted in late; the worker keeps its slot until it ends, so that no
// more than Workers evaluations ever run at once.
func (c *Consumer) evaluateTimed(ctx context.Context, req *schemas.Request, set *store.Set, late *sync.WaitGroup) (*schemas.Result, error) {
	type out struct {
		res *schemas.Result
		err error
	}
	done := make(chan out, 1)
	start := time.Now()
	ectx, cancel := context.WithCancel(ctx)
	late.Add(1)
	go func() {
		defer late.Done()
		defer cancel()
		res, err := c.evaluate(ectx, req, set)
		done <- out{res, err}
	}()
	timer := time.NewTimer(c.cfg.EvalTimeout)
	defer timer.Stop()
	select {
	case o := <-done:
		return o.res, o.err
	case <-timer.C:
		cancel()
		s := req.Schedule
		return &schemas.Result{
			ScheduleID: s.ID, Sport: s.Sport, Status: schemas.StatusTimeout, ConstraintSet: set.ID,
			Error:      fmt.Sprintf("evaluation took longer than %s", c.cfg.EvalTimeout),
			Results:    []schemas.ConstraintResult{},
			DurationUS: time.Since(start).Microseconds(),
		}, nil
	}
}

// evaluate scores the request's schedule under set. A panic is recovered
// here, logged with its stack, and returned as ErrPanic.
func (c *Consumer) evaluate(ctx context.Context, req *schemas.Request, set *store.Set) (res *schemas.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.met.Panics.Inc()
			c.log.Error("panic while evaluating", "request_id", req.RequestID,
				"schedule_id", req.Schedule.ID, "panic", r, "stack", string(debug.Stack()))
			res, err = nil, fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	if c.testHook != nil {
		c.testHook(req)
	}
	start := time.Now()
	s := req.Schedule
	all := req.Detail == schemas.DetailAll
	var e *modelEntry
	if c.cache != nil {
		var outcome cache.Outcome
		res, outcome, err = c.cache.Evaluate(ctx, s, set, all, func() (*evaluator.Model, error) {
			var err error
			e, err = c.models.get(set, s)
			if err != nil {
				return nil, err
			}
			return e.model, nil
		})
		if err != nil {
			return nil, classify(err)
		}
		if e == nil { // a repeat: the model was not needed, but the counters are
			if e, err = c.models.get(set, s); err != nil {
				return nil, classify(err)
			}
		}
		e.count(res, all)
		c.log.Debug("evaluated", "request_id", req.RequestID, "outcome", outcome)
	} else {
		e, err = c.models.get(set, s)
		if err != nil {
			return nil, classify(err)
		}
		st := e.state()
		if err := st.Load(s); err != nil {
			return nil, classify(err)
		}
		res = st.Report(s.ID, s.Sport, all)
		for ci := range e.counters {
			if st.Deviation(ci) > 0 {
				e.counters[ci][1].Inc()
			} else {
				e.counters[ci][0].Inc()
			}
		}
		e.release(st)
	}
	d := time.Since(start)
	c.met.Duration.Observe(d.Seconds())
	res.DurationUS = d.Microseconds()
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug("evaluated", "request_id", req.RequestID, "schedule_id", s.ID,
			"constraints", set.Len(), "duration", d)
	}
	return res, nil
}

// classify maps an evaluator error to a class: the evaluator only fails on
// bad input.
func classify(err error) error {
	if errors.Is(err, evaluator.ErrInput) || errors.Is(err, schemas.ErrInvalid) {
		return badInput(err)
	}
	return err
}
