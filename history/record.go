package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
// slices built below.
var columns = []string{
	"request_ts", "request_id", "replay_id", "constraint_id", "schedule_id", "sport",
	"revision", "status", "constraint_set", "version", "kind", "hard", "deviation",
	"cost", "detail", "stream_seq", "evaluated_at",
}

// rowSet holds the rows of one or more records column by column, ready
// for unnest.
type rowSet struct {
	ts          []time.Time
	requestID   []string
	replayID    []string
	constraint  []string
	schedule    []string
	sport       []string
	revision    []*int64
	status      []string
	set         []string
	version     []*int32
	kind        []*string
	hard        []*bool
	deviation   []*int64
	cost        []*int64 // Fixed units; the SQL scales them to numeric exactly
	detail      []string
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
	s.constraint = append(s.constraint, o.constraint...)
	s.schedule = append(s.schedule, o.schedule...)
	s.sport = append(s.sport, o.sport...)
	s.revision = append(s.revision, o.revision...)
	s.status = append(s.status, o.status...)
	s.set = append(s.set, o.set...)
	s.version = append(s.version, o.version...)
	s.kind = append(s.kind, o.kind...)
	s.hard = append(s.hard, o.hard...)
	s.deviation = append(s.deviation, o.deviation...)
	s.cost = append(s.cost, o.cost...)
	s.detail = append(s.detail, o.detail...)
	s.streamSeq = append(s.streamSeq, o.streamSeq...)
	s.evaluatedAt = append(s.evaluatedAt, o.evaluatedAt...)
	s.sets = append(s.sets, o.sets...)
}

// row returns row i as COPY values.
func (s *rowSet) row(i int) []any {
	var cost any
	if c := s.cost[i]; c != nil {
		cost = fixedNumeric(schemas.Fixed(*c))
	}
	return []any{
		s.ts[i], s.requestID[i], s.replayID[i], s.constraint[i], s.schedule[i], s.sport[i],
		s.revision[i], s.status[i], s.set[i], s.version[i], s.kind[i], s.hard[i],
		s.deviation[i], cost, s.detail[i], s.streamSeq[i], s.evaluatedAt[i],
	}
}

// fixedNumeric is f as an exact numeric: its units with exponent -6.
func fixedNumeric(f schemas.Fixed) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(int64(f)), Exp: -6, Valid: true}
}

// buildRows turns rec into its rows: one summary row with constraint_id
// ”, and one row per constraint with a cost or a deviation. Satisfied
// constraints (listed when a request asked for detail=all) get no row:
// the constraint set and its versions imply them.
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
	n := 1
	for i := range res.Results {
		if violated(&res.Results[i]) {
			n++
		}
	}
	s := &rowSet{
		ts: make([]time.Time, 0, n), requestID: make([]string, 0, n), replayID: make([]string, 0, n),
		constraint: make([]string, 0, n), schedule: make([]string, 0, n), sport: make([]string, 0, n),
		revision: make([]*int64, 0, n), status: make([]string, 0, n), set: make([]string, 0, n),
		version: make([]*int32, 0, n), kind: make([]*string, 0, n), hard: make([]*bool, 0, n),
		deviation: make([]*int64, 0, n), cost: make([]*int64, 0, n), detail: make([]string, 0, n),
		streamSeq: make([]int64, 0, n), evaluatedAt: make([]time.Time, 0, n),
	}
	common := func(constraintID string, detail []byte) {
		s.ts = append(s.ts, ts)
		s.requestID = append(s.requestID, res.RequestID)
		s.replayID = append(s.replayID, res.ReplayID)
		s.constraint = append(s.constraint, constraintID)
		s.schedule = append(s.schedule, res.ScheduleID)
		s.sport = append(s.sport, res.Sport)
		s.revision = append(s.revision, res.Revision)
		s.status = append(s.status, res.Status)
		s.set = append(s.set, res.ConstraintSet)
		s.detail = append(s.detail, string(detail))
		s.streamSeq = append(s.streamSeq, int64(rec.StreamSeq))
		s.evaluatedAt = append(s.evaluatedAt, evaluated)
	}
	if rec.Versions != nil && res.ConstraintSet != "" {
		s.sets = []setRow{{id: res.ConstraintSet, sport: res.Sport, versions: rec.Versions}}
	}
	common("", sum)
	s.version = append(s.version, nil)
	s.kind = append(s.kind, nil)
	s.hard = append(s.hard, nil)
	s.deviation = append(s.deviation, nil)
	s.cost = append(s.cost, nil)
	for i := range res.Results {
		r := &res.Results[i]
		if !violated(r) {
			continue
		}
		v, err := json.Marshal(r.Violations)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
		}
		common(r.ConstraintID, v)
		version, kind, hard, dev, cost := int32(r.Version), r.Kind, r.Hard, r.Deviation, int64(r.Cost)
		s.version = append(s.version, &version)
		s.kind = append(s.kind, &kind)
		s.hard = append(s.hard, &hard)
		s.deviation = append(s.deviation, &dev)
		s.cost = append(s.cost, &cost)
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

// Rebuild reads the rows of one request (replayID "" for the original
// evaluation) back into its Result: the summary and every violated
// constraint, ordered by constraint id. Satisfied constraints are not
// listed. If the request has no summary row, ErrNotFound is returned.
func Rebuild(ctx context.Context, q Querier, requestID, replayID string) (*schemas.Result, error) {
	rows, err := q.Query(ctx, `SELECT constraint_id, schedule_id, sport, revision, status,
		constraint_set, version, kind, hard, deviation, (cost * 1000000)::bigint, detail
		FROM evaluation_history WHERE request_id = $1 AND replay_id = $2
		ORDER BY constraint_id`, requestID, replayID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		res  *schemas.Result
		rest []schemas.ConstraintResult
	)
	for rows.Next() {
		var (
			id, schedule, sport, status, set string
			revision, deviation, cost        *int64
			version                          *int32
			kind                             *string
			hard                             *bool
			detail                           []byte
		)
		if err := rows.Scan(&id, &schedule, &sport, &revision, &status, &set,
			&version, &kind, &hard, &deviation, &cost, &detail); err != nil {
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
			continue
		}
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
	res.Results = rest
	if res.Results == nil {
		res.Results = []schemas.ConstraintResult{}
	}
	return res, nil
}
