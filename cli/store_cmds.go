package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// The constraint store commands: list, get, apply, disable, enable,
// rollback and import, under `flextime constraints`. Each change is
// announced on flextime.constraints.changed so that running services
// reload; the output says whether the announcement went out.

// storeCommands returns the store's subcommands of `constraints`.
func (a *app) storeCommands() []*cobra.Command {
	return []*cobra.Command{
		a.constraintsListCommand(),
		a.constraintsGetCommand(),
		a.constraintsApplyCommand(),
		a.constraintsActiveCommand(false),
		a.constraintsActiveCommand(true),
		a.constraintsRollbackCommand(),
		a.constraintsImportCommand(),
	}
}

// constraintsChanged is the body of a flextime.constraints.changed
// announcement: the sport whose set changed and the ids that did.
type constraintsChanged struct {
	Sport string   `json:"sport"`
	IDs   []string `json:"ids"`
}

// changeLine is one line of a change command's output.
type changeLine struct {
	Sport   string `json:"sport"`
	ID      string `json:"id"`
	Version int    `json:"version"`
	Action  string `json:"action"`
	// Announced is whether flextime.constraints.changed went out for the
	// change; absent when nothing changed.
	Announced *bool `json:"announced,omitempty"`
}

// storeCmd declares the settings of a store command.
func storeCmd(cmd *cobra.Command, announces bool) *cobra.Command {
	addSettings(cmd, dbSettings...)
	if announces {
		addSettings(cmd, clientSettings...)
	}
	return cmd
}

// withStore opens the constraint store and runs fn with it, within
// DB_TIMEOUT. Errors that are about what was asked for (an unknown or
// ambiguous constraint) become bad input; Postgres failures stay as they
// are (exit 1).
func withStore(cmd *cobra.Command, fn func(ctx context.Context, st *store.Postgres) error) error {
	cfg := newConfig(cmd)
	conn, err := requireDB(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := conn.context(cmd.Context())
	defer cancel()
	// A command makes a handful of queries: there is no point in opening
	// DB_POOL_MIN connections only to close them.
	st, err := store.OpenPostgres(ctx, conn.dsn, int32(min(conn.poolMin, 1)), int32(conn.poolMax))
	switch {
	case errors.Is(err, store.ErrUnavailable):
		return fmt.Errorf("connecting to Postgres at %s: %w", redactDSN(conn.dsn), err)
	case err != nil:
		return usagef("%s: %v", cfg.source("DATABASE_URL"), err)
	}
	defer st.Close()
	return asked(fn(ctx, st))
}

// askedError is an error about the constraint or version asked for:
// bad input, exit 2.
type askedError struct{ err error }

func (e *askedError) Error() string   { return e.err.Error() }
func (e *askedError) Unwrap() []error { return []error{ErrBadInput, e.err} }

func asked(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAmbiguous) {
		return &askedError{err: err}
	}
	return err
}

func (a *app) constraintsListCommand() *cobra.Command {
	var sport string
	var all bool
	cmd := &cobra.Command{
		Use:   "list [--sport S] [--all]",
		Short: "Print the stored constraints as NDJSON: the active ones, or --all",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, func(ctx context.Context, st *store.Postgres) error {
				docs, err := st.List(ctx, sport, all)
				if err != nil {
					return err
				}
				w := bufio.NewWriter(a.stdout)
				enc := json.NewEncoder(w)
				for i := range docs {
					if err := enc.Encode(&docs[i]); err != nil {
						return err
					}
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&sport, "sport", "", "only this sport's constraints")
	cmd.Flags().BoolVar(&all, "all", false, "include inactive constraints")
	return storeCmd(cmd, false)
}

func (a *app) constraintsGetCommand() *cobra.Command {
	var sport string
	cmd := &cobra.Command{
		Use:   "get [--sport S] ID",
		Short: `Print a stored constraint and its versions: {"constraint":...,"versions":[...]}`,
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, func(ctx context.Context, st *store.Postgres) error {
				doc, versions, err := st.Get(ctx, sport, args[0])
				if err != nil {
					return err
				}
				return json.NewEncoder(a.stdout).Encode(struct {
					Constraint *schemas.Constraint `json:"constraint"`
					Versions   []store.VersionInfo `json:"versions"`
				}{doc, versions})
			})
		},
	}
	cmd.Flags().StringVar(&sport, "sport", "", "the constraint's sport, needed when its id is in several")
	return storeCmd(cmd, false)
}

