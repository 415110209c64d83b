package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flextime/flextime/schemas"
)

var (
	// ErrUnavailable is wrapped by every error that comes from Postgres
	// rather than from the input: the server is down, slow, or not
	// migrated. A consumer treats it as an outage and retries later; it
	// never wraps schemas.ErrInvalid.
	ErrUnavailable = errors.New("constraint store unavailable")
	// ErrNotFound is wrapped when a constraint, or a version of one, does
	// not exist. The message names what was asked for.
	ErrNotFound = errors.New("not found")
	// ErrAmbiguous is wrapped when a constraint id given without a sport
	// exists in more than one sport. The message lists the sports.
	ErrAmbiguous = errors.New("ambiguous constraint id")
)

// Changes recorded in constraint_versions.change.
const (
	ChangeApply    = "apply"
	ChangeDisable  = "disable"
	ChangeEnable   = "enable"
	ChangeRollback = "rollback"
	ChangeImport   = "import"
)

// Postgres is the constraint store: the constraints and constraint_versions
// tables of migrations/sql/00001_constraints.sql. As a constraint source
// it keeps in memory the active Set of each sport that has constraints,
// and only those: the sports a stream of requests names are input, and a
// hostile one could name millions. They are read all at once on first use
// and refreshed by Reload, which the service calls when
// flextime.constraints.changed arrives. Writes go through Apply, Disable,
// Enable and Rollback, each one transaction that saves a new version.
// A Postgres is safe for concurrent use.
type Postgres struct {
	pool *pgxpool.Pool

	mu   sync.RWMutex
	sets map[string]*Set // sports with active constraints only
	// complete says sets holds every sport that has active constraints,
	// as of the last Reload: a sport not in it has none, and is answered
	// without a query. A write through this store clears it.
	complete bool
	// gen counts cache swaps and invalidations, so that a query which
	// raced one does not put what it read, possibly older, back.
	gen uint64
	// loading serialises the first-use load, so that a burst of requests
	// reads the table once.
	loading sync.Mutex
}

// OpenPostgres connects a pool to url and checks that the server answers.
// minConns and maxConns bound the pool; 0 leaves pgxpool's default. A url
// that cannot be parsed is a plain error; a server that does not answer
// is an error wrapping ErrUnavailable.
func OpenPostgres(ctx context.Context, url string, minConns, maxConns int32) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if minConns > 0 {
		cfg.MinConns = min(minConns, cfg.MaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, unavailable(err)
	}
	return newPostgres(pool), nil
}

func newPostgres(pool *pgxpool.Pool) *Postgres {
	return &Postgres{pool: pool, sets: map[string]*Set{}}
}

// Close closes the pool, waiting for connections in use to be returned.
func (p *Postgres) Close() { p.pool.Close() }

// Pool returns the connection pool, for other writers that share it.
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// unavailable wraps an error from Postgres with ErrUnavailable, adding a
// hint when the tables do not exist yet.
func unavailable(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" {
		return fmt.Errorf("%w: %w (run `flextime migrate up`)", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// ConstraintSet returns the active constraints of sport: an empty Set
// when it has none. The set comes from memory once every sport has been
// read (the first call reads them all, as Reload does); a sport not
// there has no constraints, and costs no query. A failure to read is an
// error wrapping ErrUnavailable.
func (p *Postgres) ConstraintSet(ctx context.Context, sport string) (*Set, error) {
	if s, ok := p.cached(sport); ok {
		return s, nil
	}
	p.loading.Lock()
	if _, ok := p.cached(sport); !ok {
		if err := p.Reload(ctx); err != nil {
			p.loading.Unlock()
			return nil, err
		}
	}
	p.loading.Unlock()
	if s, ok := p.cached(sport); ok {
		return s, nil
	}
	// A write raced the load, which then kept nothing: read this sport
	// alone, and keep it only when it has constraints.
	p.mu.RLock()
	gen := p.gen
	p.mu.RUnlock()
	docs, err := p.query(ctx, p.pool, sport, false)
	if err != nil {
		return nil, err
	}
	s := NewSet(sport, docs)
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur, ok := p.sets[sport]; ok {
		return cur, nil
	}
	if p.gen == gen && s.Len() > 0 {
		p.sets[sport] = s
	}
	return s, nil
}

// cached returns sport's set from memory when memory can answer: the
// sport is there, or every sport is and it is not.
func (p *Postgres) cached(sport string) (*Set, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if s, ok := p.sets[sport]; ok {
		return s, true
	}
	if p.complete {
		return NewSet(sport, nil), true
	}
	return nil, false
}

// cachedSports returns how many sports are held in memory.
func (p *Postgres) cachedSports() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.sets)
}

