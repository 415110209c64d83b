package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flextime/flextime/schemas"
)

// Errors of this package. Test them with errors.Is.
var (
	// ErrInvalidConfig wraps every problem Config.Validate finds.
	ErrInvalidConfig = errors.New("history: invalid config")
	// ErrInvalidRecord is returned by Submit for a record that cannot be
	// written: no Result, no request id, no request timestamp or one
	// outside the history window (see Writer.Submit).
	ErrInvalidRecord = errors.New("history: invalid record")
	// ErrUnavailable is what a record's channel receives when Postgres
	// failed to take its rows, and what Submit returns when the queue
	// stayed full until its context ended. The caller should retry later:
	// the rows' keys make a retry write nothing twice.
	ErrUnavailable = errors.New("history: postgres unavailable")
	// ErrClosed is returned by Submit once Run has ended, and received by
	// records still queued when Run's shutdown deadline passed.
	ErrClosed = errors.New("history: writer closed")
	// ErrNotFound is returned by Rebuild when the request has no rows,
	// and by SetVersions for a set history never recorded.
	ErrNotFound = errors.New("history: not found")
)

// Record is one evaluation as history keeps it.
type Record struct {
	// RequestTS is the request's JetStream timestamp. Redelivery does not
	// change it, so it is the partition key and part of every row's key.
	RequestTS time.Time
	// StreamSeq is the request's stream sequence.
	StreamSeq uint64
	// Result is the evaluation's result message.
	Result *schemas.Result
	// Versions is the version of every constraint in the evaluated set,
	// by constraint id, as a JSON object (store.Set.VersionsJSON). It is
	// written once per constraint_set, to constraint_sets, not with each
	// request; nil writes nothing.
	Versions json.RawMessage
}

// summary is the detail of the row with constraint_id ”: the parts of a
// Result that have no column of their own.
type summary struct {
	Totals      schemas.Totals      `json:"totals"`
	Structure   []schemas.Violation `json:"structure,omitempty"`
	Changes     []schemas.Change    `json:"changes,omitempty"`
	Error       string              `json:"error,omitempty"`
	DurationUS  int64               `json:"duration_us"`
	EvaluatedAt string              `json:"evaluated_at,omitempty"` // as sent: the column holds microseconds
}

// columns are the columns every write fills, in the order of the row
// slices built below. constraint_id takes its default, ”: since
// migration 00004 a record is the one summary row, whose results column
// holds the violated constraints. version, kind, hard, deviation and cost
// stay NULL; rows written before then kept a row per violated constraint
// there, and Rebuild still reads them.
var columns = []string{
	"request_ts", "request_id", "replay_id", "schedule_id", "sport",
	"revision", "status", "constraint_set", "detail", "results", "stream_seq", "evaluated_at",
}

// rowSet holds the rows of one or more records (one row each) column by
// column, ready for unnest.
type rowSet struct {
	ts          []time.Time
	requestID   []string
	replayID    []string
	schedule    []string
	sport       []string
	revision    []*int64
	status      []string
	set         []string
	detail      []string
	results     []string
	streamSeq   []int64
	evaluatedAt []time.Time

	// The constraint sets the records name, one entry per record that
	// carries its set's versions, for constraint_sets.
	sets []setRow
}

// setRow is one constraint set's row of constraint_sets.
type setRow struct {
	id, sport string
	versions  json.RawMessage
}

func (s *rowSet) len() int { return len(s.ts) }

// appendSet appends every row of o.
func (s *rowSet) appendSet(o *rowSet) {
	s.ts = append(s.ts, o.ts...)
	s.requestID = append(s.requestID, o.requestID...)
	s.replayID = append(s.replayID, o.replayID...)
	s.schedule = append(s.schedule, o.schedule...)
	s.sport = append(s.sport, o.sport...)
	s.revision = append(s.revision, o.revision...)
	s.status = append(s.status, o.status...)
	s.set = append(s.set, o.set...)
	s.detail = append(s.detail, o.detail...)
	s.results = append(s.results, o.results...)
	s.streamSeq = append(s.streamSeq, o.streamSeq...)
	s.evaluatedAt = append(s.evaluatedAt, o.evaluatedAt...)
	s.sets = append(s.sets, o.sets...)
}

// row returns row i as COPY values.
func (s *rowSet) row(i int) []any {
	return []any{
		s.ts[i], s.requestID[i], s.replayID[i], s.schedule[i], s.sport[i],
		s.revision[i], s.status[i], s.set[i], s.detail[i], s.results[i], s.streamSeq[i], s.evaluatedAt[i],
	}
}