func (a *app) constraintsApplyCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Save constraint documents (a JSON array or NDJSON; - for stdin), one output line per document",
		Long: `Save constraint documents in the store, in one transaction: a new
constraint gets version 1 (or the version it gives), a changed one its
current version plus one, and one whose content is the same is left
unchanged. Nothing is saved unless every document is valid. Prints one
JSON line per document: sport, id, version, action (created, updated or
unchanged) and whether the change was announced to running services.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usagef("missing -f FILE (the constraint documents to apply)")
			}
			if _, err := databaseURL(newConfig(cmd)); err != nil {
				return err
			}
			docs, source, err := a.readConstraints(file)
			if err != nil {
				return err
			}
			return a.applyDocs(cmd, source, docs, store.ChangeApply)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "constraint documents: a JSON array or NDJSON, - for stdin")
	return storeCmd(cmd, true)
}

// readConstraints reads and decodes the documents of path, "-" meaning
// stdin, and returns them with the name errors give the input. Errors
// name the file.
func (a *app) readConstraints(path string) ([]schemas.Constraint, string, error) {
	data, name, err := a.readInput(path)
	if err != nil {
		return nil, name, err
	}
	docs, err := schemas.DecodeConstraints(data)
	if err != nil {
		return nil, name, inFile(name, err)
	}
	if len(docs) == 0 {
		return nil, name, inFile(name, badInputf("no constraint documents"))
	}
	return docs, name, nil
}

// applyDocs saves docs, announces what changed and prints a line per
// document. source names where the documents came from, for errors.
func (a *app) applyDocs(cmd *cobra.Command, source string, docs []schemas.Constraint, change string) error {
	var done []store.Applied
	err := withStore(cmd, func(ctx context.Context, st *store.Postgres) error {
		var err error
		done, err = st.Apply(ctx, docs, change)
		return err
	})
	if errors.Is(err, schemas.ErrInvalid) {
		return inFile(source, err)
	}
	if err != nil {
		return err
	}
	var changes []constraintsChanged
	for _, d := range done {
		if d.Action == store.ActionUnchanged {
			continue
		}
		i := slices.IndexFunc(changes, func(c constraintsChanged) bool { return c.Sport == d.Sport })
		if i < 0 {
			i = len(changes)
			changes = append(changes, constraintsChanged{Sport: d.Sport})
		}
		changes[i].IDs = append(changes[i].IDs, d.ID)
	}
	announced := announceChanges(cmd, changes)
	w := bufio.NewWriter(a.stdout)
	enc := json.NewEncoder(w)
	for _, d := range done {
		line := changeLine{Sport: d.Sport, ID: d.ID, Version: d.Version, Action: d.Action}
		if d.Action != store.ActionUnchanged {
			line.Announced = &announced
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return w.Flush()
}

// constraintsActiveCommand is `disable`, or `enable` when active.
func (a *app) constraintsActiveCommand(active bool) *cobra.Command {
	var sport string
	name, action, short := "disable", "disabled", "Save a new version of a constraint with active false"
	if active {
		name, action, short = "enable", "enabled", "Save a new version of a disabled constraint with active true"
	}
	cmd := &cobra.Command{
		Use:   name + " [--sport S] ID",
		Short: short,
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.changeOne(cmd, sport, args[0], action, func(ctx context.Context, st *store.Postgres, sport string) (int, error) {
				if active {
					return st.Enable(ctx, sport, args[0])
				}
				return st.Disable(ctx, sport, args[0])
			})
		},
	}
	cmd.Flags().StringVar(&sport, "sport", "", "the constraint's sport, needed when its id is in several")
	return storeCmd(cmd, true)
}

func (a *app) constraintsRollbackCommand() *cobra.Command {
	var sport string
	var to int
	cmd := &cobra.Command{
		Use:   "rollback [--sport S] ID --to VERSION",
		Short: "Save the content of an earlier version of a constraint as its newest version",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to < 1 {
				return usagef("missing --to VERSION (a version number, 1 or more)")
			}
			return a.changeOne(cmd, sport, args[0], "rolled_back", func(ctx context.Context, st *store.Postgres, sport string) (int, error) {
				return st.Rollback(ctx, sport, args[0], to)
			})
		},
	}
	cmd.Flags().StringVar(&sport, "sport", "", "the constraint's sport, needed when its id is in several")
	cmd.Flags().IntVar(&to, "to", 0, "the version whose content to restore")
	return storeCmd(cmd, true)
}

// changeOne runs a change to one constraint, announces it and prints its
// line.
func (a *app) changeOne(cmd *cobra.Command, sport, id, action string, change func(context.Context, *store.Postgres, string) (int, error)) error {
	var version int
	err := withStore(cmd, func(ctx context.Context, st *store.Postgres) error {
		var err error
		if sport, err = st.Resolve(ctx, sport, id); err != nil {
			return err
		}
		version, err = change(ctx, st, sport)
		return err
	})
	if err != nil {
		return err
	}
	announced := announceChanges(cmd, []constraintsChanged{{Sport: sport, IDs: []string{id}}})
	return json.NewEncoder(a.stdout).Encode(changeLine{Sport: sport, ID: id, Version: version, Action: action, Announced: &announced})
}

func (a *app) constraintsImportCommand() *cobra.Command {
	var inst, sport string
	cmd := &cobra.Command{
		Use:   "import --itc2021 INSTANCE [--sport S]",
		Short: "Save the constraints of an ITC2021 (RobinX) instance, as apply does",
		Long: `Save the constraints of an ITC2021 (RobinX) instance in the store, as