// Reload reads every sport's active constraints again and swaps them in;
// sports that have none now are dropped (they are answered empty). On
// error, an error wrapping ErrUnavailable, the sets in memory stay as
// they were.
func (p *Postgres) Reload(ctx context.Context) error {
	p.mu.RLock()
	gen := p.gen
	p.mu.RUnlock()
	docs, err := p.query(ctx, p.pool, "", false)
	if err != nil {
		// The sets read stay, but memory no longer vouches that a sport
		// it lacks has no constraints: those are asked for again, and
		// fail as outages while Postgres is away.
		p.mu.Lock()
		p.complete = false
		p.mu.Unlock()
		return err
	}
	sets := Sets(docs)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen != gen {
		// A write committed while we read: what we read may predate it.
		// Start from nothing; each sport is read again when asked for.
		p.sets = map[string]*Set{}
		p.complete = false
		p.gen++
		return nil
	}
	p.sets = sets
	p.complete = true
	p.gen++
	return nil
}

// invalidate forgets the cached sets of sports, after a write to them.
func (p *Postgres) invalidate(sports []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sp := range sports {
		delete(p.sets, sp)
	}
	p.complete = false
	p.gen++
}

// List returns the constraint documents of sport, or of every sport when
// sport is "", ordered by sport and id. Without all, only the active ones.
func (p *Postgres) List(ctx context.Context, sport string, all bool) ([]schemas.Constraint, error) {
	return p.query(ctx, p.pool, sport, all)
}

// VersionInfo is one saved version of a constraint: which change made it
// and when.
type VersionInfo struct {
	Version   int       `json:"version"`
	Change    string    `json:"change"`
	CreatedAt time.Time `json:"created_at"`
}

// Get returns the current document of a constraint and its versions,
// oldest first. With sport "", the id's only sport is used (see Resolve).
// An unknown constraint is an error wrapping ErrNotFound.
func (p *Postgres) Get(ctx context.Context, sport, id string) (*schemas.Constraint, []VersionInfo, error) {
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, nil, unavailable(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	if sport, err = resolve(ctx, tx, sport, id); err != nil {
		return nil, nil, err
	}
	doc, err := current(ctx, tx, sport, id, false)
	if err != nil {
		return nil, nil, err
	}
	rows, err := tx.Query(ctx, `SELECT version, change, created_at FROM constraint_versions
		WHERE sport = $1 AND id = $2 ORDER BY version`, sport, id)
	if err != nil {
		return nil, nil, unavailable(err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (VersionInfo, error) {
		var v VersionInfo
		err := r.Scan(&v.Version, &v.Change, &v.CreatedAt)
		return v, err
	})
	if err != nil {
		return nil, nil, unavailable(err)
	}
	return doc, vs, nil
}

// Resolve returns the sport of constraint id: sport itself when not "",
// else the one sport that has the id. An id in no sport is an error
// wrapping ErrNotFound; in several, one wrapping ErrAmbiguous that lists
// them.
func (p *Postgres) Resolve(ctx context.Context, sport, id string) (string, error) {
	return resolve(ctx, p.pool, sport, id)
}

// querier is what reads need: the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func resolve(ctx context.Context, q querier, sport, id string) (string, error) {
	if sport != "" {
		return sport, nil
	}
	rows, err := q.Query(ctx, `SELECT sport FROM constraints WHERE id = $1 ORDER BY sport`, id)
	if err != nil {
		return "", unavailable(err)
	}
	sports, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", unavailable(err)
	}
	switch len(sports) {
	case 0:
		return "", fmt.Errorf("constraint %q: %w", id, ErrNotFound)
	case 1:
		return sports[0], nil
	}
	return "", fmt.Errorf("constraint %q: %w: it exists in sports %s (name one)", id, ErrAmbiguous, strings.Join(sports, ", "))
}

