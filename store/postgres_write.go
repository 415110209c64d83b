package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/flextime/flextime/schemas"
)

// What Apply did to a document.
const (
	ActionCreated   = "created"
	ActionUpdated   = "updated"
	ActionUnchanged = "unchanged"
)

// Applied is what Apply did to one document: the version it now has and
// the Action, one of ActionCreated, ActionUpdated, ActionUnchanged.
type Applied struct {
	Sport   string `json:"sport"`
	ID      string `json:"id"`
	Version int    `json:"version"`
	Action  string `json:"action"`
}

// Apply saves docs in one transaction, recording change (ChangeApply or
// ChangeImport) in their versions. A new constraint gets version 1, or the
// document's own version when it gives one; an existing one whose content
// differs gets its current version plus one; one whose content is the
// same (the version field aside) is left alone and reported unchanged.
//
// Docs are checked first (Check): an invalid document, an empty id or
// sport, or the same sport and id twice is an error wrapping
// schemas.ErrInvalid that names the document, and nothing is written.
// A Postgres failure is an error wrapping ErrUnavailable, and nothing is
// written either.
func (p *Postgres) Apply(ctx context.Context, docs []schemas.Constraint, change string) ([]Applied, error) {
	if err := checkDocs(docs); err != nil {
		return nil, err
	}
	out := make([]Applied, 0, len(docs))
	err := p.inTx(ctx, sportsOf(docs), func(tx pgx.Tx) error {
		for i := range docs {
			a, err := applyOne(ctx, tx, normalize(docs[i]), change)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkDocs(docs []schemas.Constraint) error {
	type key struct{ sport, id string }
	seen := make(map[key]int, len(docs))
	for i := range docs {
		d := &docs[i]
		var msg string
		switch k := (key{d.Sport, d.ID}); {
		case d.ID == "":
			msg = "id: required"
		case d.Sport == "":
			msg = "sport: required"
		case len(d.Params) == 0:
			msg = "params: required"
		case len(d.Metadata) > 0 && !json.Valid(d.Metadata):
			msg = "metadata: not valid JSON"
		case d.Version < 0:
			msg = fmt.Sprintf("version: must be >= 1 (got %d)", d.Version)
		default:
			if first, dup := seen[k]; dup {
				msg = fmt.Sprintf("id: duplicate constraint in sport %s (first at constraint %d)", d.Sport, first)
			}
			seen[k] = i
		}
		if msg != "" {
			return fmt.Errorf("constraint %q (%d): %s: %w", d.ID, i, msg, schemas.ErrInvalid)
		}
	}
	return Check(docs)
}

func applyOne(ctx context.Context, tx pgx.Tx, d schemas.Constraint, change string) (Applied, error) {
	a := Applied{Sport: d.Sport, ID: d.ID}
	conf, meta, err := columns(&d)
	if err != nil {
		return a, err
	}
	// Insert when new; when another transaction inserts the same
	// constraint first, this waits for it and then finds its row below.
	version := max(d.Version, 1)
	tag, err := tx.Exec(ctx, `INSERT INTO constraints
		(sport, id, type, name, version, priority, configuration, metadata, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)
		ON CONFLICT (sport, id) DO NOTHING`,
		d.Sport, d.ID, d.Kind, d.Name, version, d.Priority, conf, meta, d.IsActive())
	if err != nil {
		return a, unavailable(err)
	}
	if tag.RowsAffected() == 1 {
		d.Version = version
		a.Version, a.Action = version, ActionCreated
		return a, saveVersion(ctx, tx, &d, change)
	}
	var same bool
	err = tx.QueryRow(ctx, `SELECT version,
		type = $3 AND name = $4 AND priority = $5 AND configuration = $6::jsonb
			AND metadata = $7::jsonb AND active = $8
		FROM constraints WHERE sport = $1 AND id = $2 FOR UPDATE`,
		d.Sport, d.ID, d.Kind, d.Name, d.Priority, conf, meta, d.IsActive()).Scan(&version, &same)
	if err != nil {
		return a, unavailable(err)
	}
	if same {
		a.Version, a.Action = version, ActionUnchanged
		return a, nil
	}
	d.Version = version + 1
	if err := update(ctx, tx, &d, conf, meta, change); err != nil {
		return a, err
	}
	a.Version, a.Action = d.Version, ActionUpdated
	return a, nil
}

// Disable saves a new version of a constraint with active false and
// returns its version. A constraint already inactive is left alone and
// its current version returned. With sport "", the id's only sport is
// used (see Resolve). An unknown constraint is an error wrapping
// ErrNotFound.
func (p *Postgres) Disable(ctx context.Context, sport, id string) (int, error) {
	return p.setActive(ctx, sport, id, false)
}

// Enable is Disable's inverse: a new version with active true, or the
// current version when the constraint is active already.
func (p *Postgres) Enable(ctx context.Context, sport, id string) (int, error) {
	return p.setActive(ctx, sport, id, true)
}

func (p *Postgres) setActive(ctx context.Context, sport, id string, active bool) (int, error) {
	change := ChangeDisable
	if active {
		change = ChangeEnable
	}
	var version int
	err := p.inTxResolved(ctx, sport, id, func(tx pgx.Tx, sport string) error {
		d, err := current(ctx, tx, sport, id, true)
		if err != nil {
			return err
		}
		version = d.Version
		if d.IsActive() == active {
			return nil
		}
		d.Active = new(active)
		*d = normalize(*d)
		d.Version++
		version = d.Version
		return updateDoc(ctx, tx, d, change)
	})
	return version, err
}

// Rollback saves version N+1 of a constraint, N being its current
// version, with the content of version to, and returns N+1. With sport
// "", the id's only sport is used (see Resolve). An unknown constraint or
// version is an error wrapping ErrNotFound that names it.
func (p *Postgres) Rollback(ctx context.Context, sport, id string, to int) (int, error) {
	var version int
	err := p.inTxResolved(ctx, sport, id, func(tx pgx.Tx, sport string) error {
		cur, err := current(ctx, tx, sport, id, true)
		if err != nil {
			return err
		}
		var raw []byte
		err = tx.QueryRow(ctx, `SELECT document FROM constraint_versions
			WHERE sport = $1 AND id = $2 AND version = $3`, sport, id, to).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("constraint %q in sport %s: version %d: %w (it has versions up to %d)", id, sport, to, ErrNotFound, cur.Version)
		}
		if err != nil {
			return unavailable(err)
		}
		var d schemas.Constraint
		if err := json.Unmarshal(raw, &d); err != nil {
			return unavailable(fmt.Errorf("constraint %q in sport %s: version %d: %w", id, sport, to, err))
		}
		d = normalize(d)
		d.Sport, d.ID, d.Version = sport, id, cur.Version+1
		version = d.Version
		return updateDoc(ctx, tx, &d, ChangeRollback)
	})
	return version, err
}

// inTx runs fn in a transaction and, once it commits, forgets the cached
// sets of sports.
func (p *Postgres) inTx(ctx context.Context, sports []string, fn func(pgx.Tx) error) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(err)
	}
	p.invalidate(sports)
	return nil
}

// inTxResolved is inTx for one constraint whose sport may be "".
func (p *Postgres) inTxResolved(ctx context.Context, sport, id string, fn func(tx pgx.Tx, sport string) error) error {
	var resolved string
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if resolved, err = resolve(ctx, tx, sport, id); err != nil {
		return err
	}
	if err := fn(tx, resolved); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(err)
	}
	p.invalidate([]string{resolved})
	return nil
}

