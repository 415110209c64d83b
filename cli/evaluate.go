package cli

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// Values of --detail, as in the request's detail field (CONTRACT §3).
const (
	detailViolated = "violated"
	detailAll      = "all"
)

func (a *app) evaluateCommand() *cobra.Command {
	var schedPath, consPath, detail string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "evaluate --schedule FILE --constraints FILE [--json] [--detail violated|all]",
		Short: "Evaluate one schedule document against a constraints file",
		Long: `Evaluate one schedule document (CONTRACT §1) against the constraints of
its sport, read from a file of constraint documents (a JSON array, one
object, or NDJSON). No server is needed.

With --json, print the result message of CONTRACT §3. --detail all lists
every evaluated constraint, not only those with a cost.`,
		Example: "  flextime evaluate --schedule big12-mbb.json --constraints constraints.ndjson",
		Args:    namedFilesOnly,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFiles(schedPath, consPath); err != nil {
				return err
			}
			if detail != detailViolated && detail != detailAll {
				return usagef("--detail: %q is not %q or %q", detail, detailViolated, detailAll)
			}
			sched, cons, err := readEvaluateInput(schedPath, consPath)
			if err != nil {
				return err
			}
			start := time.Now()
			st, err := evaluator.Evaluate(sched, cons, evaluator.CompileOptions{})
			if err != nil {
				return inFile(blame(err, schedPath, consPath), err)
			}
			res := st.Report(sched.ID, sched.Sport, detail == detailAll)
			took := time.Since(start)
			res.EvaluatedAt = time.Now().UTC().Format(time.RFC3339)
			res.DurationUS = took.Microseconds()

			w := bufio.NewWriter(a.stdout)
			if asJSON {
				if err := writeJSON(w, res, true); err != nil {
					return err
				}
			} else {
				writeResultPlain(w, sched, st, res, detail == detailAll, took)
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&schedPath, "schedule", "", "read the schedule document (JSON) from `FILE`")
	f.StringVar(&consPath, "constraints", "", "read the constraint documents (JSON array, object or NDJSON) from `FILE`")
	f.BoolVar(&asJSON, "json", false, "print the result message (CONTRACT §3) as JSON")
	f.StringVar(&detail, "detail", detailViolated, "which constraints to list, `violated|all`: those with a cost, or every one")
	return cmd
}

// readEvaluateInput decodes the schedule and the constraints of its sport.
// A constraints file with constraints, none of them for the schedule's
// sport, is bad input: the files do not go together.
func readEvaluateInput(schedPath, consPath string) (*schemas.Schedule, []schemas.Constraint, error) {
	data, err := os.ReadFile(schedPath)
	if err != nil {
		return nil, nil, inFile(schedPath, err)
	}
	sched, err := schemas.DecodeSchedule(data)
	if err != nil {
		return nil, nil, inFile(schedPath, err)
	}
	if data, err = os.ReadFile(consPath); err != nil {
		return nil, nil, inFile(consPath, err)
	}
	all, err := schemas.DecodeConstraints(data)
	if err != nil {
		return nil, nil, inFile(consPath, err)
	}
	cons := evaluator.ForSport(all, sched.Sport)
	if len(cons) == 0 && len(all) > 0 {
		var sports []string
		for i := range all {
			if !slices.Contains(sports, all[i].Sport) {
				sports = append(sports, all[i].Sport)
			}
		}
		slices.Sort(sports)
		return nil, nil, inFile(consPath, badInputf("no constraint for sport %q (the file has sports %s)",
			sched.Sport, strings.Join(sports, ", ")))
	}
	return sched, cons, nil
}

// namedFilesOnly refuses positional arguments for the commands that take
// their files as --schedule FILE --constraints FILE.
func namedFilesOnly(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q (name the files with --schedule FILE --constraints FILE)", args[0])
	}
	return nil
}

// requireFiles says which of --schedule and --constraints is missing.
func requireFiles(schedPath, consPath string) error {
	switch {
	case schedPath == "" && consPath == "":
		return usagef("--schedule FILE and --constraints FILE are required")
	case schedPath == "":
		return usagef("--schedule FILE is required")
	case consPath == "":
		return usagef("--constraints FILE is required")
	}
	return nil
}