const selectDoc = `SELECT sport, id, type, name, version, priority, configuration, metadata, active FROM constraints`

// current reads one constraint's document, locking its row when forUpdate.
func current(ctx context.Context, q querier, sport, id string, forUpdate bool) (*schemas.Constraint, error) {
	sql := selectDoc + ` WHERE sport = $1 AND id = $2`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, sport, id)
	if err != nil {
		return nil, unavailable(err)
	}
	docs, err := collectDocs(rows)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("constraint %q in sport %s: %w", id, sport, ErrNotFound)
	}
	return &docs[0], nil
}

func (p *Postgres) query(ctx context.Context, q querier, sport string, all bool) ([]schemas.Constraint, error) {
	var where []string
	var args []any
	if sport != "" {
		args = append(args, sport)
		where = append(where, "sport = $1")
	}
	if !all {
		where = append(where, "active")
	}
	sql := selectDoc
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := q.Query(ctx, sql+" ORDER BY sport, id", args...)
	if err != nil {
		return nil, unavailable(err)
	}
	return collectDocs(rows)
}

// configuration is what scores a constraint, as the configuration column
// holds it.
type configuration struct {
	Params  json.RawMessage `json:"params"`
	Hard    bool            `json:"hard"`
	Penalty schemas.Fixed   `json:"penalty"`
}

func collectDocs(rows pgx.Rows) ([]schemas.Constraint, error) {
	docs := []schemas.Constraint{}
	for rows.Next() {
		var d schemas.Constraint
		var conf, meta []byte
		var active bool
		if err := rows.Scan(&d.Sport, &d.ID, &d.Kind, &d.Name, &d.Version, &d.Priority, &conf, &meta, &active); err != nil {
			rows.Close()
			return nil, unavailable(err)
		}
		var c configuration
		if err := json.Unmarshal(conf, &c); err != nil {
			rows.Close()
			return nil, unavailable(fmt.Errorf("constraint %q in sport %s: configuration: %w", d.ID, d.Sport, err))
		}
		d.Params, d.Hard, d.Penalty = compact(c.Params), c.Hard, c.Penalty
		d.Metadata = compact(meta)
		if !active {
			d.Active = new(false)
		}
		docs = append(docs, normalize(d))
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable(err)
	}
	return docs, nil
}

func compact(raw []byte) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// normalize gives a document the one form the store keeps, so that the
// same content reads back the same and hashes the same: Active is nil
// when true (absent means true), Metadata nil when empty, Priority
// defaulted as CONTRACT §2 says.
func normalize(d schemas.Constraint) schemas.Constraint {
	if d.Active != nil && *d.Active {
		d.Active = nil
	}
	if m := strings.TrimSpace(string(d.Metadata)); m == "" || m == "null" || m == "{}" {
		d.Metadata = nil
	}
	if d.Priority == "" {
		d.Priority = schemas.PriorityMedium
		if d.Hard {
			d.Priority = schemas.PriorityRequired
		}
	}
	return d
}

// sportsOf returns the sports of docs, each once, sorted.
func sportsOf(docs []schemas.Constraint) []string {
	var out []string
	for i := range docs {
		if !slices.Contains(out, docs[i].Sport) {
			out = append(out, docs[i].Sport)
		}
	}
	slices.Sort(out)
	return out
}