// columns returns the configuration and metadata columns of d.
func columns(d *schemas.Constraint) (conf, meta string, err error) {
	b, err := json.Marshal(configuration{Params: d.Params, Hard: d.Hard, Penalty: d.Penalty})
	if err != nil {
		return "", "", fmt.Errorf("constraint %q: %w: %w", d.ID, schemas.ErrInvalid, err)
	}
	meta = "{}"
	if len(d.Metadata) > 0 {
		meta = string(d.Metadata)
	}
	return string(b), meta, nil
}

func updateDoc(ctx context.Context, tx pgx.Tx, d *schemas.Constraint, change string) error {
	conf, meta, err := columns(d)
	if err != nil {
		return err
	}
	return update(ctx, tx, d, conf, meta, change)
}

// update writes d, whose Version is already the new one, over its row
// and saves the version.
func update(ctx context.Context, tx pgx.Tx, d *schemas.Constraint, conf, meta, change string) error {
	_, err := tx.Exec(ctx, `UPDATE constraints SET type = $3, name = $4, version = $5,
		priority = $6, configuration = $7::jsonb, metadata = $8::jsonb, active = $9, updated_at = now()
		WHERE sport = $1 AND id = $2`,
		d.Sport, d.ID, d.Kind, d.Name, d.Version, d.Priority, conf, meta, d.IsActive())
	if err != nil {
		return unavailable(err)
	}
	return saveVersion(ctx, tx, d, change)
}

// saveVersion records d, the whole document as it now is, in
// constraint_versions.
func saveVersion(ctx context.Context, tx pgx.Tx, d *schemas.Constraint, change string) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("constraint %q: %w: %w", d.ID, schemas.ErrInvalid, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO constraint_versions (sport, id, version, document, change)
		VALUES ($1, $2, $3, $4::jsonb, $5)`, d.Sport, d.ID, d.Version, string(doc), change)
	if err != nil {
		return unavailable(err)
	}
	return nil
}