apply does. Their sport is the instance file's base name in lower case
unless --sport says otherwise.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if inst == "" {
				return usagef("missing --itc2021 INSTANCE (the RobinX instance to import)")
			}
			if _, err := databaseURL(newConfig(cmd)); err != nil {
				return err
			}
			in, err := readITC(inst, "", sport)
			if err != nil {
				return err
			}
			if len(in.inst.Constraints) == 0 {
				return inFile(inst, badInputf("the instance has no constraints"))
			}
			return a.applyDocs(cmd, inst, in.inst.Constraints, store.ChangeImport)
		},
	}
	cmd.Flags().StringVar(&inst, "itc2021", "", "RobinX instance (.xml or .xml.gz)")
	cmd.Flags().StringVar(&sport, "sport", "", "sport of the constraints (default: the instance file's base name)")
	return storeCmd(cmd, true)
}

// announceChanges tells running services that constraint sets changed,
// on core NATS. It reports whether every announcement went out; a server
// that cannot be reached is not an error, since the change itself is
// saved and services read it on their next reload. Without NATS_URL it
// tries the embedded server of a local `flextime serve`, once, without
// waiting for one to start.
func announceChanges(cmd *cobra.Command, changes []constraintsChanged) bool {
	if len(changes) == 0 {
		return false
	}
	cfg := newConfig(cmd)
	if cfg.str("NATS_URL") == "" {
		c, err := net.DialTimeout("tcp", cfg.str("NATS_LISTEN"), 500*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
	defer cancel()
	nc, _, err := connectClient(ctx, cmd, "flextime-constraints")
	if err != nil {
		return false
	}
	defer nc.Close()
	for _, c := range changes {
		body, err := json.Marshal(c)
		if err != nil {
			return false
		}
		if err := nc.Publish(broker.SubjectConstraintsChanged, body); err != nil {
			return false
		}
	}
	return nc.FlushTimeout(5*time.Second) == nil
}
