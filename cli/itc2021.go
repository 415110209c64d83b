package cli

import (
	"bufio"
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/robinx"
	"github.com/flextime/flextime/schemas"
)

func (a *app) itc2021Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "itc2021",
		Short: "Work with ITC2021 (RobinX) instances and solutions",
		Long: `Work with ITC2021 sports timetabling problems in the RobinX XML format.
Files may be plain .xml or gzip-compressed .xml.gz.`,
		RunE: groupRun,
	}
	cmd.AddCommand(a.itcEvaluateCommand(), a.itcExportCommand(), a.itcBenchCommand())
	return cmd
}

// itcInput is an ITC2021 instance and solution, read and turned into a
// schedule document.
type itcInput struct {
	instPath, solPath string
	inst              *robinx.Instance
	sol               *robinx.Solution // nil when only the instance was read
	sched             *schemas.Schedule
}

// readITC reads an instance and, when solPath is not empty, its solution.
// A non-empty sport replaces the one taken from the instance file's name.
// Errors name the file at fault.
func readITC(instPath, solPath, sport string) (*itcInput, error) {
	in := &itcInput{instPath: instPath, solPath: solPath}
	var err error
	if in.inst, err = robinx.ReadInstanceFile(instPath); err != nil {
		return nil, inFile(instPath, err)
	}
	if sport != "" {
		in.inst.SetSport(sport)
	}
	if solPath == "" {
		return in, nil
	}
	if in.sol, err = robinx.ReadSolutionFile(solPath); err != nil {
		return nil, inFile(solPath, err)
	}
	if in.sched, err = in.inst.Schedule(in.sol); err != nil {
		return nil, inFile(solPath, err)
	}
	return in, nil
}

// structure is the round-robin format the instance asks for.
func (in *itcInput) structure() evaluator.Structure {
	f := in.inst.Format
	return evaluator.Structure{RoundRobins: f.RoundRobins, Compact: f.Compact, Phased: f.Phased}
}

// evaluate scores the solution in full and returns the state and how long
// that took. Errors about a constraint name the instance file, others the
// solution file.
func (in *itcInput) evaluate() (*evaluator.State, time.Duration, error) {
	start := time.Now()
	st, err := evaluator.Evaluate(in.sched, in.inst.Constraints, evaluator.CompileOptions{Structure: in.structure()})
	took := time.Since(start)
	if err != nil {
		return nil, 0, inFile(blame(err, in.solPath, in.instPath), err)
	}
	return st, took, nil
}

func (a *app) itcEvaluateCommand() *cobra.Command {
	var asJSON bool
	var sport string
	cmd := &cobra.Command{
		Use:   "evaluate [--json] [--sport S] INSTANCE SOLUTION",
		Short: "Score a RobinX solution against its instance",
		Long: `Score a RobinX solution against its instance: the infeasibility (cost of
the hard constraints), the objective (cost of the soft ones), the
round-robin structure, and the constraints that cost the most.

With --json, print one object with infeasibility, objective, structure (a
list of broken round-robin rules, empty when sound) and constraints (one
entry per constraint, in instance order).`,
		Example: "  flextime itc2021 evaluate instances/ITC2021_Early_01.xml.gz solutions/ITC2021_Early_01.xml.gz",
		Args:    exactArgs("INSTANCE", "SOLUTION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := readITC(args[0], args[1], sport)
			if err != nil {
				return err
			}
			st, took, err := in.evaluate()
			if err != nil {
				return err
			}
			w := bufio.NewWriter(a.stdout)
			if asJSON {
				err = writeJSON(w, itcReportOf(in, st, took), true)
			} else {
				writeITCPlain(w, in, st, took)
			}
			if err != nil {
				return err
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	cmd.Flags().StringVar(&sport, "sport", "", "give the schedule and constraints sport `S` (default: the instance file's base name in lower case)")
	return cmd
}

func (a *app) itcExportCommand() *cobra.Command {
	var schedule bool
	var sport string
	cmd := &cobra.Command{
		Use:   "export [--schedule] [--sport S] INSTANCE [SOLUTION]",
		Short: "Print an instance's constraints (NDJSON) or a solution's schedule (JSON)",
		Long: `Print the constraints of INSTANCE as NDJSON, one constraint document per
line; or, with --schedule, SOLUTION as a schedule document (JSON).

The two outputs feed "flextime evaluate --constraints FILE --schedule FILE".`,
		Example: `  flextime itc2021 export ITC2021_Early_01.xml.gz > early01.ndjson
  flextime itc2021 export --schedule ITC2021_Early_01.xml.gz sol.xml.gz > early01.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := bufio.NewWriter(a.stdout)
			if schedule {
				if err := argCount(cmd, args, []string{"INSTANCE", "SOLUTION"}); err != nil {
					return err
				}
				in, err := readITC(args[0], args[1], sport)
				if err != nil {
					return err
				}
				if err := writeJSON(w, in.sched, true); err != nil {
					return err
				}
				return w.Flush()
			}
			if err := argCount(cmd, args, []string{"INSTANCE"}); err != nil {
				if len(args) == 2 {
					return usagef("unexpected argument %q (add --schedule to export the solution)", args[1])
				}
				return err
			}
			in, err := readITC(args[0], "", sport)
			if err != nil {
				return err
			}
			for i := range in.inst.Constraints {
				if err := writeJSON(w, &in.inst.Constraints[i], false); err != nil {
					return err
				}
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&schedule, "schedule", false, "print the solution as a schedule document instead")
	cmd.Flags().StringVar(&sport, "sport", "", "write sport `S` (default: the instance file's base name in lower case)")
	return cmd
}

// writeJSON writes v as JSON and a newline, indented when indent is true,
// without escaping <, > and & (names hold them).
func writeJSON(w *bufio.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}