// buildRows turns rec into its one row: the summary in detail, and every
// constraint with a cost or a deviation, as the result lists it, in
// results. Satisfied constraints (listed when a request asked for
// detail=all) are left out: the constraint set and its versions imply
// them. One row per record makes the record the unit of idempotency: a
// redelivery that evaluated differently conflicts on the key as a whole
// and writes nothing, instead of adding rows to the first attempt's.
func buildRows(rec Record) (*rowSet, error) {
	res := rec.Result
	switch {
	case res == nil:
		return nil, fmt.Errorf("%w: no result", ErrInvalidRecord)
	case res.RequestID == "":
		return nil, fmt.Errorf("%w: no request id", ErrInvalidRecord)
	case rec.RequestTS.IsZero():
		return nil, fmt.Errorf("%w: no request timestamp", ErrInvalidRecord)
	}
	// Postgres keeps microseconds. Truncating here (as pgx does) keeps a
	// row in the UTC day its partition was chosen for.
	ts := rec.RequestTS.UTC().Truncate(time.Microsecond)
	evaluated, err := time.Parse(time.RFC3339Nano, res.EvaluatedAt)
	if err != nil {
		evaluated = ts
	}
	sum, err := json.Marshal(summary{
		Totals: res.Totals, Structure: res.Structure, Changes: res.Changes, Error: res.Error,
		DurationUS: res.DurationUS, EvaluatedAt: res.EvaluatedAt,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	kept := make([]schemas.ConstraintResult, 0, len(res.Results))
	for i := range res.Results {
		if violated(&res.Results[i]) {
			kept = append(kept, res.Results[i])
		}
	}
	results, err := json.Marshal(kept)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	s := &rowSet{
		ts: []time.Time{ts}, requestID: []string{res.RequestID}, replayID: []string{res.ReplayID},
		schedule: []string{res.ScheduleID}, sport: []string{res.Sport}, revision: []*int64{res.Revision},
		status: []string{res.Status}, set: []string{res.ConstraintSet}, detail: []string{string(sum)},
		results: []string{string(results)}, streamSeq: []int64{int64(rec.StreamSeq)},
		evaluatedAt: []time.Time{evaluated},
	}
	if rec.Versions != nil && res.ConstraintSet != "" {
		s.sets = []setRow{{id: res.ConstraintSet, sport: res.Sport, versions: rec.Versions}}
	}
	return s, nil
}

// violated reports whether r gets a row of its own. Anything nonzero
// counts, so that no scored constraint is ever lost.
func violated(r *schemas.ConstraintResult) bool { return r.Cost != 0 || r.Deviation != 0 }

// Querier is what Rebuild reads through: a *pgxpool.Pool, *pgx.Conn or
// pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// SetVersions returns the version of every constraint of the constraint
// set setID, by constraint id, as history recorded it: with Rebuild, which
// version of each constraint, satisfied ones included, scored a request.
// An unknown set is ErrNotFound.
func SetVersions(ctx context.Context, q Querier, setID string) (map[string]int, error) {
	var raw []byte
	if err := queryRow(ctx, q, `SELECT versions FROM constraint_sets WHERE id = $1`, []any{setID}, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: constraint set %q", ErrNotFound, setID)
	}
	var v map[string]int
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("history: versions of %s: %w", setID, err)
	}
	return v, nil
}

// Rebuild reads one request's record (replayID "" for the original
// evaluation) back into its Result: the summary and every violated
// constraint, ordered by constraint id. Satisfied constraints are not
// listed. It reads both layouts: the one row of a record written since
// migration 00004, and the summary plus one row per violated constraint
// of older ones. If the request has no summary row, ErrNotFound is
// returned.
func Rebuild(ctx context.Context, q Querier, requestID, replayID string) (*schemas.Result, error) {
	rows, err := q.Query(ctx, `SELECT constraint_id, schedule_id, sport, revision, status,
		constraint_set, version, kind, hard, deviation, (cost * 1000000)::bigint, detail, results
		FROM evaluation_history WHERE request_id = $1 AND replay_id = $2
		ORDER BY constraint_id`, requestID, replayID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		res     *schemas.Result
		rest    []schemas.ConstraintResult
		compact []byte
	)
	for rows.Next() {
		var (
			id, schedule, sport, status, set string
			revision, deviation, cost        *int64
			version                          *int32
			kind                             *string
			hard                             *bool
			detail, results                  []byte
		)
		if err := rows.Scan(&id, &schedule, &sport, &revision, &status, &set,
			&version, &kind, &hard, &deviation, &cost, &detail, &results); err != nil {
			return nil, err
		}
		if id == "" {
			var sum summary
			if err := json.Unmarshal(detail, &sum); err != nil {
				return nil, fmt.Errorf("history: summary of %s: %w", requestID, err)
			}
			res = &schemas.Result{
				RequestID: requestID, ReplayID: replayID, Revision: revision,
				ScheduleID: schedule, Sport: sport, Status: status, Error: sum.Error,
				ConstraintSet: set, Totals: sum.Totals, Structure: sum.Structure,
				Changes: sum.Changes, EvaluatedAt: sum.EvaluatedAt, DurationUS: sum.DurationUS,
			}
			compact = results
			continue
		}
		// A row of its own per violated constraint: a record written
		// before migration 00004.
		r := schemas.ConstraintResult{ConstraintID: id}
		if version != nil {
			r.Version = int(*version)
		}
		if kind != nil {
			r.Kind = *kind
		}
		if hard != nil {
			r.Hard = *hard
		}
		if deviation != nil {
			r.Deviation = *deviation
		}
		if cost != nil {
			r.Cost = schemas.Fixed(*cost)
		}
		if err := json.Unmarshal(detail, &r.Violations); err != nil {
			return nil, fmt.Errorf("history: violations of %s/%s: %w", requestID, id, err)
		}
		rest = append(rest, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("%w: %q replay %q", ErrNotFound, requestID, replayID)
	}
	if compact != nil {
		// A compact record is the whole record: rows of their own
		// (an older instance's redelivery, during an upgrade) do not
		// belong to it. Unmarshal starts the slice afresh.
		if err := json.Unmarshal(compact, &rest); err != nil {
			return nil, fmt.Errorf("history: results of %s: %w", requestID, err)
		}
		slices.SortStableFunc(rest, func(a, b schemas.ConstraintResult) int {
			return strings.Compare(a.ConstraintID, b.ConstraintID)
		})
	}
	res.Results = rest
	if res.Results == nil {
		res.Results = []schemas.ConstraintResult{}
	}
	return res, nil
}
