package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/improve"
	"github.com/flextime/flextime/schemas"
)

// improveReport is the --json form of the improve report.
type improveReport struct {
	ScheduleID      string           `json:"schedule_id"`
	Sport           string           `json:"sport"`
	Stop            improve.Stop     `json:"stop"`
	Moves           int64            `json:"moves"`
	Accepted        int64            `json:"accepted"`
	ElapsedMS       int64            `json:"elapsed_ms"`
	MovesPerSecond  float64          `json:"moves_per_second"`
	HardConstraints int              `json:"hard_constraints"`
	Before          schemas.Totals   `json:"before"`
	After           schemas.Totals   `json:"after"`
	Changes         []schemas.Change `json:"changes"`
	GamesMoved      int              `json:"games_moved"`
	GamesFlipped    int              `json:"games_flipped"`
	Out             string           `json:"out"`
	Confirmed       bool             `json:"confirmed"`
}

func (a *app) improveCommand() *cobra.Command {
	var schedPath, consPath, out, lock string
	var limit time.Duration
	var moves int64
	var target float64
	var seed uint64
	var asJSON, count bool
	cmd := &cobra.Command{
		Use:   "improve --schedule FILE --constraints FILE [--out FILE] [--time 30s] [--moves N] [--target-soft-pct 85] [--seed N] [--lock IDS] [--satisfied-first] [--json]",
		Short: "Improve a schedule by local search, hard constraints first",
		Long: `Improve a schedule document (CONTRACT §1) against the constraints of its
sport by a local search on the incremental evaluator: games move to free
slots, trade slots, slots trade all their games, games and pairs swap home
and away. Hard constraints come first (infeasibility, then objective).
Games with "locked": true, and those named by --lock, never move.

The search stops at --time, after --moves moves, or once every hard
constraint holds and --target-soft-pct of the soft ones are satisfied
(0: no target). With --moves and --time 0 the result depends only on the
files and --seed. Progress goes to stderr every second.

The improved schedule goes to --out, or to stdout when --out is not given
(the report then goes to stderr). Before the report is printed, the
written schedule is evaluated again from scratch: a score that differs
from the search's is an error (exit status 1).`,
		Example: `  flextime improve --schedule mbb.json --constraints mbb.ndjson --out mbb-better.json
  flextime improve --schedule mbb.json --constraints mbb.ndjson --moves 2000000 --time 0 --seed 7 > better.json`,
		Args: namedFilesOnly,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFiles(schedPath, consPath); err != nil {
				return err
			}
			switch {
			case limit < 0:
				return usagef("--time: %v is negative", limit)
			case moves < 0:
				return usagef("--moves: %d is negative", moves)
			case limit == 0 && moves == 0:
				return usagef("--time 0 needs --moves N: the search would not end")
			case target < 0 || target > 100:
				return usagef("--target-soft-pct: %v is not between 0 and 100", target)
			}
			if out != "" {
				// Fail before the search, not after it.
				if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
					return usagef("--out: %s is not a directory to write %s into", filepath.Dir(out), filepath.Base(out))
				}
			}
			sched, cons, err := readEvaluateInput(schedPath, consPath)
			if err != nil {
				return err
			}
			locked, err := lockedGames(sched, lock)
			if err != nil {
				return err
			}
			st, err := evaluator.Evaluate(sched, cons, evaluator.CompileOptions{})
			if err != nil {
				return inFile(blame(err, schedPath, consPath), err)
			}
			before := st.Totals()
			costs := make([]schemas.Fixed, len(st.Model().Constraints))
			for i := range costs {
				costs[i] = st.Cost(i)
			}

			ctx := cmd.Context()
			if limit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, limit)
				defer cancel()
			}
			prog := a.newProgress(limit)
			res, err := improve.Search(ctx, st, improve.Options{
				Seed: seed, MaxMoves: moves, TargetSoftPct: target, SatisfiedFirst: count, Locked: locked, Progress: prog.show,
			})
			prog.done()
			if err != nil {
				return err
			}

			doc := improve.Document(st, sched)
			if err := improve.Confirm(st, doc, cons, evaluator.CompileOptions{}); err != nil {
				return err
			}
			rep := &improveReport{
				ScheduleID: sched.ID, Sport: sched.Sport, Stop: res.Stop, Moves: res.Moves, Accepted: res.Accepted,
				ElapsedMS: res.Elapsed.Milliseconds(), MovesPerSecond: res.MovesPerSecond(),
				Before: before, After: st.Totals(), Changes: []schemas.Change{}, Out: out, Confirmed: true,
			}
			for i := range st.Model().Constraints {
				if st.Model().Constraints[i].Doc.Hard {
					rep.HardConstraints++
				}
			}
			for i := range costs {
				if c := st.Cost(i); c != costs[i] {
					rep.Changes = append(rep.Changes, schemas.Change{ConstraintID: st.Model().Constraints[i].Doc.ID, Before: costs[i], After: c})
				}
			}
			for i := range doc.Games {
				g, b := &doc.Games[i], &sched.Games[i]
				if (g.Slot == nil) != (b.Slot == nil) || g.Slot != nil && *g.Slot != *b.Slot {
					rep.GamesMoved++
				}
				if g.Home != b.Home {
					rep.GamesFlipped++
				}
			}

			reportTo := a.stdout
			if out == "" {
				reportTo = a.stderr
				w := bufio.NewWriter(a.stdout)
				if err := writeJSON(w, doc, true); err != nil {
					return err
				}
				if err := w.Flush(); err != nil {
					return err
				}
			} else if err := writeFileAtomic(out, doc); err != nil {
				return err
			}
			w := bufio.NewWriter(reportTo)
			if asJSON {
				if err := writeJSON(w, rep, true); err != nil {
					return err
				}
			} else {
				writeImprovePlain(w, rep, cmd.Context().Err() != nil)
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&schedPath, "schedule", "", "read the schedule document (JSON) from `FILE`")
	f.StringVar(&consPath, "constraints", "", "read the constraint documents (JSON array, object or NDJSON) from `FILE`")
	f.StringVar(&out, "out", "", "write the improved schedule to `FILE` (default: stdout, and the report to stderr)")
	f.DurationVar(&limit, "time", 30*time.Second, "stop after this long; 0 for no time limit (then give --moves)")
	f.Int64Var(&moves, "moves", 0, "stop after `N` moves evaluated; 0 for no limit")
	f.Float64Var(&target, "target-soft-pct", 85, "stop once every hard constraint holds and this `PCT` of the soft ones are satisfied; 0 for no target")
	f.Uint64Var(&seed, "seed", 1, "seed of the move generator: the same seed and --moves give the same schedule")
	f.StringVar(&lock, "lock", "", "comma-separated game `IDS` that must not move, besides those with \"locked\": true")
	f.BoolVar(&count, "satisfied-first", false, "after the hard constraints, minimise how many soft constraints are violated before their cost")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// lockedGames returns, per game, whether it is locked: by the document or
// by --lock. An id --lock names that the schedule does not have is a usage
// error naming it.
func lockedGames(s *schemas.Schedule, lock string) ([]bool, error) {
	locked := make([]bool, len(s.Games))
	idx := make(map[string]int, len(s.Games))
	for i, g := range s.Games {
		locked[i] = g.Locked
		idx[g.ID] = i
	}
	if lock == "" {
		return locked, nil
	}
	for id := range strings.SplitSeq(lock, ",") {
		id = strings.TrimSpace(id)
		i, ok := idx[id]
		if !ok {
			return nil, usagef("--lock: the schedule has no game %q", id)
		}
		locked[i] = true
	}
	return locked, nil
}

// writeFileAtomic writes doc as indented JSON to path through a
// temporary file in the same directory, so a failed write leaves no half
// schedule behind.
func writeFileAtomic(path string, doc any) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("--out: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// progress shows the search on stderr: one line a second, or one line
// rewritten in place when stderr is a terminal.
type progress struct {
	w     io.Writer
	tty   bool
	limit time.Duration
	shown bool
}

func (a *app) newProgress(limit time.Duration) *progress {
	return &progress{w: a.stderr, tty: a.isTerminal(), limit: limit}
}

func (p *progress) show(pr improve.Progress) {
	line := fmt.Sprintf("improve: %s  %s moves (%s/s)  infeasibility %v  objective %v  hard violated %d  soft %.1f%%",
		pr.Elapsed.Round(100*time.Millisecond), thousands(pr.Moves), thousands(int64(float64(pr.Moves)/max(pr.Elapsed.Seconds(), 1e-9))),
		pr.Best.Infeasibility, pr.Best.Objective, pr.Best.HardViolated, pr.Best.SoftSatisfiedPct)
	if p.limit > 0 {
		line += fmt.Sprintf("  [%3.0f%% of %v]", min(100, 100*pr.Elapsed.Seconds()/p.limit.Seconds()), p.limit)
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K"+line)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// done ends the line a terminal was shown.
func (p *progress) done() {
	if p.tty && p.shown {
		fmt.Fprintln(p.w)
	}
}

// thousands formats n with thin commas: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var stopWords = map[improve.Stop]string{
	improve.StopTarget:   "the target was reached",
	improve.StopOptimum:  "every constraint holds",
	improve.StopBudget:   "the move budget was spent",
	improve.StopDeadline: "the time was up",
	improve.StopStuck:    "no game can move",
}

// writeImprovePlain writes the human form of the report: totals before
// and after, then the constraints whose cost changed.
func writeImprovePlain(w io.Writer, r *improveReport, interrupted bool) {
	why := stopWords[r.Stop]
	if interrupted && r.Stop == improve.StopDeadline {
		why = "interrupted"
	}
	fmt.Fprintf(w, "Improved %s (%s): %s moves in %s (%s/s), %s accepted; stopped: %s\n\n",
		r.ScheduleID, r.Sport, thousands(r.Moves), formatDuration(time.Duration(r.ElapsedMS)*time.Millisecond),
		thousands(int64(r.MovesPerSecond)), thousands(r.Accepted), why)
	t := newTable("", ">BEFORE", ">AFTER")
	t.add("infeasibility", r.Before.Infeasibility.String(), r.After.Infeasibility.String())
	t.add("objective", r.Before.Objective.String(), r.After.Objective.String())
	t.add("hard violated", fmt.Sprintf("%d of %d", r.Before.HardViolated, r.HardConstraints), fmt.Sprintf("%d of %d", r.After.HardViolated, r.HardConstraints))
	t.add("soft satisfied", fmt.Sprintf("%.1f%%", r.Before.SoftSatisfiedPct), fmt.Sprintf("%.1f%%", r.After.SoftSatisfiedPct))
	t.write(w, "  ")
	fmt.Fprintf(w, "\n  %d games moved to another slot, %d swapped home and away; the score is confirmed by a full evaluation of the written schedule.\n",
		r.GamesMoved, r.GamesFlipped)
	if len(r.Changes) == 0 {
		fmt.Fprintln(w, "\nNo constraint's cost changed.")
		return
	}
	fmt.Fprintf(w, "\nChanges by constraint (%d):\n", len(r.Changes))
	ct := newTable("ID", ">BEFORE", ">AFTER")
	for _, c := range r.Changes {
		ct.add(c.ConstraintID, c.Before.String(), c.After.String())
	}
	ct.write(w, "  ")
}
